// Fault injection: --fault 'GLOB=KIND[:ARG]' rules matched against request paths.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::sim {

enum class FaultKind {
  status,     // answer with `status` (595, 500, 503, 401, 404) after `arg` ms (595 only)
  hang,       // hold the connection without answering (up to 60 s or shutdown)
  slow,       // answer correctly after `arg` ms
  malformed,  // 200 with invalid JSON
  truncated,  // 200 with the first half of the real answer
  big,        // 200 with the real answer padded to `arg` bytes
  flaky,      // the first `arg` requests per path answer 500, then normal
};

struct Fault {
  std::string glob;
  FaultKind kind = FaultKind::status;
  int status = 500;
  long long arg = 0;
};

/// Parses "GLOB=KIND[:ARG]"; ErrorKind::config naming the spec on bad input.
Result<Fault> parse_fault(std::string_view spec);

/// `*` matches within one path segment, `**` matches anything (including '/').
bool glob_match(std::string_view glob, std::string_view path);

/// The configured faults. Thread-safe.
class FaultTable {
 public:
  explicit FaultTable(std::vector<Fault> faults) : m_faults(std::move(faults)) {}

  /// The first fault whose glob matches `path` (relative to /api2/json) or `full_path` and that
  /// is still active (a flaky fault is spent after N requests per path); nullptr if none.
  const Fault* match(std::string_view path, std::string_view full_path);

  /// Forgets how often flaky faults fired.
  void reset();

 private:
  std::vector<Fault> m_faults;
  std::mutex m_mutex;
  std::map<std::pair<size_t, std::string>, long long> m_flaky_seen;
};

}  // namespace pvex::sim
