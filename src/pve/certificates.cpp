// Parser of GET /nodes/{node}/certificates/info.
#include "pve/certificates.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<std::vector<Certificate>> parse_certificates(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/certificates/info";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<Certificate>(*arr, k_what, [](json::Object obj) -> Result<Certificate> {
    Result<std::string> filename = json::req_string(obj, "filename");
    if (!filename) return fail(filename.error());
    Certificate c;
    c.filename = std::move(*filename);
    c.fingerprint = json::opt_string(obj, "fingerprint");
    c.subject = json::opt_string(obj, "subject");
    c.issuer = json::opt_string(obj, "issuer");
    c.not_before_seconds = json::opt_int(obj, "notbefore");
    c.not_after_seconds = json::opt_int(obj, "notafter");
    if (std::optional<json::Array> san = json::opt_array(obj, "san")) {
      for (json::Element e : *san) {
        if (std::optional<std::string> s = json::to_string(e)) c.san.push_back(std::move(*s));
      }
    }
    c.public_key_type = json::opt_string(obj, "public-key-type");
    c.public_key_bits = json::opt_int(obj, "public-key-bits");
    return c;
  });
}

}  // namespace pvex::pve
