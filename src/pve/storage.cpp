// Parser of GET /nodes/{node}/storage.
#include "pve/storage.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<std::vector<StorageStatus>> parse_node_storage(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/storage";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<StorageStatus>(
      *arr, k_what, [](json::Object obj) -> Result<StorageStatus> {
        Result<std::string> storage = json::req_string(obj, "storage");
        if (!storage) return fail(storage.error());
        StorageStatus s;
        s.storage = std::move(*storage);
        s.type = json::opt_string(obj, "type").value_or("");
        s.content = json::opt_string(obj, "content").value_or("");
        s.shared = json::opt_bool(obj, "shared").value_or(false);
        s.enabled = json::opt_bool(obj, "enabled").value_or(false);
        s.active = json::opt_bool(obj, "active").value_or(false);
        s.total_bytes = json::opt_uint(obj, "total");
        s.used_bytes = json::opt_uint(obj, "used");
        s.avail_bytes = json::opt_uint(obj, "avail");
        s.used_ratio = json::opt_double(obj, "used_fraction");
        return s;
      });
}

}  // namespace pvex::pve
