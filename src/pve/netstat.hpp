// Model and parser of GET /nodes/{node}/netstat: per-guest-interface traffic on a node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

/// One tap/veth interface; counters in the guest's perspective (`in` = received by the guest).
struct NetstatEntry {
  int64_t vmid = 0;                             // sent as a string
  std::string dev;                              // net0, net1, ...
  std::optional<uint64_t> in_bytes, out_bytes;  // sent as strings

  bool operator==(const NetstatEntry&) const = default;
};

/// Parses GET /nodes/{node}/netstat. An entry whose `vmid` is missing or not numeric ->
/// ErrorKind::parse.
Result<std::vector<NetstatEntry>> parse_netstat(std::string_view json);

}  // namespace pvex::pve
