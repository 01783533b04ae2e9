// collectors/node.cpp: every online node's /nodes/{node}/status, and `up` for every member.
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "pve/fetch.hpp"
#include "pve/node_status.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const std::vector<std::string> k_node{"node"};

const Family k_up{"pve_node_up",
                  "1 if corosync reports the node online and its /nodes/{node}/status answered in "
                  "this scrape, else 0 (then the node has no other pve_node_ series).",
                  Type::gauge, k_node};
const Family k_uptime{"pve_node_uptime_seconds", "Time since the node booted (status uptime).",
                      Type::gauge, k_node};
const Family k_cpu{"pve_node_cpu_usage_ratio",
                   "Busy share of all host CPUs, 0-1 (status cpu; pvestatd cpustat cpu).",
                   Type::gauge, k_node};
const Family k_iowait{"pve_node_cpu_iowait_ratio",
                      "I/O wait share of all host CPUs, 0-1 (status wait; pvestatd cpustat wait).",
                      Type::gauge, k_node};
const Family k_cpus{"pve_node_cpus", "Logical CPUs (status cpuinfo.cpus).", Type::gauge, k_node};
const Family k_sockets{"pve_node_cpu_sockets", "CPU sockets (status cpuinfo.sockets).", Type::gauge,
                       k_node};
const Family k_cores{"pve_node_cpu_cores",
                     "Physical CPU cores over all sockets (status cpuinfo.cores).", Type::gauge,
                     k_node};
const Family k_hertz{"pve_node_cpu_frequency_hertz",
                     "CPU clock in hertz (status cpuinfo.mhz, sent in MHz).", Type::gauge, k_node};
const Family k_cpu_info{"pve_node_cpu_info",
                        "CPU model (status cpuinfo.model) and whether hardware virtualisation is "
                        "available (cpuinfo.hvm); value 1.",
                        Type::gauge,
                        {"node", "model", "hvm"}};
const Family k_load1{"pve_node_load1", "1-minute load average (status loadavg[0]).", Type::gauge,
                     k_node};
const Family k_load5{"pve_node_load5", "5-minute load average (status loadavg[1]).", Type::gauge,
                     k_node};
const Family k_load15{"pve_node_load15", "15-minute load average (status loadavg[2]).", Type::gauge,
                      k_node};
const Family k_mem_total{"pve_node_memory_total_bytes", "Physical memory (status memory.total).",
                         Type::gauge, k_node};
const Family k_mem_used{"pve_node_memory_used_bytes",
                        "Used memory: total minus available since PVE 8.4 (status memory.used).",
                        Type::gauge, k_node};
const Family k_mem_free{"pve_node_memory_free_bytes", "Free memory, MemFree (status memory.free).",
                        Type::gauge, k_node};
const Family k_mem_avail{"pve_node_memory_available_bytes",
                         "Available memory, MemAvailable (status memory.available; PVE 9).",
                         Type::gauge, k_node};
const Family k_swap_total{"pve_node_swap_total_bytes", "Swap size (status swap.total).",
                          Type::gauge, k_node};
const Family k_swap_used{"pve_node_swap_used_bytes", "Swap in use (status swap.used).", Type::gauge,
                         k_node};
const Family k_swap_free{"pve_node_swap_free_bytes", "Swap free (status swap.free).", Type::gauge,
                         k_node};
const Family k_ksm{"pve_node_ksm_shared_bytes", "Memory merged by KSM (status ksm.shared).",
                   Type::gauge, k_node};
const Family k_root_total{"pve_node_rootfs_size_bytes",
                          "Size of the root file system (status rootfs.total).", Type::gauge,
                          k_node};
const Family k_root_used{
    "pve_node_rootfs_used_bytes",
    "Used bytes of the root file system, size minus free (status rootfs.used).", Type::gauge,
    k_node};
const Family k_root_free{
    "pve_node_rootfs_free_bytes",
    "Free bytes of the root file system including the root reserve (status rootfs.free).",
    Type::gauge, k_node};
const Family k_root_avail{
    "pve_node_rootfs_available_bytes",
    "Bytes of the root file system available to unprivileged users (status rootfs.avail).",
    Type::gauge, k_node};
const Family k_kernel{"pve_node_kernel_info",
                      "Running kernel (status current-kernel, else kversion); value 1.",
                      Type::gauge,
                      {"node", "release", "version", "machine"}};
const Family k_version{"pve_node_version_info",
                       "pve-manager version of the node (status pveversion); value 1.",
                       Type::gauge,
                       {"node", "version", "repoid"}};
const Family k_boot{"pve_node_boot_mode",
                    "Boot mode (status boot-info.mode): 1 for the current mode, 0 for the others.",
                    Type::gauge,
                    {"node", "mode"}};
const Family k_secureboot{
    "pve_node_secure_boot_enabled",
    "1 if the node booted with Secure Boot (status boot-info.secureboot; EFI only).", Type::gauge,
    k_node};

constexpr std::string_view k_boot_modes[] = {"efi", "legacy-bios"};

