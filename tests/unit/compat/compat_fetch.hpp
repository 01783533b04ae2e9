// Test helper for the compatibility profile: a FetchFn over tests/fixtures/compat/<scenario>/
// (the guest configs only the profile asks for) falling back to tests/fixtures/pve/<scenario>/,
// with chosen paths failing, and a helper running every profile collector in table order.
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "compat/profile.hpp"
#include "pve/session.hpp"
#include "support/golden.hpp"
#include "unit/pve/fixture_fetch.hpp"

namespace pvex::testing {

/// Paths answered with an error instead of the fixture, and what the error says.
using Faults = std::map<std::string, Error, std::less<>>;

/// Paths answered with the given body instead of the fixture.
using Overrides = std::map<std::string, std::string, std::less<>>;

inline pve::FetchFn compat_fetch(std::string scenario, Faults faults = {},
                                 Overrides overrides = {}) {
  pve::FetchFn base = fixture_fetch(scenario);
  return [scenario, base, faults = std::move(faults), overrides = std::move(overrides)](
             std::string_view path, pve::Clock::time_point deadline) -> Result<pve::Answer> {
    if (auto it = faults.find(path); it != faults.end()) return fail(it->second);
    if (auto it = overrides.find(path); it != overrides.end())
      return std::make_shared<const std::string>(it->second);
    std::string rel(path.substr(1));
    std::ifstream in(test_path("fixtures/compat/" + scenario + "/" + rel + ".json"),
                     std::ios::binary);
    if (in) {
      std::ostringstream out;
      out << in.rdbuf();
      return std::make_shared<const std::string>(out.str());
    }
    return base(path, deadline);
  };
}

}  // namespace pvex::testing
