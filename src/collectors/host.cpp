// collectors/host.cpp: the node fields pvestatd pushes but no API returns, read locally:
// CPU time from <procfs>/stat and per-interface traffic from <procfs>/net/dev.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "util/strings.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_cpu_seconds{"pve_node_cpu_seconds_total",
                           "CPU time of all host CPUs by mode, as pvestatd's cpustat: user and "
                           "nice exclude guest time (<procfs>/stat cpu line, ticks / USER_HZ).",
                           Type::counter,
                           {"node", "mode"}};
const Family k_if_rx{
    "pve_node_interface_receive_bytes_total",
    "Bytes the node received on one interface (<procfs>/net/dev; pvestatd nics receive).",
    Type::counter,
    {"node", "interface"}};
const Family k_if_tx{
    "pve_node_interface_transmit_bytes_total",
    "Bytes the node sent on one interface (<procfs>/net/dev; pvestatd nics transmit).",
    Type::counter,
    {"node", "interface"}};

struct CpuTicks {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0,
           guest = 0, guest_nice = 0;
};

struct InterfaceBytes {
  std::string name;
  uint64_t receive = 0, transmit = 0;
};

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorKind::io, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The aggregate `cpu` line of /proc/stat. Missing trailing fields (old kernels) read as 0.
Result<CpuTicks> parse_stat(std::string_view text) {
  for (std::string_view line : util::split_any(text, "\n")) {
    std::vector<std::string_view> f = util::split_ws(line);
    if (f.empty() || f[0] != "cpu") continue;
    std::vector<uint64_t> v;
    for (size_t i = 1; i < f.size(); ++i) {
      std::optional<uint64_t> n = util::parse_uint(f[i]);
      if (!n) return fail(ErrorKind::parse, "stat: bad cpu field \"" + std::string(f[i]) + "\"");
      v.push_back(*n);
    }
    if (v.size() < 4) return fail(ErrorKind::parse, "stat: cpu line has fewer than 4 fields");
    v.resize(10, 0);
    // pvestatd subtracts guest time from user and guest_nice from nice (the kernel counts it
    // twice).
    CpuTicks t{v[0] - std::min(v[0], v[8]),
               v[1] - std::min(v[1], v[9]),
               v[2],
               v[3],
               v[4],
               v[5],
               v[6],
               v[7],
               v[8],
               v[9]};
    return t;
  }
  return fail(ErrorKind::parse, "stat: no aggregate cpu line");
}

/// /proc/net/dev: two header lines, then "<if>: rx_bytes ... (8 rx fields) tx_bytes ...".
Result<std::vector<InterfaceBytes>> parse_net_dev(std::string_view text) {
  std::vector<InterfaceBytes> out;
  for (std::string_view line : util::split_any(text, "\n")) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.find('|') != std::string_view::npos) continue;
    std::vector<std::string_view> f = util::split_ws(line.substr(colon + 1));
    if (f.size() < 9)
      return fail(ErrorKind::parse,
                  "net/dev: short line for " + std::string(util::trim(line.substr(0, colon))));
    std::optional<uint64_t> rx = util::parse_uint(f[0]), tx = util::parse_uint(f[8]);
    if (!rx || !tx)
      return fail(ErrorKind::parse,
                  "net/dev: bad counter for " + std::string(util::trim(line.substr(0, colon))));
    out.push_back({std::string(util::trim(line.substr(0, colon))), *rx, *tx});
  }
  return out;
}

std::string local_node_name(const config::HostConfig& cfg) {
  if (!cfg.node_name.empty()) return cfg.node_name;
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  std::string name(buf);
  return name.substr(0, name.find('.'));  // PVE node names are the short host name
}

void render(std::string_view node, const CpuTicks& t, double hz, metrics::MetricSet& out) {
  const std::pair<std::string_view, uint64_t> modes[] = {
      {"user", t.user},       {"nice", t.nice},
      {"system", t.system},   {"idle", t.idle},
      {"iowait", t.iowait},   {"irq", t.irq},
      {"softirq", t.softirq}, {"steal", t.steal},
      {"guest", t.guest},     {"guest_nice", t.guest_nice}};
  for (const auto& [mode, ticks] : modes)
    out.add(k_cpu_seconds, static_cast<double>(ticks) / hz, {node, mode});
}

}  // namespace

Result<void> collect_host(Scrape& scrape, metrics::MetricSet& out) {
  const config::HostConfig& cfg = scrape.config().host;
  const std::string node = local_node_name(cfg);
  long hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;

  Result<std::string> stat = read_file(cfg.procfs + "/stat");
  Result<CpuTicks> ticks = stat ? parse_stat(*stat) : fail(stat.error());
  if (ticks) render(node, *ticks, static_cast<double>(hz), out);

  Result<std::string> dev = read_file(cfg.procfs + "/net/dev");
  Result<std::vector<InterfaceBytes>> ifaces = dev ? parse_net_dev(*dev) : fail(dev.error());
  if (ifaces) {
    for (const InterfaceBytes& i : *ifaces) {
      out.add(k_if_rx, static_cast<double>(i.receive), {node, i.name});
      out.add(k_if_tx, static_cast<double>(i.transmit), {node, i.name});
    }
  }
  if (!ticks) return fail(ticks.error());
  if (!ifaces) return fail(ifaces.error());
  return {};
}

}  // namespace pvex::collectors
