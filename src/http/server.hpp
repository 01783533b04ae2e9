// The HTTP server: listens on every configured address, routes /, the telemetry path, /pve and
// the health endpoints to handlers, compresses, limits requests, and shuts down gracefully.
// Knows nothing about metrics; httplib types stay inside server.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace pvex::http {

/// What a handler sees of a request.
struct Request {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;  // query parameters
  std::string accept;                              // Accept header
  std::optional<double> scrape_timeout_seconds;    // X-Prometheus-Scrape-Timeout-Seconds
  std::string remote_addr;

  /// The first value of query parameter `name`, if given.
  std::optional<std::string> param(const std::string& name) const;
};

/// A body produced piece by piece: each call appends the next piece to `out` and returns false
/// after the last one. The server sends pieces as they come (chunked transfer encoding) and
/// gzips them on the fly, so a big body never exists whole, plain or compressed.
using BodyStream = std::function<bool(std::string& out)>;

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  BodyStream stream;  // when set, the body (`body` is ignored)
};

using Handler = std::function<Response(const Request&)>;

/// Authorization decision for one request (basic auth from the web config).
enum class AuthResult { ok, missing, denied };

struct Routes {
  Handler landing;              // GET /
  Handler metrics;              // GET <telemetry path>
  Handler pve;                  // GET /pve (multi-target); may be empty
  std::function<bool()> ready;  // /-/ready answers 200 while this says true
};

/// TLS and authentication for the endpoints (from --web.config.file); empty = plain HTTP, open.
struct Security {
  std::string cert_file;
  std::string key_file;
  /// Optional: configures the server's SSL_CTX (client CA, versions); `ctx` is an SSL_CTX*.
  std::function<bool(void* ctx)> setup_tls;
  /// Optional: decides on the Authorization header of each request.
  std::function<AuthResult(const std::string& authorization)> authorize;
  bool health_without_auth = false;
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response
};

class Server {
 public:
  /// Binds every listen address (":9221" = all interfaces, IPv6 and IPv4) and starts serving.
  /// Fails with a clear message (e.g. "cannot listen on :9221: address already in use").
  static Result<std::unique_ptr<Server>> start(const config::WebConfig& web, Routes routes,
                                               Security security = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The bound ports, one per listen address, in configuration order (useful with port 0).
  std::vector<int> ports() const;

  /// Stops accepting, lets in-flight requests finish for up to `grace`; true if all finished.
  bool stop(std::chrono::milliseconds grace);

 private:
  Server() = default;
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// gzip-compresses `data` (ISA-L igzip, level 0..3; values outside are clamped); used for
/// responses when the client accepts gzip. Level 1: the 72 MB exposition of 10,000 guests
/// shrinks to 5.6 MB in ~45 ms of CPU (zlib's level 1: 6.0 MB in ~200 ms).
Result<std::string> gzip(std::string_view data, int level = 1);

/// Streaming gzip (one gzip member, so every client decodes it whole): feed pieces, collect the
/// compressed output as it appears. Level as for gzip().
class GzipStream {
 public:
  explicit GzipStream(int level = 1);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  /// Compresses `data` (the last piece when `finish`) and appends what the encoder emits to
  /// `out`; after the last piece, further writes fail.
  Result<void> write(std::string_view data, bool finish, std::string& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// True when an Accept-Encoding header value accepts gzip (and does not say q=0).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace pvex::http
