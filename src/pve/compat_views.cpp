// Parsers of the guest config's `onboot` and of the first /cluster/status entry's name.
#include "pve/compat_views.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<GuestConfig> parse_guest_config(std::string_view body) {
  Result<json::Object> obj = json::data_object(body, "/nodes/{node}/{type}/{vmid}/config");
  if (!obj) return fail(obj.error());
  GuestConfig c;
  c.onboot = json::opt_int(*obj, "onboot");
  return c;
}

Result<std::string> parse_first_status_name(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/status";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  for (json::Element e : *arr) {
    Result<json::Object> obj = json::as_object(e, "/cluster/status[0]");
    if (!obj) return fail(obj.error());
    Result<std::string> name = json::req_string(*obj, "name");
    if (!name) return fail(name.error(), "/cluster/status[0]");
    return *name;
  }
  return fail(ErrorKind::parse, "/cluster/status: empty list");
}

}  // namespace pvex::pve
