// Models and parsers of backup configuration: GET /cluster/backup and
// GET /cluster/backup-info/not-backed-up. Run results come from tasks (tasks.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

struct BackupJob {
  std::string id;                       // backup-<hex>
  std::string type;                     // vzdump
  bool enabled = true;                  // `enabled` defaults to 1
  std::optional<std::string> schedule;  // calendar event
  std::optional<int64_t> next_run_seconds;
  std::optional<std::string> storage;
  std::optional<std::string> mode;  // snapshot, suspend, stop
  std::optional<std::string> compress;
  bool all = false;
  std::optional<std::string> vmid;     // comma list
  std::optional<std::string> exclude;  // comma list
  std::optional<std::string> pool;
  std::optional<std::string> node;
  std::optional<std::string> comment;

  bool operator==(const BackupJob&) const = default;
};

/// Parses GET /cluster/backup. An entry without `id` -> ErrorKind::parse.
Result<std::vector<BackupJob>> parse_backup_jobs(std::string_view json);

struct NotBackedUpGuest {
  int64_t vmid = 0;
  std::string type;  // qemu, lxc
  std::optional<std::string> name;

  bool operator==(const NotBackedUpGuest&) const = default;
};

/// Parses GET /cluster/backup-info/not-backed-up. An entry without `vmid` -> ErrorKind::parse.
Result<std::vector<NotBackedUpGuest>> parse_not_backed_up(std::string_view json);

}  // namespace pvex::pve
