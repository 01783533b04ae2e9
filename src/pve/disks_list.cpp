// Parser of GET /nodes/{node}/disks/list.
#include "pve/disks_list.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<std::vector<Disk>> parse_disks_list(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/disks/list";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<Disk>(*arr, k_what, [](json::Object obj) -> Result<Disk> {
    Result<std::string> devpath = json::req_string(obj, "devpath");
    if (!devpath) return fail(devpath.error());
    Disk d;
    d.devpath = std::move(*devpath);
    d.size_bytes = json::opt_uint(obj, "size");
    d.type = json::opt_string(obj, "type");
    d.model = json::opt_string(obj, "model");
    d.vendor = json::opt_string(obj, "vendor");
    d.serial = json::opt_string(obj, "serial");
    d.wwn = json::opt_string(obj, "wwn");
    d.health = json::opt_string(obj, "health");
    d.wearout_percent = json::opt_int(obj, "wearout");
    d.rpm = json::opt_int(obj, "rpm");
    d.gpt = json::opt_bool(obj, "gpt");
    d.mounted = json::opt_bool(obj, "mounted").value_or(false);
    d.used = json::opt_string(obj, "used");
    d.osdid = json::opt_int(obj, "osdid");
    d.by_id_link = json::opt_string(obj, "by_id_link");
    d.parent = json::opt_string(obj, "parent");
    return d;
  });
}

}  // namespace pvex::pve