void add_opt(const Family& f, const std::optional<uint64_t>& v, std::string_view node,
             metrics::MetricSet& out) {
  if (v) out.add(f, static_cast<double>(*v), {node});
}
void add_opt(const Family& f, const std::optional<int64_t>& v, std::string_view node,
             metrics::MetricSet& out) {
  if (v) out.add(f, static_cast<double>(*v), {node});
}
void add_opt(const Family& f, const std::optional<double>& v, std::string_view node,
             metrics::MetricSet& out) {
  if (v) out.add(f, *v, {node});
}

void render_status(std::string_view node, const pve::NodeStatus& s, metrics::MetricSet& out) {
  add_opt(k_uptime, s.uptime_seconds, node, out);
  add_opt(k_cpu, s.cpu_ratio, node, out);
  add_opt(k_iowait, s.iowait_ratio, node, out);
  if (s.cpuinfo) {
    const pve::CpuInfo& c = *s.cpuinfo;
    add_opt(k_cpus, c.cpus, node, out);
    add_opt(k_sockets, c.sockets, node, out);
    add_opt(k_cores, c.cores, node, out);
    if (c.mhz) out.add(k_hertz, *c.mhz * 1e6, {node});
    if (c.model) out.add(k_cpu_info, 1, {node, *c.model, c.hvm ? (*c.hvm ? "1" : "0") : ""});
  }
  const Family* loads[] = {&k_load1, &k_load5, &k_load15};
  for (size_t i = 0; i < 3 && i < s.load_average.size(); ++i)
    out.add(*loads[i], s.load_average[i], {node});
  if (s.memory) {
    add_opt(k_mem_total, s.memory->total_bytes, node, out);
    add_opt(k_mem_used, s.memory->used_bytes, node, out);
    add_opt(k_mem_free, s.memory->free_bytes, node, out);
    add_opt(k_mem_avail, s.memory->available_bytes, node, out);
  }
  if (s.swap) {
    add_opt(k_swap_total, s.swap->total_bytes, node, out);
    add_opt(k_swap_used, s.swap->used_bytes, node, out);
    add_opt(k_swap_free, s.swap->free_bytes, node, out);
  }
  add_opt(k_ksm, s.ksm_shared_bytes, node, out);
  if (s.rootfs) {
    add_opt(k_root_total, s.rootfs->total_bytes, node, out);
    add_opt(k_root_used, s.rootfs->used_bytes, node, out);
    add_opt(k_root_free, s.rootfs->free_bytes, node, out);
    add_opt(k_root_avail, s.rootfs->avail_bytes, node, out);
  }
  if (s.current_kernel) {
    out.add(
        k_kernel, 1,
        {node, s.current_kernel->release, s.current_kernel->version, s.current_kernel->machine});
  } else if (s.kversion) {
    // "Linux <release> <version...>" before PVE 8.1
    std::string_view k = *s.kversion;
    std::string_view release, version;
    if (size_t a = k.find(' '); a != std::string_view::npos) {
      std::string_view rest = k.substr(a + 1);
      size_t b = rest.find(' ');
      release = rest.substr(0, b);
      if (b != std::string_view::npos) version = rest.substr(b + 1);
    }
    out.add(k_kernel, 1, {node, release, version, ""});
  }
  if (s.pveversion) {
    // pve-manager/<version>/<repoid>
    std::string_view v = *s.pveversion;
    std::string_view version, repoid;
    if (size_t a = v.find('/'); a != std::string_view::npos) {
      std::string_view rest = v.substr(a + 1);
      size_t b = rest.find('/');
      version = rest.substr(0, b);
      if (b != std::string_view::npos) repoid = rest.substr(b + 1);
    }
    out.add(k_version, 1, {node, version, repoid});
  }
  if (s.boot_info && !s.boot_info->mode.empty()) {
    bool known = false;
    for (std::string_view m : k_boot_modes) {
      known = known || m == s.boot_info->mode;
      out.add(k_boot, m == s.boot_info->mode ? 1 : 0, {node, m});
    }
    if (!known) out.add(k_boot, 1, {node, s.boot_info->mode});
    if (s.boot_info->secureboot) out.add(k_secureboot, *s.boot_info->secureboot ? 1 : 0, {node});
  }
}

}  // namespace

Result<void> collect_node(Scrape& scrape, metrics::MetricSet& out) {
  Result<pve::ClusterStatus> status = pve::fetch_cluster_status(scrape.api());
  if (!status) return fail(status.error());
  const std::vector<std::string> online = pve::online_nodes(*status);
  std::vector<pve::NodeAnswer<pve::NodeStatus>> answers =
      pve::fetch_per_node(scrape.api(), online, "/status", &pve::parse_node_status);

  pve::Failures failures;
  size_t next = 0;
  for (const pve::ClusterMember& m : status->members) {
    if (!m.online) {
      out.add(k_up, 0, {m.name});
      continue;
    }
    const pve::NodeAnswer<pve::NodeStatus>& a = answers[next++];
    out.add(k_up, a.value ? 1 : 0, {a.node});
    if (a.value)
      render_status(a.node, *a.value, out);
    else
      failures.note(a.value.error());
  }
  return failures.result();
}

}  // namespace pvex::collectors
