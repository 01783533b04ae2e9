// Model and parsers of replication jobs: GET /cluster/replication, /nodes/{node}/replication
// and /nodes/{node}/replication/{id}/status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

/// A replication job. The state fields (vmtype onwards) exist only in the per-node answers.
struct ReplicationJob {
  std::string id;  // <vmid>-<n>
  std::string type;
  int64_t guest = 0;
  std::optional<int64_t> jobnum;
  std::optional<std::string> target;
  std::optional<std::string> source;
  std::optional<std::string> schedule;
  std::optional<double> rate_mbps;  // MB/s limit
  std::optional<std::string> comment;
  bool disabled = false;
  std::optional<std::string> remove_job;
  std::optional<std::string> vmtype;         // qemu, lxc
  std::optional<int64_t> last_sync_seconds;  // 0 = never
  std::optional<int64_t> last_try_seconds;   // 0 = never
  std::optional<int64_t> next_sync_seconds;
  std::optional<int64_t> fail_count;
  std::optional<std::string> error;
  std::optional<double> duration_seconds;
  std::optional<int64_t> pid;

  bool operator==(const ReplicationJob&) const = default;
};

/// Parses GET /cluster/replication or /nodes/{node}/replication. An entry without `id` ->
/// ErrorKind::parse; a missing `guest` is taken from the id prefix.
Result<std::vector<ReplicationJob>> parse_replication_jobs(std::string_view json);
/// Parses GET /nodes/{node}/replication/{id}/status (one object).
Result<ReplicationJob> parse_replication_status(std::string_view json);

}  // namespace pvex::pve
