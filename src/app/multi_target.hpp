// The /pve multi-target endpoint: query parameters, one long-lived API client per
// (target, port, module), the compatibility profile (or the native set with profile=native),
// and the peer's self-metrics for /metrics.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "config/config.hpp"
#include "http/server.hpp"
#include "metrics/metric_set.hpp"
#include "pve/session.hpp"
#include "util/result.hpp"

namespace pvex::app {

enum class Profile { compat, native };

/// A validated /pve request.
struct PveQuery {
  std::string target;  // as given (default "localhost"): the `target` label of our own series
  std::string host;    // without brackets for IPv6
  int port = 8006;     // from the target, else the module's port, else 8006
  std::string module = "default";
  bool cluster = true;
  bool node = true;
  Profile profile = Profile::compat;

  bool operator==(const PveQuery&) const = default;
};

/// Parses the query of GET /pve. `target` = HOST, HOST:PORT, [V6] or [V6]:PORT (default
/// localhost); `module` must name a configured module (default "default"); `cluster` and
/// `node` are on unless given as `0`, `false` (any case) or empty; `profile` is
/// `pve-exporter` (default) or `native`. The error message is the plain-text reason of a 400.
Result<PveQuery> parse_pve_query(const http::Request& req, const config::Config& config);

/// Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address; port 0 = none
/// given. A bad port or host -> ErrorKind::config.
Result<std::pair<std::string, int>> parse_target(std::string_view target);

struct MultiTargetOptions {
  size_t max_targets = 64;    // API clients kept; the least recently used goes first
  size_t max_in_flight = 32;  // concurrent API requests per target (per-guest config calls)
};

class MultiTarget {
 public:
  using Options = MultiTargetOptions;
  /// Makes the fetch function of one target; the default builds a pve::Client (TLS, ticket or
  /// token, keep-alive). Tests pass fixture or simulator fetchers.
  using ConnectFn = std::function<Result<pve::FetchFn>(
      const PveQuery& query, const config::Module& module, size_t max_in_flight)>;

  explicit MultiTarget(const config::Config& config, Options options = Options(),
                       ConnectFn connect = {});
  ~MultiTarget();
  MultiTarget(const MultiTarget&) = delete;
  MultiTarget& operator=(const MultiTarget&) = delete;

  /// Serves GET /pve: 400 (plain text) for a bad query, otherwise 200 with whatever could be
  /// collected plus pve_exporter_target_up{target,module}, per-collector success/duration,
  /// the scrape duration and the number of API requests made.
  http::Response handle(const http::Request& req);

  /// Adds the peer's self-metrics to a /metrics set: pve_collection_duration_seconds
  /// (summary) and pve_request_errors_total (counter), both by module.
  void add_self_metrics(metrics::MetricSet& out) const;

  /// Number of API clients currently kept.
  size_t client_count() const;

 private:
  struct Stats {
    double seconds_sum = 0;
    uint64_t count = 0;
    uint64_t errors = 0;
  };
  struct Entry {
    pve::FetchFn fetch;
    uint64_t last_used = 0;
  };
  using Key = std::tuple<std::string, int, std::string>;

  Result<pve::FetchFn> fetch_for(const PveQuery& query, const config::Module& module);
  void record(const std::string& module, double seconds, bool error);

  const config::Config m_config;
  Options m_options;
  ConnectFn m_connect;
  mutable std::mutex m_mutex;
  std::map<Key, Entry> m_clients;
  uint64_t m_tick = 0;
  std::map<std::string, Stats> m_stats;
};

}  // namespace pvex::app
