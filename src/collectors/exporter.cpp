// collectors/exporter.cpp: the exporter's own build info and process metrics (from /proc/self).
#include <unistd.h>

#include <dirent.h>
#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>

#include "collectors/collector.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace pvex::collectors {
namespace {

const metrics::Family k_build_info{
    "pve_exporter_build_info",
    "A metric with a constant '1' value labelled by version, revision, branch and compiler.",
    metrics::Type::gauge, {"version", "revision", "branch", "compiler"}};
const metrics::Family k_cpu{"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                            metrics::Type::counter, {}};
const metrics::Family k_rss{"process_resident_memory_bytes", "Resident memory size in bytes.",
                            metrics::Type::gauge, {}};
const metrics::Family k_vsz{"process_virtual_memory_bytes", "Virtual memory size in bytes.",
                            metrics::Type::gauge, {}};
const metrics::Family k_open_fds{"process_open_fds", "Number of open file descriptors.",
                                 metrics::Type::gauge, {}};
const metrics::Family k_max_fds{"process_max_fds", "Maximum number of open file descriptors.",
                                metrics::Type::gauge, {}};
const metrics::Family k_start{"process_start_time_seconds",
                              "Start time of the process since unix epoch in seconds.",
                              metrics::Type::gauge, {}};
const metrics::Family k_threads{"process_threads", "Number of OS threads in the process.",
                                metrics::Type::gauge, {}};

/// What /proc/self/stat, /proc/stat and the fd table say about this process.
struct ProcessStats {
  double cpu_seconds = 0;
  double rss_bytes = 0;
  double vsize_bytes = 0;
  double start_time_seconds = 0;
  double threads = 0;
  double open_fds = 0;
  double max_fds = 0;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<ProcessStats> read_process_stats() {
  ProcessStats s;
  const std::string stat = read_file("/proc/self/stat");
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return fail(ErrorKind::parse, "/proc/self/stat: no command field");
  const std::vector<std::string_view> f = util::split_ws(std::string_view(stat).substr(close + 1));
  // f[0] is field 3 (state); utime=14, stime=15, num_threads=20, starttime=22, vsize=23, rss=24.
  if (f.size() < 22) return fail(ErrorKind::parse, "/proc/self/stat: too few fields");
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  s.cpu_seconds = static_cast<double>(util::parse_uint(f[11]).value_or(0) + util::parse_uint(f[12]).value_or(0)) / ticks;
  s.threads = static_cast<double>(util::parse_int(f[17]).value_or(0));
  const double start_ticks = static_cast<double>(util::parse_uint(f[19]).value_or(0));
  s.vsize_bytes = static_cast<double>(util::parse_uint(f[20]).value_or(0));
  s.rss_bytes = static_cast<double>(util::parse_int(f[21]).value_or(0)) * page;

  double boot_time = 0;
  std::istringstream sys(read_file("/proc/stat"));
  for (std::string line; std::getline(sys, line);) {
    if (line.starts_with("btime ")) boot_time = static_cast<double>(util::parse_uint(util::trim(line.substr(6))).value_or(0));
  }
  s.start_time_seconds = boot_time + start_ticks / ticks;

  if (DIR* d = opendir("/proc/self/fd")) {
    size_t n = 0;
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
    s.open_fds = static_cast<double>(n > 0 ? n - 1 : 0);  // minus the directory handle itself
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) s.max_fds = static_cast<double>(lim.rlim_cur);
  return s;
}

void render(const ProcessStats& s, metrics::MetricSet& out) {
  out.add(k_cpu, s.cpu_seconds, {});
  out.add(k_rss, s.rss_bytes, {});
  out.add(k_vsz, s.vsize_bytes, {});
  out.add(k_open_fds, s.open_fds, {});
  out.add(k_max_fds, s.max_fds, {});
  out.add(k_start, s.start_time_seconds, {});
  out.add(k_threads, s.threads, {});
}

}  // namespace

Result<void> collect_exporter(Scrape&, metrics::MetricSet& out) {
  const BuildInfo& b = build_info();
  out.add(k_build_info, 1, {b.version, b.revision, b.branch, b.compiler});
  Result<ProcessStats> stats = read_process_stats();
  if (!stats) return fail(stats.error());
  render(*stats, out);
  return {};
}

}  // namespace pvex::collectors
