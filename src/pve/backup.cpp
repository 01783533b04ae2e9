// Parsers of backup jobs and the not-backed-up list.
#include "pve/backup.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<std::vector<BackupJob>> parse_backup_jobs(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/backup";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<BackupJob>(*arr, k_what, [](json::Object obj) -> Result<BackupJob> {
    Result<std::string> id = json::req_string(obj, "id");
    if (!id) return fail(id.error());
    BackupJob j;
    j.id = std::move(*id);
    j.type = json::opt_string(obj, "type").value_or("vzdump");
    j.enabled = json::opt_bool(obj, "enabled").value_or(true);
    j.schedule = json::opt_string(obj, "schedule");
    j.next_run_seconds = json::opt_int(obj, "next-run");
    j.storage = json::opt_string(obj, "storage");
    j.mode = json::opt_string(obj, "mode");
    j.compress = json::opt_string(obj, "compress");
    j.all = json::opt_bool(obj, "all").value_or(false);
    j.vmid = json::opt_string(obj, "vmid");
    j.exclude = json::opt_string(obj, "exclude");
    j.pool = json::opt_string(obj, "pool");
    j.node = json::opt_string(obj, "node");
    j.comment = json::opt_string(obj, "comment");
    return j;
  });
}

Result<std::vector<NotBackedUpGuest>> parse_not_backed_up(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/backup-info/not-backed-up";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<NotBackedUpGuest>(
      *arr, k_what, [](json::Object obj) -> Result<NotBackedUpGuest> {
        Result<int64_t> vmid = json::req_int(obj, "vmid");
        if (!vmid) return fail(vmid.error());
        return NotBackedUpGuest{*vmid, json::opt_string(obj, "type").value_or(""),
                                json::opt_string(obj, "name")};
      });
}

}  // namespace pvex::pve
