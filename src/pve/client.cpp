// Client: libcurl transfers, auth, TLS pinning, retries, in-flight sharing and request stats.
#include "pve/client.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <simdjson.h>

#include "pve/gzip.hpp"
#include "pve/json.hpp"
#include "util/strings.hpp"

namespace pvex::pve {

using std::chrono::milliseconds;

const std::vector<double>& latency_buckets() {
  static const std::vector<double> k_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                0.5,   1,    2.5,   5,    10};
  return k_buckets;
}

std::string endpoint_template(std::string_view path) {
  path = path.substr(0, path.find('?'));
  std::vector<std::string_view> parts = util::split_any(path, "/");
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view seg = parts[i];
    std::string_view prev = i > 0 ? parts[i - 1] : std::string_view();
    std::string_view first = parts[0];
    std::string_view placeholder;
    if (prev == "nodes" && i == 1)
      placeholder = "{node}";
    else if ((prev == "qemu" || prev == "lxc") && first == "nodes")
      placeholder = "{vmid}";
    else if (prev == "storage" && first == "nodes")
      placeholder = "{storage}";
    else if (prev == "zfs" && first == "nodes")
      placeholder = "{name}";
    else if (prev == "replication" && first == "nodes")
      placeholder = "{id}";
    else if (prev == "tasks" && first == "nodes")
      placeholder = "{upid}";
    else if (prev == "snapshot")
      placeholder = "{snapname}";
    else if (prev == "pools" && i == 1)
      placeholder = "{poolid}";
    else if (prev == "resources" && i == 3 && parts[1] == "ha")
      placeholder = "{sid}";
    else if (prev == "groups" && i == 3 && parts[1] == "ha")
      placeholder = "{group}";
    else if (prev == "backup" && i == 2 && first == "cluster")
      placeholder = "{id}";
    else if (prev == "replication" && i == 2 && first == "cluster")
      placeholder = "{id}";
    else if (!seg.empty() &&
             std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; }))
      placeholder = "{id}";
    out += '/';
    out += placeholder.empty() ? seg : placeholder;
  }
  return out.empty() ? "/" : out;
}

namespace {

constexpr auto k_ticket_renew_after = std::chrono::minutes(90);
constexpr auto k_auth_failure_backoff = std::chrono::seconds(10);
constexpr int k_max_retries = 2;

std::once_flag g_curl_init;

std::string read_secret_file(const std::string& path, Result<void>& status) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    status = fail(ErrorKind::config, "cannot read secret file " + path);
    return {};
  }
  std::ostringstream s;
  s << in.rdbuf();
  return std::string(util::trim(s.str()));
}

/// Normalises a SHA-256 fingerprint ("AB:CD:..." or "abcd...") to 32 raw bytes.
std::optional<std::string> parse_fingerprint(std::string_view text) {
  std::string hex;
  for (char c : text)
    if (c != ':' && c != ' ') hex += c;
  if (hex.size() != 64) return std::nullopt;
  std::string raw;
  for (size_t i = 0; i < 64; i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    raw += static_cast<char>(hi * 16 + lo);
  }
  return raw;
}

int pin_index() {
  static const int k_index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return k_index;
}

/// OpenSSL verify callback for fingerprint pinning: the chain is not checked; the leaf
/// certificate's SHA-256 must equal the pin (how PVE pins its nodes' certificates).
int verify_pinned(int /*preverify_ok*/, X509_STORE_CTX* store) {
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  SSL* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (!cert || !ssl) return 0;
  const auto* pin =
      static_cast<const std::string*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), pin_index()));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!pin || !X509_digest(cert, EVP_sha256(), digest, &len)) return 0;
  if (len != pin->size() || std::memcmp(digest, pin->data(), len) != 0) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  X509_STORE_CTX_set_error(store, X509_V_OK);
  return 1;
}

