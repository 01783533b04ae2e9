// Authorizer: the --web.config.file at run time; basic auth checks, TLS material, live reload.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/web_config.hpp"
#include "http/server.hpp"
#include "util/result.hpp"

// OpenSSL's types, without pulling in its headers.
struct ssl_st;
struct ssl_ctx_st;
using SSL_CTX = ssl_ctx_st;

namespace pvex::http {

// AuthResult (server.hpp): ok = no users configured, or the credentials verified; missing =
// users configured but no Authorization header; denied = wrong user or password, or a
// malformed header. The server answers 401 to both of the last two.

/// Serves one web config file for the life of the server. Thread-safe. Before each use it
/// checks (stat) whether the file, or a certificate, key or client CA file it names, changed;
/// if so it re-reads them, so users and certificates rotate without a restart. A reload that
/// fails keeps the last good configuration and logs one warning per failed version; turning
/// TLS on or off needs a restart (such a reload is refused the same way).
class Authorizer {
 public:
  /// Loads `path`; a missing, unreadable or malformed file (or TLS files that do not load, or a
  /// key that does not match its certificate) is an error: the exporter must not start.
  static Result<std::shared_ptr<Authorizer>> create(std::string path);

  ~Authorizer();
  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  /// Checks the value of an Authorization header ("" when absent) against the users of the
  /// current file: bcrypt via libcrypt, constant-time comparison of the result. An unknown user
  /// costs one bcrypt too, so timing does not reveal which users exist. Successful checks are
  /// cached in memory (keyed by a SHA-256 of user, password and hash) so a scrape does not pay
  /// bcrypt's cost every time; the cache is dropped on reload.
  AuthResult check(std::string_view authorization_header);

  /// The current configuration (after a reload check); never null.
  std::shared_ptr<const config::WebConfigFile> current();

  /// Whether the server must serve HTTPS; fixed at creation.
  bool tls_enabled() const { return m_tls_enabled; }

  /// For httplib::SSLServer's constructor callback: prepares `ctx` so that every handshake
  /// uses the current certificate, key, client-CA policy and protocol versions (read at the
  /// start of the handshake, so a rotated certificate is served at the next connection).
  /// Returns false only if `ctx` cannot be set up. The Authorizer must outlive the server.
  bool setup_ssl_ctx(SSL_CTX& ctx);

  /// The file this Authorizer watches.
  const std::string& path() const { return m_path; }

  /// How many times the file was (re)loaded successfully, the first load included.
  uint64_t generation();

  struct State;  // parsed file + loaded TLS material (defined in auth.cpp)

 private:
  struct Stamp {
    std::string path;
    int64_t mtime_ns = 0;
    int64_t size = -1;
    uint64_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };

  explicit Authorizer(std::string path);
  std::shared_ptr<const State> refresh();
  Result<std::shared_ptr<const State>> load() const;
  static int client_hello_callback(ssl_st* ssl, int* alert, void* arg);
  static std::vector<Stamp> stamps_of(const config::WebConfigFile* file, const std::string& path);
  bool cache_contains(const std::string& key);
  void cache_insert(std::string key);

  std::string m_path;
  bool m_tls_enabled = false;

  std::mutex m_state_mutex;  // guards m_state, m_stamps, m_failed_stamps, m_generation
  std::shared_ptr<const State> m_state;
  std::vector<Stamp> m_stamps;         // of the files behind m_state
  std::vector<Stamp> m_failed_stamps;  // of the last failed reload: warn once per version
  uint64_t m_generation = 0;

  std::mutex m_cache_mutex;
  std::unordered_set<std::string> m_verified;  // SHA-256 digests of verified credentials
};

/// The server's Security for `web` (see server.hpp): open plain HTTP when web.config_file is
/// empty; otherwise an Authorizer over that file behind authorize and setup_tls (so users and
/// certificates rotate without a restart), the file's certificate and key for the listener,
/// its response headers, and web.health_without_auth. A file that does not load is an error:
/// the exporter must not start.
Result<Security> make_security(const config::WebConfig& web);

/// Decodes the credentials of a "Basic <base64(user:password)>" header value; nullopt when the
/// scheme is not Basic or the encoding is malformed. Exposed for tests.
std::optional<std::pair<std::string, std::string>> parse_basic_credentials(std::string_view header);

}  // namespace pvex::http
