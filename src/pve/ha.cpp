// Parsers of the HA status and resource list.
#include "pve/ha.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<std::vector<HaStatusEntry>> parse_ha_status(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/ha/status/current";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<HaStatusEntry>(*arr, k_what,
                                         [](json::Object obj) -> Result<HaStatusEntry> {
                                           Result<std::string> id = json::req_string(obj, "id");
                                           if (!id) return fail(id.error());
                                           Result<std::string> type = json::req_string(obj, "type");
                                           if (!type) return fail(type.error());
                                           HaStatusEntry e;
                                           e.id = std::move(*id);
                                           e.type = std::move(*type);
                                           e.node = json::opt_string(obj, "node");
                                           e.status = json::opt_string(obj, "status");
                                           e.quorate = json::opt_bool(obj, "quorate");
                                           e.timestamp_seconds = json::opt_int(obj, "timestamp");
                                           e.armed_state = json::opt_string(obj, "armed-state");
                                           e.resource_mode = json::opt_string(obj, "resource_mode");
                                           e.sid = json::opt_string(obj, "sid");
                                           e.crm_state = json::opt_string(obj, "crm_state");
                                           e.state = json::opt_string(obj, "state");
                                           e.request_state = json::opt_string(obj, "request_state");
                                           e.max_restart = json::opt_int(obj, "max_restart");
                                           e.max_relocate = json::opt_int(obj, "max_relocate");
                                           e.failback = json::opt_bool(obj, "failback");
                                           e.group = json::opt_string(obj, "group");
                                           e.comment = json::opt_string(obj, "comment");
                                           return e;
                                         });
}

Result<std::vector<HaResource>> parse_ha_resources(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/ha/resources";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<HaResource>(*arr, k_what, [](json::Object obj) -> Result<HaResource> {
    Result<std::string> sid = json::req_string(obj, "sid");
    if (!sid) return fail(sid.error());
    HaResource r;
    r.sid = std::move(*sid);
    r.type = json::opt_string(obj, "type").value_or(r.sid.substr(0, r.sid.find(':')));
    r.state = json::opt_string(obj, "state");
    r.max_restart = json::opt_int(obj, "max_restart");
    r.max_relocate = json::opt_int(obj, "max_relocate");
    r.failback = json::opt_bool(obj, "failback");
    r.group = json::opt_string(obj, "group");
    r.comment = json::opt_string(obj, "comment");
    r.digest = json::opt_string(obj, "digest");
    return r;
  });
}

}  // namespace pvex::pve
