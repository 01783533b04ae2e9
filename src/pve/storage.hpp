// Model and parser of GET /nodes/{node}/storage: every storage enabled on a node, with usage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

struct StorageStatus {
  std::string storage;
  std::string type;     // plugin type: dir, zfspool, nfs, ...
  std::string content;  // comma list
  bool shared = false;
  bool enabled = false;
  bool active = false;  // accessible right now; inactive ones report zeros
  std::optional<uint64_t> total_bytes, used_bytes, avail_bytes;
  std::optional<double> used_ratio;  // `used_fraction`, only when total > 0

  bool operator==(const StorageStatus&) const = default;
};

/// Parses GET /nodes/{node}/storage. An entry without `storage` -> ErrorKind::parse.
Result<std::vector<StorageStatus>> parse_node_storage(std::string_view json);

}  // namespace pvex::pve
