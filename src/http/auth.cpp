// Authorizer: basic auth with bcrypt (libcrypt), TLS material (OpenSSL), reload on file change.
#include "http/auth.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <crypt.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "util/strings.hpp"

namespace pvex::http {
namespace {

constexpr size_t k_cache_limit = 1024;  // verified credentials kept; cleared when full

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct ChainFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};
struct NamesFree {
  void operator()(STACK_OF(X509_NAME) * p) const { sk_X509_NAME_pop_free(p, X509_NAME_free); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};

// Certificates, key and client-CA policy, loaded and checked; applied to each handshake.
struct TlsMaterial {
  std::unique_ptr<X509, X509Free> cert;
  std::unique_ptr<STACK_OF(X509), ChainFree> chain;  // intermediates after the leaf
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
  std::unique_ptr<X509_STORE, StoreFree> client_ca;  // null without client_ca_file
  std::unique_ptr<STACK_OF(X509_NAME), NamesFree> client_ca_names;
  int verify_mode = SSL_VERIFY_NONE;
  bool verify_chain = false;  // false: ask for a certificate but accept any
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  bool prefer_server_ciphers = true;
};

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  std::array<char, 256> buf{};
  ERR_error_string_n(code, buf.data(), buf.size());
  return buf.data();
}

int to_openssl(config::TlsVersion v) {
  switch (v) {
    case config::TlsVersion::tls10:
      return TLS1_VERSION;
    case config::TlsVersion::tls11:
      return TLS1_1_VERSION;
    case config::TlsVersion::tls12:
      return TLS1_2_VERSION;
    case config::TlsVersion::tls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

Result<std::shared_ptr<TlsMaterial>> load_tls(const config::TlsServerConfig& cfg) {
  auto tls = std::make_shared<TlsMaterial>();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(cfg.cert_file.c_str(), "r"));
  if (!bio)
    return fail(ErrorKind::tls,
                fmt::format("tls_server_config.cert_file '{}': cannot open", cfg.cert_file));
  tls->cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!tls->cert)
    return fail(ErrorKind::tls,
                fmt::format("tls_server_config.cert_file '{}': no PEM certificate", cfg.cert_file));
  tls->chain.reset(sk_X509_new_null());
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    sk_X509_push(tls->chain.get(), extra);
  ERR_clear_error();  // the loop ends on "no start line"

  bio.reset(BIO_new_file(cfg.key_file.c_str(), "r"));
  if (!bio)
    return fail(ErrorKind::tls,
                fmt::format("tls_server_config.key_file '{}': cannot open", cfg.key_file));
  tls->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!tls->key)
    return fail(ErrorKind::tls, fmt::format("tls_server_config.key_file '{}': no PEM private key "
                                            "(encrypted keys are not supported)",
                                            cfg.key_file));
  if (X509_check_private_key(tls->cert.get(), tls->key.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::tls, "tls_server_config: key_file does not match cert_file");
  }

  if (!cfg.client_ca_file.empty()) {
    tls->client_ca.reset(X509_STORE_new());
    if (!tls->client_ca ||
        X509_STORE_load_file(tls->client_ca.get(), cfg.client_ca_file.c_str()) != 1)
      return fail(ErrorKind::tls, fmt::format("tls_server_config.client_ca_file '{}': {}",
                                              cfg.client_ca_file, openssl_error()));
    tls->client_ca_names.reset(SSL_load_client_CA_file(cfg.client_ca_file.c_str()));
    ERR_clear_error();
  }

