// Test helper: a pve::FetchFn answering from tests/fixtures/pve/<scenario>/ (naming rule in
// tests/fixtures/pve/README.md); missing files answer like an unreachable node (HTTP 595).
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "pve/session.hpp"
#include "support/golden.hpp"

namespace pvex::testing {

/// The fixture file of an API path: "/nodes/pve1/qemu?full=1" -> "nodes/pve1/qemu@full=1.json".
inline std::string fixture_file_for(std::string_view scenario, std::string_view api_path) {
  std::string rel(api_path.substr(api_path.starts_with('/') ? 1 : 0));
  for (char& c : rel)
    if (c == '?') c = '@';
  return test_path("fixtures/pve/" + std::string(scenario) + "/" + rel + ".json");
}

/// Reads a fixture body; "" if the file does not exist.
inline std::string read_fixture(std::string_view scenario, std::string_view api_path) {
  std::ifstream in(fixture_file_for(scenario, api_path), std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// A FetchFn over a fixture scenario.
inline pve::FetchFn fixture_fetch(std::string scenario) {
  return [scenario = std::move(scenario)](std::string_view path,
                                          pve::Clock::time_point) -> Result<pve::Body> {
    std::ifstream in(fixture_file_for(scenario, path), std::ios::binary);
    if (!in) {
      return fail(ErrorKind::http,
                  "GET " + std::string(path) + ": HTTP 595: Connection timed out (no fixture)");
    }
    std::ostringstream out;
    out << in.rdbuf();
    return std::make_shared<const std::string>(out.str());
  };
}

}  // namespace pvex::testing
