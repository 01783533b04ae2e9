// Model and parser of GET /version: the pve-manager version of the answering node.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pvex::pve {

struct Version {
  std::string version;                 // pve-manager package version, e.g. "9.0.3"
  std::string release;                 // major.minor, e.g. "9.0"
  std::string repoid;                  // build id (hex)
  std::optional<std::string> console;  // only when set in the datacenter config

  bool operator==(const Version&) const = default;
};

/// Parses the body of GET /version. `version` is required; a missing `release` is derived
/// from it. Malformed JSON or a missing `version` -> ErrorKind::parse.
Result<Version> parse_version(std::string_view json);

}  // namespace pvex::pve
