// Models and parsers of GET /cluster/ha/status/current and GET /cluster/ha/resources.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

/// One entry of /cluster/ha/status/current. Which optional fields exist depends on `type`:
/// quorum (quorate), master and lrm (timestamp), fencing (armed_state, resource_mode),
/// service (sid, crm_state, state, request_state, max_restart, max_relocate, failback, group).
/// `status` is free text for humans.
struct HaStatusEntry {
  std::string id;    // quorum, master, fencing, lrm:<node>, service:<sid>
  std::string type;  // quorum, master, fencing, lrm, service
  std::optional<std::string> node;
  std::optional<std::string> status;
  std::optional<bool> quorate;
  std::optional<int64_t> timestamp_seconds;
  std::optional<std::string> armed_state;
  std::optional<std::string> resource_mode;
  std::optional<std::string> sid;  // vm:100, ct:101
  std::optional<std::string> crm_state;
  std::optional<std::string> state;
  std::optional<std::string> request_state;
  std::optional<int64_t> max_restart, max_relocate;
  std::optional<bool> failback;
  std::optional<std::string> group;
  std::optional<std::string> comment;

  bool operator==(const HaStatusEntry&) const = default;
};

/// Parses GET /cluster/ha/status/current. An entry without `id` or `type` -> ErrorKind::parse.
Result<std::vector<HaStatusEntry>> parse_ha_status(std::string_view json);

/// One configured HA resource. Absent fields mean PVE's defaults (state started, max_restart
/// 1, max_relocate 1, failback 1); the parser keeps them absent.
struct HaResource {
  std::string sid;   // vm:100
  std::string type;  // vm, ct
  std::optional<std::string> state;
  std::optional<int64_t> max_restart, max_relocate;
  std::optional<bool> failback;
  std::optional<std::string> group;
  std::optional<std::string> comment;
  std::optional<std::string> digest;

  bool operator==(const HaResource&) const = default;
};

/// Parses GET /cluster/ha/resources. An entry without `sid` -> ErrorKind::parse.
Result<std::vector<HaResource>> parse_ha_resources(std::string_view json);

}  // namespace pvex::pve
