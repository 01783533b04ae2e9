// Parser of GET /nodes/{node}/netstat.
#include "pve/netstat.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<std::vector<NetstatEntry>> parse_netstat(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/netstat";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<NetstatEntry>(*arr, k_what, [](json::Object obj) -> Result<NetstatEntry> {
    Result<int64_t> vmid = json::req_int(obj, "vmid");
    if (!vmid) return fail(vmid.error());
    return NetstatEntry{*vmid, json::opt_string(obj, "dev").value_or(""), json::opt_uint(obj, "in"),
                        json::opt_uint(obj, "out")};
  });
}

}  // namespace pvex::pve
