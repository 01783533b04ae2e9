// SimServer: the request pipeline (stats, latency, auth, faults, routing) on a cpp-httplib server.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include <httplib.h>

#include "auth.hpp"
#include "faults.hpp"
#include "model.hpp"
#include "options.hpp"
#include "render.hpp"

namespace pvex::sim {

class SimServer {
 public:
  SimServer(SimOptions options, Cluster cluster, std::vector<Fault> faults);

  /// Registers the handlers on `server` (and the verbose logger if asked for).
  void install(httplib::Server& server);

  /// Wakes requests held by `hang` faults and sleeps so that shutdown is quick.
  void begin_shutdown();

 private:
  void handle_api(const httplib::Request& req, httplib::Response& res);
  void handle_login(const httplib::Request& req, httplib::Response& res);
  ApiResponse route(const ApiRequest& request);
  /// Counts a request under /api2/json for /_sim/stats.
  void count(const std::string& path);
  /// Applies the parts of `fault` that replace or delay the answer; true if it answered.
  bool answer_fault_early(const Fault* fault, const httplib::Request& req, httplib::Response& res);
  /// Applies the parts of `fault` that alter a successful answer (truncated, big).
  static void distort(const Fault& fault, ApiResponse& answer);
  /// Sleeps `ms` unless shutdown begins; false if shutdown interrupted it.
  bool sleep_ms(long long ms);
  SimTime now() const;
  std::string stats_json();
  void reset_stats();

  SimOptions m_options;
  Cluster m_cluster;
  Auth m_auth;
  FaultTable m_faults;
  std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();

  std::mutex m_mutex;  // guards m_paths and the shutdown flag
  std::condition_variable m_wake;
  bool m_shutdown = false;
  std::map<std::string, uint64_t> m_paths;
  std::atomic<uint64_t> m_requests{0};
  std::atomic<uint64_t> m_in_flight{0};
  std::atomic<uint64_t> m_max_in_flight{0};
  std::atomic<uint64_t> m_logins{0};
};

}  // namespace pvex::sim
