// Fault rules: parsing, glob matching and the flaky-request bookkeeping.
#include "faults.hpp"

#include "util/strings.hpp"

namespace pvex::sim {

Result<Fault> parse_fault(std::string_view spec) {
  size_t eq = spec.rfind('=');
  auto bad = [&](std::string_view why) {
    return fail(ErrorKind::config, "--fault '" + std::string(spec) + "': " + std::string(why));
  };
  if (eq == std::string_view::npos || eq == 0) return bad("expected GLOB=KIND[:ARG]");
  Fault f;
  f.glob = std::string(spec.substr(0, eq));
  std::string_view kind = spec.substr(eq + 1);
  std::string_view arg;
  if (size_t colon = kind.find(':'); colon != std::string_view::npos) {
    arg = kind.substr(colon + 1);
    kind = kind.substr(0, colon);
  }
  std::optional<int64_t> number = util::parse_int(arg);
  if (!arg.empty() && (!number || *number < 0))
    return bad("argument must be a non-negative number");
  f.arg = number.value_or(0);
  bool needs_arg = false;
  if (kind == "595" || kind == "500" || kind == "503" || kind == "401" || kind == "404") {
    f.kind = FaultKind::status;
    f.status = static_cast<int>(*util::parse_int(kind));
    if (kind != "595" && !arg.empty()) return bad("only 595 takes a delay");
  } else if (kind == "hang") {
    f.kind = FaultKind::hang;
  } else if (kind == "slow") {
    f.kind = FaultKind::slow;
    needs_arg = true;
  } else if (kind == "malformed") {
    f.kind = FaultKind::malformed;
  } else if (kind == "truncated") {
    f.kind = FaultKind::truncated;
  } else if (kind == "big") {
    f.kind = FaultKind::big;
    needs_arg = true;
  } else if (kind == "flaky") {
    f.kind = FaultKind::flaky;
    needs_arg = true;
  } else {
    return bad(
        "unknown kind (595, 500, 503, 401, 404, hang, slow, malformed, truncated, big, flaky)");
  }
  if (needs_arg && arg.empty()) return bad("this kind needs an argument");
  return f;
}

bool glob_match(std::string_view glob, std::string_view path) {
  if (glob.empty()) return path.empty();
  if (glob.substr(0, 2) == "**") {
    std::string_view rest = glob.substr(2);
    for (size_t i = 0; i <= path.size(); ++i)
      if (glob_match(rest, path.substr(i))) return true;
    return false;
  }
  if (glob[0] == '*') {
    std::string_view rest = glob.substr(1);
    for (size_t i = 0; i <= path.size(); ++i) {
      if (glob_match(rest, path.substr(i))) return true;
      if (i < path.size() && path[i] == '/') break;
    }
    return false;
  }
  if (path.empty() || glob[0] != path[0]) return false;
  return glob_match(glob.substr(1), path.substr(1));
}

const Fault* FaultTable::match(std::string_view path, std::string_view full_path) {
  for (size_t i = 0; i < m_faults.size(); ++i) {
    const Fault& f = m_faults[i];
    if (!glob_match(f.glob, path) && !glob_match(f.glob, full_path)) continue;
    if (f.kind == FaultKind::flaky) {
      std::lock_guard<std::mutex> lock(m_mutex);
      long long& seen = m_flaky_seen[{i, std::string(path)}];
      if (seen >= f.arg) continue;
      ++seen;
    }
    return &f;
  }
  return nullptr;
}

void FaultTable::reset() {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_flaky_seen.clear();
}

}  // namespace pvex::sim
