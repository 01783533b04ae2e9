// Models and parsers only the compatibility profile (src/compat/) needs: a guest's `onboot`
// from GET /nodes/{node}/{qemu,lxc}/{vmid}/config, and the name of the first /cluster/status
// entry (the peer builds the not-backed-up id from it, whatever its type).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pvex::pve {

/// The part of a guest's configuration the profile reports.
struct GuestConfig {
  std::optional<int64_t> onboot;  // absent when the config does not set it

  bool operator==(const GuestConfig&) const = default;
};

/// Parses GET /nodes/{node}/qemu/{vmid}/config or .../lxc/{vmid}/config. `data` must be an
/// object; a non-numeric `onboot` is treated as absent. Malformed JSON -> ErrorKind::parse.
Result<GuestConfig> parse_guest_config(std::string_view json);

/// The `name` of the first entry of GET /cluster/status (the cluster entry in a cluster, the
/// node's own entry on a standalone node). An empty list or a first entry without `name` ->
/// ErrorKind::parse.
Result<std::string> parse_first_status_name(std::string_view json);

}  // namespace pvex::pve
