// Parser of GET /nodes/{node}/subscription.
#include "pve/subscription.hpp"

#include "pve/json.hpp"
#include "util/strings.hpp"

namespace pvex::pve {

Result<Subscription> parse_subscription(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/subscription";
  Result<json::Object> obj = json::data_object(body, k_what);
  if (!obj) return fail(obj.error());
  Result<std::string> status = json::req_string(*obj, "status");
  if (!status) return fail(status.error(), k_what);
  Subscription s;
  s.status = util::to_lower(*status);
  s.message = json::opt_string(*obj, "message");
  s.url = json::opt_string(*obj, "url");
  s.serverid = json::opt_string(*obj, "serverid");
  s.key = json::opt_string(*obj, "key");
  s.level = json::opt_string(*obj, "level");
  s.productname = json::opt_string(*obj, "productname");
  s.regdate = json::opt_string(*obj, "regdate");
  s.nextduedate = json::opt_string(*obj, "nextduedate");
  s.checktime_seconds = json::opt_int(*obj, "checktime");
  s.sockets = json::opt_int(*obj, "sockets");
  return s;
}

}  // namespace pvex::pve
