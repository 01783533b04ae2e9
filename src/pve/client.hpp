// Client: the long-lived libcurl HTTPS client of one PVE API target: authentication (API token
// or cached password ticket), TLS verification and pinning, deadlines, retries, a bound on
// requests in flight, keep-alive reuse, in-flight sharing, and per-endpoint request statistics.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "pve/session.hpp"
#include "util/result.hpp"

namespace pvex::pve {

/// Upper bounds (seconds) of the request latency histogram.
const std::vector<double>& latency_buckets();

/// A snapshot of the client's request statistics (no Prometheus types: the api collector
/// renders it). Every HTTP attempt counts once: retries and logins included.
struct ClientStats {
  struct Requests {
    std::string endpoint;  // path template, e.g. /nodes/{node}/status
    std::string code;      // HTTP status ("200", "595"), or "timeout", "tls", "error"
    uint64_t count = 0;
    bool operator==(const Requests&) const = default;
  };
  struct Latency {
    std::string endpoint;
    std::vector<uint64_t> cumulative_counts;  // one per latency_buckets() bound
    double sum_seconds = 0;
    uint64_t count = 0;
    bool operator==(const Latency&) const = default;
  };
  std::vector<Requests> requests;   // sorted by endpoint, then code
  std::vector<Latency> latencies;   // sorted by endpoint
  uint64_t connections_opened = 0;  // new TCP/TLS connections (others reused keep-alive ones)
};

/// The endpoint template of an API path: the query string dropped and node names, vmids,
/// storage ids, pool ids, HA sids, job ids, UPIDs, snapshot and pool names replaced by
/// placeholders (`/nodes/pve1/qemu/100/status/current` ->
/// `/nodes/{node}/qemu/{vmid}/status/current`), so metric cardinality does not grow with the
/// cluster. Unknown all-digit segments become {id}.
std::string endpoint_template(std::string_view path);

/// One PVE API target. Thread-safe; create one per target and keep it for the process
/// lifetime, so connections and the login ticket are reused across scrapes.
class Client : public std::enable_shared_from_this<Client> {
 public:
  /// Validates `api` and builds a client. Secrets: `password` / `token_secret` are used when
  /// set, otherwise `password_file` / `token_secret_file` are read here, once (trailing
  /// newline dropped). Errors (ErrorKind::config): no host, neither token nor user+password,
  /// an unreadable secret file, a fingerprint that is not 32 hex bytes.
  static Result<std::shared_ptr<Client>> create(const config::ApiConfig& api);

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// GETs `path` (relative to /api2/json, query included) before `deadline`. Waits for a free
  /// slot (at most max_in_flight requests at once); if the same path is already being fetched
  /// by another caller, waits for that answer instead of sending a second request. Retries
  /// connection errors and 5xx other than 595-599 at most twice, with jittered backoff, while
  /// the deadline allows. With password auth, logs in when needed (ticket renewed after
  /// 90 minutes) and once more on a 401. Errors name the path and status:
  /// "GET /nodes/pve1/status: HTTP 595: Connection timed out"; kinds: timeout, tls (with the
  /// options that fix it), auth (401, failed login; user named, never a secret), not_found
  /// (404, 501: endpoint absent in this PVE version), http (other statuses), io (connection
  /// failures, answer larger than max_response_bytes).
  /// A corrupt gzip answer is an io error "GET /x: invalid gzip body (host:port)".
  Result<Body> get(std::string_view path, Clock::time_point deadline);

  /// get() without the decoding: the answer as received (gzip bytes when the server compressed
  /// it; their announced size is already checked against max_response_bytes, their content is
  /// checked when decoded). Errors as get().
  Result<Answer> get_answer(std::string_view path, Clock::time_point deadline);

  /// get_answer() as a FetchFn for pve::Session (which decodes answers when they are used); the
  /// function keeps the client alive.
  FetchFn fetcher();

  /// Request counts and latencies per endpoint template since creation.
  ClientStats stats() const;

  /// https://host:port/api2/json
  const std::string& base_url() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace pvex::pve
