// Parsers of replication job lists and status.
#include "pve/replication.hpp"

#include "pve/json.hpp"
#include "util/strings.hpp"

namespace pvex::pve {
namespace {

Result<ReplicationJob> parse_job(json::Object obj) {
  Result<std::string> id = json::req_string(obj, "id");
  if (!id) return fail(id.error());
  ReplicationJob j;
  j.id = std::move(*id);
  j.type = json::opt_string(obj, "type").value_or("local");
  std::optional<int64_t> guest = json::opt_int(obj, "guest");
  if (!guest) guest = util::parse_int(std::string_view(j.id).substr(0, j.id.find('-')));
  if (!guest) return fail(ErrorKind::parse, "missing field 'guest'");
  j.guest = *guest;
  j.jobnum = json::opt_int(obj, "jobnum");
  j.target = json::opt_string(obj, "target");
  j.source = json::opt_string(obj, "source");
  j.schedule = json::opt_string(obj, "schedule");
  j.rate_mbps = json::opt_double(obj, "rate");
  j.comment = json::opt_string(obj, "comment");
  j.disabled = json::opt_bool(obj, "disable").value_or(false);
  j.remove_job = json::opt_string(obj, "remove_job");
  j.vmtype = json::opt_string(obj, "vmtype");
  j.last_sync_seconds = json::opt_int(obj, "last_sync");
  j.last_try_seconds = json::opt_int(obj, "last_try");
  j.next_sync_seconds = json::opt_int(obj, "next_sync");
  j.fail_count = json::opt_int(obj, "fail_count");
  j.error = json::opt_string(obj, "error");
  j.duration_seconds = json::opt_double(obj, "duration");
  j.pid = json::opt_int(obj, "pid");
  return j;
}

}  // namespace

Result<std::vector<ReplicationJob>> parse_replication_jobs(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/replication";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<ReplicationJob>(*arr, k_what, parse_job);
}

Result<ReplicationJob> parse_replication_status(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/replication/{id}/status";
  Result<json::Object> obj = json::data_object(body, k_what);
  if (!obj) return fail(obj.error());
  Result<ReplicationJob> j = parse_job(*obj);
  if (!j) return fail(j.error(), k_what);
  return j;
}

}  // namespace pvex::pve
