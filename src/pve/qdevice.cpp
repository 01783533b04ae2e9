// Parser of GET /cluster/config/qdevice.
#include "pve/qdevice.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<QDevice> parse_qdevice(std::string_view body) {
  Result<json::Object> obj = json::data_object(body, "/cluster/config/qdevice");
  if (!obj) return fail(obj.error());
  return QDevice{json::opt_string(*obj, "Model"),       json::opt_string(*obj, "QNetd host"),
                 json::opt_string(*obj, "State"),       json::opt_string(*obj, "Algorithm"),
                 json::opt_string(*obj, "Tie-breaker"), json::opt_string(*obj, "Last poll call"),
                 json::opt_string(*obj, "Echo reply")};
}

}  // namespace pvex::pve
