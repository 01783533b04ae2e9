// SimProcess: runs build/tools/pve-sim/pve-sim as a child process for integration tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace pvex::testing {

/// The simulator's request counters (GET /_sim/stats).
struct SimStats {
  uint64_t requests_total = 0;
  uint64_t max_in_flight = 0;
  uint64_t logins = 0;
  std::map<std::string, uint64_t> paths;  // full path ("/api2/json/cluster/status") -> count
};

/// A running pve-sim on 127.0.0.1 with a generated certificate. Movable, not copyable; the
/// destructor stops the process (SIGTERM, after 5 s SIGKILL) and removes its temporary files.
class SimProcess {
 public:
  /// Starts pve-sim with `extra_args` plus --listen 127.0.0.1:0 --port-file --cert-out and waits
  /// up to 10 s for it to listen. Fails (ErrorKind::io) if it cannot start, exits early or is late.
  static Result<SimProcess> start(std::vector<std::string> extra_args);

  SimProcess(SimProcess&& other) noexcept;
  SimProcess& operator=(SimProcess&& other) noexcept;
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;
  ~SimProcess();

  int port() const { return m_port; }
  std::string host() const { return "127.0.0.1"; }
  /// PEM file of the certificate the simulator serves (use it as CA file).
  std::string ca_file() const { return m_dir + "/cert.pem"; }
  /// SHA-256 fingerprint of that certificate, "AA:BB:..." as the simulator printed it.
  std::string fingerprint() const { return m_fingerprint; }
  /// "https://127.0.0.1:<port>".
  std::string base_url() const;
  pid_t pid() const { return m_pid; }

  /// GET /_sim/stats (no authentication needed).
  Result<SimStats> stats() const;
  /// POST /_sim/reset: zeroes the counters and re-arms flaky faults.
  Result<void> reset() const;

 private:
  SimProcess() = default;
  void stop();

  pid_t m_pid = -1;
  int m_port = 0;
  std::string m_dir;  // temporary directory with port file, certificate and stdout
  std::string m_fingerprint;
};

}  // namespace pvex::testing
