// Parser of GET /nodes/{node}/tasks.
#include "pve/tasks.hpp"

#include "pve/json.hpp"
#include "util/strings.hpp"

namespace pvex::pve {

bool Task::succeeded() const {
  if (!status || !end_time_seconds) return false;
  return *status == "OK" || util::starts_with(*status, "WARNINGS");
}

Result<TaskList> parse_tasks(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/tasks";
  Result<json::Object> root = json::parse_root(body, k_what);
  if (!root) return fail(root.error());
  std::optional<json::Element> data = json::member(*root, "data");
  if (!data) return fail(ErrorKind::parse, std::string(k_what) + ": response has no 'data' member");
  Result<json::Array> arr = json::as_array(*data, std::string(k_what) + ": data");
  if (!arr) return fail(arr.error());
  Result<std::vector<Task>> tasks =
      json::parse_each<Task>(*arr, k_what, [](json::Object obj) -> Result<Task> {
        Result<std::string> upid = json::req_string(obj, "upid");
        if (!upid) return fail(upid.error());
        Task t;
        t.upid = std::move(*upid);
        t.node = json::opt_string(obj, "node").value_or("");
        t.type = json::opt_string(obj, "type").value_or("");
        t.id = json::opt_string(obj, "id").value_or("");
        t.user = json::opt_string(obj, "user").value_or("");
        t.tokenid = json::opt_string(obj, "tokenid");
        t.pid = json::opt_int(obj, "pid");
        t.pstart = json::opt_int(obj, "pstart");
        t.start_time_seconds = json::opt_int(obj, "starttime");
        t.end_time_seconds = json::opt_int(obj, "endtime");
        t.status = json::opt_string(obj, "status");
        return t;
      });
  if (!tasks) return fail(tasks.error());
  return TaskList{std::move(*tasks), json::opt_int(*root, "total")};
}

}  // namespace pvex::pve