CURLcode ssl_ctx_pin(CURL*, void* ssl_ctx, void* pin) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_ex_data(ctx, pin_index(), pin);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_pinned);
  return CURLE_OK;
}

/// One HTTP attempt's outcome.
struct Response {
  CURLcode curl = CURLE_OK;
  long status = 0;
  std::string body;
  std::string reason;            // status line text after the code
  std::string content_encoding;  // "gzip" when the body is still compressed
  size_t content_length = 0;     // of the body on the wire; 0 when unknown
  std::string curl_error;
  bool too_large = false;
  double seconds = 0;
  long new_connections = 0;
};

struct Transfer {
  Response* response;
  size_t limit;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  if (t->response->body.size() + bytes > t->limit) {
    t->response->too_large = true;
    return 0;  // aborts the transfer
  }
  // Grow geometrically and keep simdjson's padding free behind the data, so the finished body
  // becomes the shared Body without another copy.
  std::string& body = t->response->body;
  const size_t needed = body.size() + bytes + simdjson::SIMDJSON_PADDING;
  if (needed > body.capacity()) {
    const size_t announced = std::min(t->response->content_length, t->limit);
    body.reserve(std::max({needed, 2 * body.capacity(), announced + simdjson::SIMDJSON_PADDING}));
  }
  body.append(data, bytes);
  return bytes;
}

/// The value of header `name` (lower case) in `line`, or nullopt for another header.
std::optional<std::string_view> header_value(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return std::nullopt;
  for (size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return std::nullopt;
  return util::trim(line.substr(name.size() + 1));
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    // "HTTP/1.1 595 Connection timed out\r\n": keep the reason phrase. A new status line
    // (after a 100 Continue) starts a new set of headers.
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    r->reason = sp2 == std::string_view::npos ? "" : std::string(util::trim(line.substr(sp2 + 1)));
    r->content_encoding.clear();
    r->content_length = 0;
  } else if (std::optional<std::string_view> v = header_value(line, "content-encoding")) {
    r->content_encoding = util::to_lower(*v);
  } else if (std::optional<std::string_view> v = header_value(line, "content-length")) {
    r->content_length = static_cast<size_t>(util::parse_uint(*v).value_or(0));
  }
  return size * n;
}

/// Checks a gzip answer without decoding it (the session decodes it when it is used): sets
/// `too_large` when its trailer announces more than `limit` bytes; false for a body too short
/// to be gzip (`why` says so). An error answer (not 2xx) is decoded here, for its message.
bool check_gzip(Response& r, size_t limit, std::string& why) {
  std::optional<size_t> isize = gzip_content_size(r.body);
  if (!isize) {
    why = "truncated gzip body";
    return false;
  }
  if (*isize > limit) {
    r.too_large = true;
    return false;
  }
  if (r.status >= 200 && r.status < 300) return true;
  std::string out;
  if (!gunzip(r.body, out, why)) return false;
  r.body = std::move(out);
  r.content_encoding.clear();
  return true;
}

