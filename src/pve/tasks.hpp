// Model and parser of GET /nodes/{node}/tasks: the node's task log (backups are vzdump tasks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

struct Task {
  std::string upid;
  std::string node;
  std::string type;  // vzdump, qmstart, ...
  std::string id;    // object id, usually a vmid (sent as a string); "" for none
  std::string user;
  std::optional<std::string> tokenid;
  std::optional<int64_t> pid, pstart;
  std::optional<int64_t> start_time_seconds;
  std::optional<int64_t> end_time_seconds;  // finished tasks
  std::optional<std::string> status;        // OK, WARNINGS: n, an error text, RUNNING

  /// True for a finished task whose status is `OK` or `WARNINGS: <n>`.
  bool succeeded() const;

  bool operator==(const Task&) const = default;
};

struct TaskList {
  std::vector<Task> tasks;       // newest first
  std::optional<int64_t> total;  // envelope `total`: matches before `limit`

  bool operator==(const TaskList&) const = default;
};

/// Parses GET /nodes/{node}/tasks. An entry without `upid` -> ErrorKind::parse; `node`,
/// `type` and `user` default to "" when absent.
Result<TaskList> parse_tasks(std::string_view json);

}  // namespace pvex::pve