  switch (cfg.client_auth) {
    case config::ClientAuth::no_client_cert:
      tls->verify_mode = SSL_VERIFY_NONE;
      break;
    case config::ClientAuth::request_client_cert:
      tls->verify_mode = SSL_VERIFY_PEER;
      break;
    case config::ClientAuth::require_any_client_cert:
      tls->verify_mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      break;
    case config::ClientAuth::verify_client_cert_if_given:
      tls->verify_mode = SSL_VERIFY_PEER;
      tls->verify_chain = true;
      break;
    case config::ClientAuth::require_and_verify_client_cert:
      tls->verify_mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      tls->verify_chain = true;
      break;
  }
  tls->min_version = to_openssl(cfg.min_version);
  tls->max_version = to_openssl(cfg.max_version);
  tls->prefer_server_ciphers = cfg.prefer_server_cipher_suites;
  return tls;
}

// For RequestClientCert / RequireAnyClientCert: a certificate is asked for, never judged.
int accept_any_certificate(int, X509_STORE_CTX*) {
  return 1;
}

// SHA-256 over the length-prefixed parts, so no two different triples share an input.
std::string credentials_digest(std::string_view user, std::string_view password,
                               std::string_view hash) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return {};
  for (std::string_view part : {user, password, hash}) {
    uint64_t size = part.size();
    if (EVP_DigestUpdate(ctx.get(), &size, sizeof size) != 1 ||
        EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1)
      return {};  // no cache entry: the caller just pays bcrypt
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md.data(), &len) != 1) return {};
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

// bcrypt via libcrypt, then a constant-time comparison of the whole result with the hash.
bool bcrypt_matches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] == '*') return false;
  size_t n = std::strlen(out);
  bool same = n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return same;
}

// A hash no password matches, of the same cost as the real ones: an unknown user costs what a
// known one does. The salt is fresh; the hash part is all dots, which bcrypt never produces.
std::string make_dummy_hash(const std::vector<config::BasicAuthUser>& users) {
  unsigned long cost = 10;
  if (!users.empty()) {
    std::optional<uint64_t> c =
        util::parse_uint(std::string_view(users.front().bcrypt_hash).substr(4, 2));
    if (c) cost = *c;
  }
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
  if (crypt_gensalt_rn("$2b$", cost, nullptr, 0, salt.data(), salt.size()) == nullptr)
    return "$2b$10$abcdefghijklmnopqrstuu" + std::string(31, '.');
  return std::string(salt.data()) + std::string(31, '.');
}