/// PVE's error text: the body's `message` (first line), else the status line's reason.
std::string error_text(const Response& r) {
  if (!r.body.empty() && r.body.size() < 64 * 1024) {
    Result<json::Object> root = json::parse_root(r.body, "error body");
    if (root) {
      if (std::optional<std::string> m = json::opt_string(*root, "message")) {
        std::string_view first = util::trim(std::string_view(*m).substr(0, m->find('\n')));
        if (!first.empty()) return std::string(first);
      }
    }
  }
  return r.reason;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

struct Client::Impl {
  // Configuration (immutable after create()).
  std::string base_url;
  std::string host_port;
  std::string user;  // user@realm
  std::string password;
  std::string token_header;  // "Authorization: PVEAPIToken=..." (never logged)
  std::string token_id;
  bool insecure = false;
  std::string ca_file;
  std::optional<std::string> pin;  // raw SHA-256
  size_t max_in_flight = 8;
  size_t max_response_bytes = 0;
  milliseconds connect_timeout{3000};

  // DNS and TLS-session caches shared by the pooled easy handles. Connections stay with their
  // handle (a shared connection cache would close all but CURLOPT_MAXCONNECTS of them).
  CURLSH* share = nullptr;
  std::mutex share_locks[CURL_LOCK_DATA_LAST];

  // Pool of idle easy handles and the in-flight bound.
  std::mutex pool_mutex;
  std::condition_variable pool_cv;
  std::vector<CurlPtr> idle;
  size_t in_flight = 0;

  // In-flight sharing: path -> the answer being fetched.
  struct Pending {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    std::optional<Result<Answer>> result;
  };
  std::mutex pending_mutex;
  std::map<std::string, std::shared_ptr<Pending>, std::less<>> pending;

  // Password auth state.
  std::mutex auth_mutex;   // guards the fields below
  std::mutex login_mutex;  // one login at a time
  std::string ticket;
  Clock::time_point ticket_time{};
  std::optional<Error> auth_failure;
  Clock::time_point auth_failure_until{};

  // Statistics.
  mutable std::mutex stats_mutex;
  std::map<std::pair<std::string, std::string>, uint64_t> request_counts;
  struct Hist {
    std::vector<uint64_t> counts = std::vector<uint64_t>(latency_buckets().size(), 0);
    double sum = 0;
    uint64_t count = 0;
  };
  std::map<std::string, Hist> latencies;
  uint64_t connections_opened = 0;

  ~Impl() {
    idle.clear();
    if (share) curl_share_cleanup(share);
  }

  static void lock_cb(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[data].lock();
  }
  static void unlock_cb(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[data].unlock();
  }

  bool uses_ticket() const { return token_header.empty(); }

  // ---- slots --------------------------------------------------------------------------
  std::optional<CurlPtr> acquire(Clock::time_point deadline) {
    std::unique_lock lock(pool_mutex);
    if (!pool_cv.wait_until(lock, deadline, [&] { return in_flight < max_in_flight; })) {
      return std::nullopt;
    }
    ++in_flight;
    if (!idle.empty()) {
      CurlPtr h = std::move(idle.back());
      idle.pop_back();
      return h;
    }
    lock.unlock();
    CurlPtr h(curl_easy_init());
    if (h && share) curl_easy_setopt(h.get(), CURLOPT_SHARE, share);
    return h;
  }

  void release(CurlPtr h) {
    std::lock_guard lock(pool_mutex);
    if (h) idle.push_back(std::move(h));
    --in_flight;
    pool_cv.notify_one();
  }

  // ---- one HTTP exchange ---------------------------------------------------------------
  Response perform(CURL* h, std::string_view path, const std::string* post_fields,
                   const std::string& auth_ticket, Clock::time_point deadline) {
    Response r;
    curl_easy_reset(h);
    if (share) curl_easy_setopt(h, CURLOPT_SHARE, share);
    std::string url = base_url + std::string(path);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    // Compressed answers are decoded here (gunzip), not by curl: see there.
    curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    auto remaining = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    long remaining_ms = std::max<long>(1, static_cast<long>(remaining.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, remaining_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     std::min<long>(remaining_ms, static_cast<long>(connect_timeout.count())));
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_response_bytes));
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    // TLS.
    if (pin) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_pin);
      curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, &*pin);
    } else if (insecure) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!ca_file.empty()) {
      curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
    }
    // Auth.
    std::unique_ptr<curl_slist, SlistDeleter> headers(
        curl_slist_append(nullptr, "Accept-Encoding: gzip"));
    if (headers && !token_header.empty()) {
      curl_slist* more = curl_slist_append(headers.get(), token_header.c_str());
      if (!more) headers.reset();
    }
    std::string cookie;
    if (!auth_ticket.empty()) {
      char* escaped =
          curl_easy_escape(h, auth_ticket.c_str(), static_cast<int>(auth_ticket.size()));
      cookie = std::string("PVEAuthCookie=") + (escaped ? escaped : "");
      curl_free(escaped);
      curl_easy_setopt(h, CURLOPT_COOKIE, cookie.c_str());
    }
    if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    if (post_fields) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_fields->c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_fields->size()));
    } else {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    Transfer transfer{&r, max_response_bytes};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);

    Clock::time_point start = Clock::now();
    r.curl = curl_easy_perform(h);
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r.new_connections);
    r.curl_error = errbuf[0] ? errbuf : curl_easy_strerror(r.curl);
    if (r.curl == CURLE_FILESIZE_EXCEEDED) r.too_large = true;
    if (r.curl == CURLE_OK && r.content_encoding == "gzip") {
      std::string why;
      if (!check_gzip(r, max_response_bytes, why) && !r.too_large) {
        r.curl = CURLE_BAD_CONTENT_ENCODING;
        r.curl_error = why;
      }
    } else if (r.curl == CURLE_OK && !r.content_encoding.empty() &&
               r.content_encoding != "identity") {
      r.curl = CURLE_BAD_CONTENT_ENCODING;
      r.curl_error = "unsupported Content-Encoding " + r.content_encoding;
    }
    // Curl's messages can quote the URL, never the cookie or headers: safe to keep.
    return r;
  }

  void record(std::string_view path, const Response& r) {
    std::string endpoint = endpoint_template(path);
    std::string code;
    if (r.curl == CURLE_OK || r.too_large)
      code = std::to_string(r.status);
    else if (r.curl == CURLE_OPERATION_TIMEDOUT)
      code = "timeout";
    else if (is_tls_error(r.curl))
      code = "tls";
    else
      code = "error";
    std::lock_guard lock(stats_mutex);
    connections_opened += static_cast<uint64_t>(std::max(0L, r.new_connections));
    ++request_counts[{endpoint, code}];
    Hist& hist = latencies[endpoint];
    for (size_t i = 0; i < latency_buckets().size(); ++i)
      if (r.seconds <= latency_buckets()[i]) ++hist.counts[i];
    hist.sum += r.seconds;
    ++hist.count;
  }

  static bool is_tls_error(CURLcode c) {
    return c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CONNECT_ERROR ||
           c == CURLE_SSL_CACERT_BADFILE || c == CURLE_SSL_CERTPROBLEM ||
           c == CURLE_SSL_PINNEDPUBKEYNOTMATCH || c == CURLE_SSL_INVALIDCERTSTATUS;
  }

  /// Turns a failed attempt into an error (nullopt for a 2xx answer).
  std::optional<Error> classify(std::string_view method, std::string_view path,
                                const Response& r) const {
    std::string prefix = fmt::format("{} {}", method, path);
    if (r.too_large) {
      return Error{ErrorKind::io,
                   fmt::format("{}: response too large (> {} bytes)", prefix, max_response_bytes)};
    }
    if (r.curl == CURLE_OPERATION_TIMEDOUT) {
      return Error{ErrorKind::timeout,
                   fmt::format("{}: timed out after {:.3f}s", prefix, r.seconds)};
    }
    if (is_tls_error(r.curl)) {
      std::string why = pin ? "the server certificate does not match the pinned `fingerprint`"
                            : "TLS certificate verification failed (" + r.curl_error + ")";
      return Error{ErrorKind::tls,
                   fmt::format("{}: {} for {}; set `ca_file` to the cluster CA "
                               "(/etc/pve/pve-root-ca.pem), pin the server certificate with "
                               "`fingerprint`, or set `insecure_skip_verify` (unsafe)",
                               prefix, why, host_port)};
    }
    if (r.curl != CURLE_OK) {
      return Error{ErrorKind::io, fmt::format("{}: {} ({})", prefix, r.curl_error, host_port)};
    }
    if (r.status >= 200 && r.status < 300) return std::nullopt;
    std::string text = error_text(r);
    std::string msg = text.empty() ? fmt::format("{}: HTTP {}", prefix, r.status)
                                   : fmt::format("{}: HTTP {}: {}", prefix, r.status, text);
    ErrorKind kind = ErrorKind::http;
    if (r.status == 401)
      kind = ErrorKind::auth;
    else if (r.status == 404 || r.status == 501)
      kind = ErrorKind::not_found;
    return Error{kind, std::move(msg)};
  }

  static bool retryable(const Response& r) {
    if (r.too_large) return false;
    switch (r.curl) {
      case CURLE_OK:
        return r.status >= 500 && r.status < 595;
      case CURLE_COULDNT_CONNECT:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
      case CURLE_COULDNT_RESOLVE_HOST:
        return true;
      default:
        return false;
    }
  }

  // ---- auth -------------------------------------------------------------------------------
  /// A valid ticket (logging in when there is none or it is old), or the auth error.
  Result<std::string> current_ticket(CURL* h, Clock::time_point deadline, bool force_renew,
                                     const std::string& rejected) {
    {
      std::lock_guard lock(auth_mutex);
      if (auth_failure && Clock::now() < auth_failure_until) return fail(*auth_failure);
      if (!force_renew && !ticket.empty() && Clock::now() - ticket_time < k_ticket_renew_after)
        return ticket;
      if (force_renew && !ticket.empty() && ticket != rejected) return ticket;  // renewed already
    }
    std::lock_guard login_lock(login_mutex);
    {
      std::lock_guard lock(auth_mutex);  // someone else may have logged in meanwhile
      if (auth_failure && Clock::now() < auth_failure_until) return fail(*auth_failure);
      if (!ticket.empty() && ticket != rejected &&
          Clock::now() - ticket_time < k_ticket_renew_after)
        return ticket;
    }
    return login(h, deadline);
  }

  Result<std::string> login(CURL* h, Clock::time_point deadline) {
    char* u = curl_easy_escape(h, user.c_str(), static_cast<int>(user.size()));
    char* p = curl_easy_escape(h, password.c_str(), static_cast<int>(password.size()));
    std::string form = std::string("username=") + (u ? u : "") + "&password=" + (p ? p : "");
    curl_free(u);
    curl_free(p);
    Response r = perform(h, "/access/ticket", &form, "", deadline);
    std::fill(form.begin(), form.end(), '\0');
    record("/access/ticket", r);
    std::optional<Error> err = classify("POST", "/access/ticket", r);
    if (err && err->kind == ErrorKind::auth) {
      Error e{ErrorKind::auth, fmt::format("authentication failed for user {} (POST "
                                           "/access/ticket: HTTP 401); not retried for {}s",
                                           user, k_auth_failure_backoff.count())};
      std::lock_guard lock(auth_mutex);
      ticket.clear();
      auth_failure = e;
      auth_failure_until = Clock::now() + k_auth_failure_backoff;
      return fail(e);
    }
    if (err) return fail(*err);
    Result<json::Object> data = json::data_object(r.body, "POST /access/ticket");
    if (!data) return fail(data.error());
    std::optional<std::string> t = json::opt_string(*data, "ticket");
    if (!t || t->empty()) {
      return fail(ErrorKind::auth,
                  fmt::format("POST /access/ticket: no ticket in the answer for user {} (second "
                              "factor required?)",
                              user));
    }
    std::lock_guard lock(auth_mutex);
    ticket = *t;
    ticket_time = Clock::now();
    auth_failure.reset();
    return ticket;
  }

  // ---- the GET with retries ----------------------------------------------------------------
  Result<Answer> fetch(std::string_view path, Clock::time_point deadline) {
    std::optional<CurlPtr> slot = acquire(deadline);
    if (!slot) {
      return fail(ErrorKind::timeout,
                  fmt::format("GET {}: deadline passed while waiting for a free connection", path));
    }
    CurlPtr handle = std::move(*slot);
    Result<Answer> result = fetch_with(handle.get(), path, deadline);
    release(std::move(handle));
    return result;
  }

  Result<Answer> fetch_with(CURL* h, std::string_view path, Clock::time_point deadline) {
    if (!h) return fail(ErrorKind::internal, "curl_easy_init failed");
    bool reauthenticated = false;
    std::string used_ticket;
    for (int attempt = 0;; ++attempt) {
      if (uses_ticket()) {
        Result<std::string> t = current_ticket(h, deadline, false, "");
        if (!t) return fail(t.error());
        used_ticket = *t;
      }
      Response r = perform(h, path, nullptr, used_ticket, deadline);
      record(path, r);
      std::optional<Error> err = classify("GET", path, r);
      if (!err) {
        if (r.content_encoding == "gzip") {
          // Kept for the whole scrape: no slack from the geometric growth of a chunked answer.
          if (r.body.capacity() > r.body.size() + r.body.size() / 4) r.body.shrink_to_fit();
          return Answer(std::make_shared<const std::string>(std::move(r.body)), Encoding::gzip);
        }
        if (r.body.capacity() < r.body.size() + simdjson::SIMDJSON_PADDING)
          r.body.reserve(r.body.size() + simdjson::SIMDJSON_PADDING);  // empty or tiny bodies
        return Answer(std::make_shared<const std::string>(std::move(r.body)));
      }
      if (err->kind == ErrorKind::auth && uses_ticket() && !reauthenticated) {
        // The ticket expired or the server restarted: log in once more and retry once.
        reauthenticated = true;
        Result<std::string> t = current_ticket(h, deadline, true, used_ticket);
        if (!t) return fail(t.error());
        --attempt;
        continue;
      }
      if (err->kind == ErrorKind::auth && !uses_ticket()) {
        err->message += fmt::format(" (API token {} rejected)", token_id);
      }
      if (attempt >= k_max_retries || !retryable(r)) return fail(*err);
      // Jittered exponential backoff: 50 ms, 100 ms (+-50 %), only if the deadline allows.
      double base_ms = 50.0 * (1 << attempt);
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      // Seeded on the first retry of a thread only: scrape threads are short-lived and most never
      // retry (std::random_device costs a system call).
      thread_local std::minstd_rand rng(std::random_device{}());
      auto backoff = milliseconds(static_cast<int64_t>(base_ms * jitter(rng)));
      if (Clock::now() + backoff + milliseconds(10) >= deadline) return fail(*err);
      std::this_thread::sleep_for(backoff);
    }
  }
};

