// Model and parser of GET /nodes/{node}/certificates/info: the TLS certificates a node serves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

struct Certificate {
  std::string filename;                    // pve-root-ca.pem, pve-ssl.pem, pveproxy-ssl.pem
  std::optional<std::string> fingerprint;  // SHA-256, AB:CD:...
  std::optional<std::string> subject, issuer;
  std::optional<int64_t> not_before_seconds, not_after_seconds;
  std::vector<std::string> san;
  std::optional<std::string> public_key_type;
  std::optional<int64_t> public_key_bits;

  bool operator==(const Certificate&) const = default;
};

/// Parses GET /nodes/{node}/certificates/info (the PEM text is not kept). An entry without
/// `filename` -> ErrorKind::parse.
Result<std::vector<Certificate>> parse_certificates(std::string_view json);

}  // namespace pvex::pve
