// Parser of GET /version.
#include "pve/version.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<Version> parse_version(std::string_view body) {
  Result<json::Object> obj = json::data_object(body, "/version");
  if (!obj) return fail(obj.error());
  Result<std::string> version = json::req_string(*obj, "version");
  if (!version) return fail(version.error(), "/version");
  Version v;
  v.version = std::move(*version);
  v.release = json::opt_string(*obj, "release").value_or("");
  if (v.release.empty()) {
    size_t first = v.version.find('.');
    size_t second = first == std::string::npos ? first : v.version.find('.', first + 1);
    v.release = v.version.substr(0, second);
  }
  v.repoid = json::opt_string(*obj, "repoid").value_or("");
  v.console = json::opt_string(*obj, "console");
  return v;
}

}  // namespace pvex::pve