Client::Client(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Client::~Client() = default;

Result<std::shared_ptr<Client>> Client::create(const config::ApiConfig& api) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (api.host.empty()) return fail(ErrorKind::config, "api.host is empty");
  auto impl = std::make_unique<Impl>();
  bool ipv6 = api.host.find(':') != std::string::npos && !api.host.starts_with('[');
  impl->host_port = fmt::format("{}{}{}:{}", ipv6 ? "[" : "", api.host, ipv6 ? "]" : "", api.port);
  impl->base_url = "https://" + impl->host_port + "/api2/json";
  Result<void> status;
  if (api.uses_token()) {
    std::string secret = api.token_secret;
    if (secret.empty() && !api.token_secret_file.empty())
      secret = read_secret_file(api.token_secret_file, status);
    if (!status) return fail(status.error());
    if (secret.empty()) {
      return fail(ErrorKind::config,
                  "api.token_id is set but no token_secret or token_secret_file");
    }
    impl->token_id = api.token_id;
    impl->token_header = "Authorization: PVEAPIToken=" + api.token_id + "=" + secret;
  } else {
    if (api.user.empty()) {
      return fail(ErrorKind::config, "set api.token_id + token_secret, or api.user + password");
    }
    impl->user = api.user;
    if (impl->user.find('@') == std::string::npos)
      impl->user += "@" + (api.realm.empty() ? std::string("pam") : api.realm);
    impl->password = api.password;
    if (impl->password.empty() && !api.password_file.empty())
      impl->password = read_secret_file(api.password_file, status);
    if (!status) return fail(status.error());
    if (impl->password.empty()) {
      return fail(ErrorKind::config,
                  "api.user " + impl->user + " is set but no password or password_file");
    }
  }
  impl->insecure = api.insecure_skip_verify;
  impl->ca_file = api.ca_file;
  if (!api.fingerprint.empty()) {
    impl->pin = parse_fingerprint(api.fingerprint);
    if (!impl->pin) {
      return fail(ErrorKind::config,
                  "api.fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed)");
    }
  }
  impl->max_in_flight = std::max<size_t>(1, api.max_in_flight);
  impl->max_response_bytes = api.max_response_bytes;
  impl->connect_timeout = api.connect_timeout;
  impl->share = curl_share_init();
  if (impl->share) {
    curl_share_setopt(impl->share, CURLSHOPT_LOCKFUNC, Impl::lock_cb);
    curl_share_setopt(impl->share, CURLSHOPT_UNLOCKFUNC, Impl::unlock_cb);
    curl_share_setopt(impl->share, CURLSHOPT_USERDATA, impl.get());
    curl_share_setopt(impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  return std::shared_ptr<Client>(new Client(std::move(impl)));
}

Result<Body> Client::get(std::string_view path, Clock::time_point deadline) {
  Result<Answer> answer = get_answer(path, deadline);
  if (!answer) return fail(answer.error());
  Result<Body> body = decode(*answer, path);
  if (!body) return fail(body.error().kind, body.error().message + " (" + m_impl->host_port + ")");
  return body;
}

Result<Answer> Client::get_answer(std::string_view path, Clock::time_point deadline) {
  Impl& impl = *m_impl;
  if (Clock::now() >= deadline) {
    return fail(ErrorKind::timeout, fmt::format("GET {}: deadline exceeded", path));
  }
  std::shared_ptr<Impl::Pending> pending;
  bool owner = false;
  {
    std::lock_guard lock(impl.pending_mutex);
    auto it = impl.pending.find(path);
    if (it == impl.pending.end()) {
      pending = std::make_shared<Impl::Pending>();
      impl.pending.emplace(std::string(path), pending);
      owner = true;
    } else {
      pending = it->second;
    }
  }
  if (!owner) {
    std::unique_lock lock(pending->mutex);
    if (!pending->cv.wait_until(lock, deadline, [&] { return pending->done; })) {
      return fail(ErrorKind::timeout,
                  fmt::format("GET {}: deadline passed while waiting for a shared request", path));
    }
    return *pending->result;
  }
  Result<Answer> result = impl.fetch(path, deadline);
  {
    std::lock_guard lock(impl.pending_mutex);
    impl.pending.erase(impl.pending.find(path));
  }
  {
    std::lock_guard lock(pending->mutex);
    pending->result = result;
    pending->done = true;
  }
  pending->cv.notify_all();
  return result;
}

FetchFn Client::fetcher() {
  std::shared_ptr<Client> self = shared_from_this();
  return [self](std::string_view path, Clock::time_point deadline) {
    return self->get_answer(path, deadline);
  };
}

ClientStats Client::stats() const {
  ClientStats out;
  std::lock_guard lock(m_impl->stats_mutex);
  for (const auto& [key, count] : m_impl->request_counts)
    out.requests.push_back(ClientStats::Requests{key.first, key.second, count});
  for (const auto& [endpoint, hist] : m_impl->latencies)
    out.latencies.push_back(ClientStats::Latency{endpoint, hist.counts, hist.sum, hist.count});
  out.connections_opened = m_impl->connections_opened;
  return out;
}

const std::string& Client::base_url() const {
  return m_impl->base_url;
}

}  // namespace pvex::pve
