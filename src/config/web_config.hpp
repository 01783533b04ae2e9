// The --web.config.file format (exporter-toolkit compatible): TLS, basic auth users, headers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace pvex::config {

/// How the server asks for and checks client certificates (exporter-toolkit / Go names).
enum class ClientAuth {
  no_client_cert,                  // NoClientCert: never ask
  request_client_cert,             // RequestClientCert: ask, accept anything or nothing
  require_any_client_cert,         // RequireAnyClientCert: a certificate must come, not verified
  verify_client_cert_if_given,     // VerifyClientCertIfGiven: verify when one comes
  require_and_verify_client_cert,  // RequireAndVerifyClientCert: must come and verify
};

enum class TlsVersion { tls10, tls11, tls12, tls13 };

struct TlsServerConfig {
  // Paths are absolute after parsing: relative ones are resolved against the web config's folder.
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty: no client CA
  ClientAuth client_auth = ClientAuth::no_client_cert;
  TlsVersion min_version = TlsVersion::tls12;
  TlsVersion max_version = TlsVersion::tls13;
  bool prefer_server_cipher_suites = true;

  bool operator==(const TlsServerConfig&) const = default;
};

struct BasicAuthUser {
  std::string name;
  std::string bcrypt_hash;  // $2a$, $2b$ or $2y$, 60 characters

  bool operator==(const BasicAuthUser&) const = default;
};

/// One parsed web config file. An empty file is valid and means: plain HTTP, no auth.
struct WebConfigFile {
  bool tls_enabled = false;  // true when tls_server_config has a cert_file
  TlsServerConfig tls;
  std::vector<BasicAuthUser> users;                          // sorted by name
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response

  bool requires_auth() const { return !users.empty(); }
  bool operator==(const WebConfigFile&) const = default;
};

/// Parses the YAML text of a web config. `base_dir` resolves relative file paths. Unknown keys,
/// wrong types and bad values are `ErrorKind::config` errors naming the key (and the line);
/// every problem found is reported, one per line of the message. Files are not opened here.
Result<WebConfigFile> parse_web_config(std::string_view yaml, std::string_view base_dir);

/// Reads and parses the file at `path` (`ErrorKind::io` when unreadable). Checks that the TLS
/// files it names exist and are readable, so a typo fails at start instead of at the first
/// handshake.
Result<WebConfigFile> load_web_config(const std::string& path);

std::string_view to_string(ClientAuth value);
std::string_view to_string(TlsVersion value);

}  // namespace pvex::config