int decode_base64_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> decode_base64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    std::array<int, 4> v{};
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = in[i + j];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[j] = decode_base64_char(c);
      if (v[j] < 0) return std::nullopt;
    }
    uint32_t triple =
        (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(static_cast<char>((triple >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((triple >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(triple & 0xff));
  }
  return out;
}

}  // namespace

struct Authorizer::State {
  std::shared_ptr<const config::WebConfigFile> file;
  std::shared_ptr<const TlsMaterial> tls;  // null without TLS
  std::string dummy_hash;
};

std::optional<std::pair<std::string, std::string>> parse_basic_credentials(
    std::string_view header) {
  header = util::trim(header);
  size_t space = header.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  if (util::to_lower(header.substr(0, space)) != "basic") return std::nullopt;
  std::optional<std::string> decoded = decode_base64(util::trim(header.substr(space + 1)));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

Authorizer::Authorizer(std::string path) : m_path(std::move(path)) {}

Authorizer::~Authorizer() = default;

Result<std::shared_ptr<Authorizer>> Authorizer::create(std::string path) {
  std::shared_ptr<Authorizer> self(new Authorizer(std::move(path)));
  Result<std::shared_ptr<const State>> state = self->load();
  if (!state) return fail(state.error());
  self->m_tls_enabled = (*state)->tls != nullptr;
  self->m_stamps = stamps_of((*state)->file.get(), self->m_path);
  self->m_state = std::move(*state);
  self->m_generation = 1;
  return self;
}

Result<std::shared_ptr<const Authorizer::State>> Authorizer::load() const {
  Result<config::WebConfigFile> file = config::load_web_config(m_path);
  if (!file) return fail(file.error());
  auto state = std::make_shared<State>();
  if (file->tls_enabled) {
    Result<std::shared_ptr<TlsMaterial>> tls = load_tls(file->tls);
    if (!tls) return fail(tls.error(), fmt::format("web config '{}'", m_path));
    state->tls = std::move(*tls);
  }
  state->dummy_hash = make_dummy_hash(file->users);
  state->file = std::make_shared<const config::WebConfigFile>(std::move(*file));
  return std::shared_ptr<const State>(std::move(state));
}

std::vector<Authorizer::Stamp> Authorizer::stamps_of(const config::WebConfigFile* file,
                                                     const std::string& path) {
  std::vector<std::string> paths{path};
  if (file != nullptr && file->tls_enabled) {
    paths.push_back(file->tls.cert_file);
    paths.push_back(file->tls.key_file);
    if (!file->tls.client_ca_file.empty()) paths.push_back(file->tls.client_ca_file);
  }
  std::vector<Stamp> stamps;
  for (std::string& p : paths) {
    Stamp s;
    s.path = std::move(p);
    struct stat st {};
    if (::stat(s.path.c_str(), &st) == 0) {
      s.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      s.size = st.st_size;
      s.inode = st.st_ino;
    }
    stamps.push_back(std::move(s));
  }
  return stamps;
}

std::shared_ptr<const Authorizer::State> Authorizer::refresh() {
  std::lock_guard<std::mutex> lock(m_state_mutex);
  // Stamp the files the current state came from; a change in any of them means reload. The
  // stat calls are cheap next to a TLS handshake or a scrape.
  std::vector<Stamp> now = stamps_of(m_state->file.get(), m_path);
  if (now == m_stamps) return m_state;
  if (now == m_failed_stamps) return m_state;  // already tried this version and warned

  Result<std::shared_ptr<const State>> next = load();
  if (next && ((*next)->tls != nullptr) != m_tls_enabled)
    next = fail(ErrorKind::config, fmt::format("web config '{}': turning TLS {} needs a restart",
                                               m_path, m_tls_enabled ? "off" : "on"));
  if (!next) {
    spdlog::warn("web config reload failed, keeping the previous one: {}", next.error().message);
    m_failed_stamps = std::move(now);
    return m_state;
  }
  // Stamp again from the new file: it may name other certificate files.
  m_stamps = stamps_of((*next)->file.get(), m_path);
  m_failed_stamps.clear();
  m_state = std::move(*next);
  ++m_generation;
  {
    std::lock_guard<std::mutex> cache_lock(m_cache_mutex);
    m_verified.clear();
  }
  spdlog::info("web config reloaded: path={} users={} tls={}", m_path, m_state->file->users.size(),
               m_state->tls != nullptr);
  return m_state;
}

std::shared_ptr<const config::WebConfigFile> Authorizer::current() {
  return refresh()->file;
}

uint64_t Authorizer::generation() {
  refresh();
  std::lock_guard<std::mutex> lock(m_state_mutex);
  return m_generation;
}

bool Authorizer::cache_contains(const std::string& key) {
  std::lock_guard<std::mutex> lock(m_cache_mutex);
  return m_verified.count(key) != 0;
}

void Authorizer::cache_insert(std::string key) {
  std::lock_guard<std::mutex> lock(m_cache_mutex);
  if (m_verified.size() >= k_cache_limit) m_verified.clear();
  m_verified.insert(std::move(key));
}

AuthResult Authorizer::check(std::string_view authorization_header) {
  std::shared_ptr<const State> state = refresh();
  const std::vector<config::BasicAuthUser>& users = state->file->users;
  if (users.empty()) return AuthResult::ok;
  if (util::trim(authorization_header).empty()) return AuthResult::missing;
  std::optional<std::pair<std::string, std::string>> creds =
      parse_basic_credentials(authorization_header);
  if (!creds) return AuthResult::denied;
  const auto& [user, password] = *creds;

  auto it = std::find_if(users.begin(), users.end(),
                         [&](const config::BasicAuthUser& u) { return u.name == user; });
  const std::string& hash = it != users.end() ? it->bcrypt_hash : state->dummy_hash;
  std::string key = credentials_digest(user, password, hash);
  if (it != users.end() && !key.empty() && cache_contains(key)) return AuthResult::ok;
  bool matches = bcrypt_matches(password, hash);
  // crypt(3) stops at a NUL byte: "secret\0anything" must not pass for "secret".
  if (!matches || it == users.end() || password.find('\0') != std::string::npos)
    return AuthResult::denied;
  if (!key.empty()) cache_insert(std::move(key));
  return AuthResult::ok;
}

namespace {

// Applies the current TLS material to one connection at the start of its handshake, before
// version negotiation and certificate choice.
bool apply_tls(SSL* ssl, const TlsMaterial& tls) {
  bool ok = SSL_set_min_proto_version(ssl, tls.min_version) == 1 &&
            SSL_set_max_proto_version(ssl, tls.max_version) == 1 &&
            SSL_use_certificate(ssl, tls.cert.get()) == 1 &&
            SSL_use_PrivateKey(ssl, tls.key.get()) == 1 &&
            SSL_set1_chain(ssl, tls.chain.get()) == 1;
  if (ok && tls.client_ca) ok = SSL_set1_verify_cert_store(ssl, tls.client_ca.get()) == 1;
  if (ok && tls.client_ca_names) {
    STACK_OF(X509_NAME)* names = SSL_dup_CA_list(tls.client_ca_names.get());
    if (names != nullptr) SSL_set_client_CA_list(ssl, names);
  }
  if (!ok) {
    ERR_clear_error();
    return false;
  }
  SSL_set_verify(ssl, tls.verify_mode, tls.verify_chain ? nullptr : accept_any_certificate);
  if (tls.prefer_server_ciphers)
    SSL_set_options(ssl, SSL_OP_CIPHER_SERVER_PREFERENCE);
  else
    SSL_clear_options(ssl, SSL_OP_CIPHER_SERVER_PREFERENCE);
  return true;
}

}  // namespace

int Authorizer::client_hello_callback(ssl_st* ssl, int* alert, void* arg) {
  std::shared_ptr<const State> state = static_cast<Authorizer*>(arg)->refresh();
  if (!state->tls || !apply_tls(ssl, *state->tls)) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

Result<Security> make_security(const config::WebConfig& web) {
  Security security;
  security.health_without_auth = web.health_without_auth;
  if (web.config_file.empty()) return security;
  Result<std::shared_ptr<Authorizer>> created = Authorizer::create(web.config_file);
  if (!created) return fail(created.error());
  std::shared_ptr<Authorizer> auth = std::move(*created);
  std::shared_ptr<const config::WebConfigFile> file = auth->current();
  if (auth->tls_enabled()) {
    security.cert_file = file->tls.cert_file;
    security.key_file = file->tls.key_file;
    security.setup_tls = [auth](void* ctx) {
      return ctx != nullptr && auth->setup_ssl_ctx(*static_cast<SSL_CTX*>(ctx));
    };
  }
  // Always installed, even without users now: a later edit may add some.
  security.authorize = [auth](const std::string& header) { return auth->check(header); };
  security.headers = file->headers;
  return security;
}

bool Authorizer::setup_ssl_ctx(SSL_CTX& ctx) {
  if (!m_tls_enabled) return false;
  // No session resumption: a resumed session would skip the client-certificate check of a
  // policy that may have changed since, and tickets would need key rotation of their own.
  SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  static constexpr unsigned char k_sid_ctx[] = "pve-exporter";
  SSL_CTX_set_session_id_context(&ctx, k_sid_ctx, sizeof(k_sid_ctx) - 1);
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_client_hello_cb(&ctx, client_hello_callback, this);
  return true;
}

}  // namespace pvex::http
