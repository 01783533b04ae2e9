// collectors/guest.cpp: every QEMU VM and LXC container: status, usage, balloon, drives, NICs.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/guest_filter.hpp"
#include "pve/fetch.hpp"
#include "pve/guests.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const std::vector<std::string> k_g{"node", "type", "vmid", "name"};
std::vector<std::string> with(std::initializer_list<std::string> extra) {
  std::vector<std::string> l = k_g;
  l.insert(l.end(), extra);
  return l;
}

const Family k_node_success{
    "pve_guest_node_scrape_success",
    "1 if the node's guest lists (/nodes/{node}/qemu?full=1 and /lxc) answered in this scrape, 0 "
    "if either failed; only nodes corosync reports online.",
    Type::gauge,
    {"node"}};
const Family k_status{
    "pve_guest_status",
    "Guest state: 1 for the current state, 0 for the others. QEMU: the run state (qmpstatus, or "
    "/cluster/resources status); unknown when the guest's node did not answer.",
    Type::gauge, with({"status"})};
const Family k_info{"pve_guest_info",
                    "Guest metadata; value 1. tags split on any separator, sorted, joined with ';' "
                    "(tags); template 0/1; pool; running machine type and QEMU version "
                    "(running-machine, running-qemu; running QEMU only).",
                    Type::gauge,
                    with({"tags", "template", "pool", "running_machine", "running_qemu"})};
const Family k_ha{"pve_guest_ha_state",
                  "HA state of an HA-managed guest (/cluster/resources hastate): 1 for the current "
                  "state, 0 for the others; no series for guests without HA.",
                  Type::gauge, with({"state"})};
const Family k_lock{"pve_guest_lock",
                    "1 while the guest's configuration is locked (lock), labelled with the lock "
                    "reason; no series when unlocked.",
                    Type::gauge, with({"lock"})};
const Family k_uptime{"pve_guest_uptime_seconds",
                      "Time since the guest started (uptime); running guests only.", Type::gauge,
                      k_g};
const Family k_cpu{"pve_guest_cpu_usage_ratio",
                   "CPU use relative to the guest's own CPUs, 0-1 (can slightly exceed 1 with I/O "
                   "threads) (cpu); running guests only.",
                   Type::gauge, k_g};
const Family k_cpus{"pve_guest_cpus",
                    "Configured CPUs (cpus; LXC: cores, else cpulimit, else host CPUs).",
                    Type::gauge, k_g};
const Family k_mem_used{"pve_guest_memory_used_bytes",
                        "Used memory (mem): guest-reported when balloon statistics exist, else the "
                        "host view; running guests only.",
                        Type::gauge, k_g};
const Family k_mem_size{"pve_guest_memory_size_bytes", "Configured memory (maxmem).", Type::gauge,
                        k_g};
const Family k_mem_host{
    "pve_guest_memory_host_bytes",
    "Host-side memory of the VM's cgroup (memhost; QEMU, PVE 9); running guests only.", Type::gauge,
    k_g};
const Family k_balloon_actual{
    "pve_guest_balloon_actual_bytes",
    "Current balloon size (ballooninfo.actual, else balloon); running QEMU with a balloon device.",
    Type::gauge, k_g};
const Family k_balloon_max{"pve_guest_balloon_max_bytes",
                           "Maximum memory the balloon device allows (ballooninfo.max_mem).",
                           Type::gauge, k_g};
const Family k_balloon_total{
    "pve_guest_balloon_total_bytes",
    "Total memory the guest's balloon driver reports (ballooninfo.total_mem).", Type::gauge, k_g};
const Family k_balloon_free{
    "pve_guest_balloon_free_bytes",
    "Free memory the guest's balloon driver reports (ballooninfo.free_mem, else freemem).",
    Type::gauge, k_g};
const Family k_balloon_min{"pve_guest_balloon_min_bytes",
                           "Configured balloon minimum (balloon_min).", Type::gauge, k_g};
const Family k_balloon_shares{"pve_guest_balloon_shares",
                              "Configured auto-ballooning weight (shares).", Type::gauge, k_g};
const Family k_swapped_in{"pve_guest_balloon_swapped_in_bytes_total",
                          "Memory the guest swapped in (ballooninfo.mem_swapped_in).",
                          Type::counter, k_g};
const Family k_swapped_out{"pve_guest_balloon_swapped_out_bytes_total",
                           "Memory the guest swapped out (ballooninfo.mem_swapped_out).",
                           Type::counter, k_g};
const Family k_major_faults{"pve_guest_balloon_major_page_faults_total",
                            "Major page faults in the guest (ballooninfo.major_page_faults).",
                            Type::counter, k_g};
const Family k_minor_faults{"pve_guest_balloon_minor_page_faults_total",
                            "Minor page faults in the guest (ballooninfo.minor_page_faults).",
                            Type::counter, k_g};
const Family k_balloon_update{
    "pve_guest_balloon_last_update_timestamp_seconds",
    "When the guest's balloon driver last updated its statistics (ballooninfo.last_update).",
    Type::gauge, k_g};
const Family k_swap_used{"pve_guest_swap_used_bytes",
                         "Swap in use by the container (swap; LXC); running guests only.",
                         Type::gauge, k_g};
const Family k_swap_size{"pve_guest_swap_size_bytes",
                         "Configured swap of the container (maxswap; LXC).", Type::gauge, k_g};
const Family k_disk_used{"pve_guest_disk_used_bytes",
                         "Used space of the container's root file system (disk; LXC only: QEMU "
                         "reports 0); running guests only.",
                         Type::gauge, k_g};
const Family k_disk_size{"pve_guest_disk_size_bytes",
                         "Size of the root disk (maxdisk; QEMU: the boot disk).", Type::gauge, k_g};
const Family k_net_rx{"pve_guest_network_receive_bytes_total",
                      "Bytes the guest received over all its interfaces (netin).", Type::counter,
                      k_g};
const Family k_net_tx{"pve_guest_network_transmit_bytes_total",
                      "Bytes the guest sent over all its interfaces (netout).", Type::counter, k_g};
const Family k_disk_read{"pve_guest_disk_read_bytes_total",
                         "Bytes read from the guest's disks (diskread).", Type::counter, k_g};
const Family k_disk_written{"pve_guest_disk_written_bytes_total",
                            "Bytes written to the guest's disks (diskwrite).", Type::counter, k_g};
const Family k_drive_bytes{"pve_guest_drive_bytes_total",
                           "Bytes transferred by one QEMU drive since VM start, by operation "
                           "(blockstat rd_bytes, wr_bytes, unmap_bytes, zone_append_bytes).",
                           Type::counter, with({"device", "operation"})};
const Family k_drive_ops{
    "pve_guest_drive_operations_total",
    "Completed operations of one QEMU drive, by operation (blockstat *_operations).", Type::counter,
    with({"device", "operation"})};
const Family k_drive_merged{
    "pve_guest_drive_merged_operations_total",
    "Operations QEMU merged into others, by operation (blockstat *_merged).", Type::counter,
    with({"device", "operation"})};
const Family k_drive_failed{
    "pve_guest_drive_failed_operations_total",
    "Failed operations of one QEMU drive, by operation (blockstat failed_*_operations).",
    Type::counter, with({"device", "operation"})};
const Family k_drive_invalid{
    "pve_guest_drive_invalid_operations_total",
    "Invalid operations of one QEMU drive, by operation (blockstat invalid_*_operations).",
    Type::counter, with({"device", "operation"})};
const Family k_drive_time{"pve_guest_drive_time_seconds_total",
                          "Total time spent on operations of one QEMU drive, by operation "
                          "(blockstat *_total_time_ns, sent in nanoseconds).",
                          Type::counter, with({"device", "operation"})};
const Family k_drive_offset{"pve_guest_drive_highest_offset_bytes",
                            "Highest offset written on the drive (blockstat wr_highest_offset).",
                            Type::gauge, with({"device"})};
const Family k_drive_idle{"pve_guest_drive_idle_seconds",
                          "Time since the drive's last I/O (blockstat idle_time_ns, sent in "
                          "nanoseconds); absent before the first I/O.",
                          Type::gauge, with({"device"})};
const Family k_if_rx{"pve_guest_interface_receive_bytes_total",
                     "Bytes the guest received on one interface (QEMU nics.<tap>.netin).",
                     Type::counter, with({"interface"})};
const Family k_if_tx{"pve_guest_interface_transmit_bytes_total",
                     "Bytes the guest sent on one interface (QEMU nics.<tap>.netout).",
                     Type::counter, with({"interface"})};
const Family k_psi_cpu_some{"pve_guest_pressure_cpu_some_percent",
                            "Share of the last 10 s in which some tasks of the guest stalled on "
                            "CPU, percent (pressurecpusome; PVE 9).",
                            Type::gauge, k_g};
const Family k_psi_cpu_full{"pve_guest_pressure_cpu_full_percent",
                            "Share of the last 10 s in which all tasks of the guest stalled on "
                            "CPU, percent (pressurecpufull; PVE 9).",
                            Type::gauge, k_g};
const Family k_psi_io_some{"pve_guest_pressure_io_some_percent",
                           "Share of the last 10 s in which some tasks of the guest stalled on "
                           "I/O, percent (pressureiosome; PVE 9).",
                           Type::gauge, k_g};
const Family k_psi_io_full{"pve_guest_pressure_io_full_percent",
                           "Share of the last 10 s in which all tasks of the guest stalled on I/O, "
                           "percent (pressureiofull; PVE 9).",
                           Type::gauge, k_g};
const Family k_psi_mem_some{"pve_guest_pressure_memory_some_percent",
                            "Share of the last 10 s in which some tasks of the guest stalled on "
                            "memory, percent (pressurememorysome; PVE 9).",
                            Type::gauge, k_g};
const Family k_psi_mem_full{"pve_guest_pressure_memory_full_percent",
                            "Share of the last 10 s in which all tasks of the guest stalled on "
                            "memory, percent (pressurememoryfull; PVE 9).",
                            Type::gauge, k_g};

constexpr std::string_view k_qemu_states[] = {"running",   "paused",  "suspended",
                                              "prelaunch", "stopped", "unknown"};
constexpr std::string_view k_lxc_states[] = {"running", "stopped", "unknown"};
constexpr std::string_view k_ha_states[] = {
    "started",      "stopped", "disabled", "ignored",  "request_start", "request_start_balance",
    "request_stop", "freeze",  "fence",    "recovery", "migrate",       "relocate",
    "error"};

/// One drive counter: where it lives in DriveStats, its family, operation label and scale.
struct DriveField {
  std::optional<uint64_t> pve::DriveStats::*member;
  const Family* family;
  std::string_view operation;
  double scale;
};

const DriveField k_drive_fields[] = {
    {&pve::DriveStats::rd_bytes, &k_drive_bytes, "read", 1},
    {&pve::DriveStats::wr_bytes, &k_drive_bytes, "write", 1},
    {&pve::DriveStats::unmap_bytes, &k_drive_bytes, "unmap", 1},
    {&pve::DriveStats::zone_append_bytes, &k_drive_bytes, "zone_append", 1},
    {&pve::DriveStats::rd_operations, &k_drive_ops, "read", 1},
    {&pve::DriveStats::wr_operations, &k_drive_ops, "write", 1},
    {&pve::DriveStats::flush_operations, &k_drive_ops, "flush", 1},
    {&pve::DriveStats::unmap_operations, &k_drive_ops, "unmap", 1},
    {&pve::DriveStats::zone_append_operations, &k_drive_ops, "zone_append", 1},
    {&pve::DriveStats::rd_merged, &k_drive_merged, "read", 1},
    {&pve::DriveStats::wr_merged, &k_drive_merged, "write", 1},
    {&pve::DriveStats::unmap_merged, &k_drive_merged, "unmap", 1},
    {&pve::DriveStats::zone_append_merged, &k_drive_merged, "zone_append", 1},
    {&pve::DriveStats::failed_rd_operations, &k_drive_failed, "read", 1},
    {&pve::DriveStats::failed_wr_operations, &k_drive_failed, "write", 1},
    {&pve::DriveStats::failed_flush_operations, &k_drive_failed, "flush", 1},
    {&pve::DriveStats::failed_unmap_operations, &k_drive_failed, "unmap", 1},
    {&pve::DriveStats::failed_zone_append_operations, &k_drive_failed, "zone_append", 1},
    {&pve::DriveStats::invalid_rd_operations, &k_drive_invalid, "read", 1},
    {&pve::DriveStats::invalid_wr_operations, &k_drive_invalid, "write", 1},
    {&pve::DriveStats::invalid_flush_operations, &k_drive_invalid, "flush", 1},
    {&pve::DriveStats::invalid_unmap_operations, &k_drive_invalid, "unmap", 1},
    {&pve::DriveStats::invalid_zone_append_operations, &k_drive_invalid, "zone_append", 1},
    {&pve::DriveStats::rd_total_time_ns, &k_drive_time, "read", 1e-9},
    {&pve::DriveStats::wr_total_time_ns, &k_drive_time, "write", 1e-9},
    {&pve::DriveStats::flush_total_time_ns, &k_drive_time, "flush", 1e-9},
    {&pve::DriveStats::unmap_total_time_ns, &k_drive_time, "unmap", 1e-9},
    {&pve::DriveStats::zone_append_total_time_ns, &k_drive_time, "zone_append", 1e-9},
};

/// One guest as the render step sees it: its inventory entry and, when its node answered,
/// its full status. At least one of the three pointers is set.
struct Guest {
  pve::GuestType type = pve::GuestType::qemu;
  std::string_view node;  // into the node list or the inventory, alive while rendering
  std::string vmid;
  std::string_view name;  // into the guest's status or inventory entry
  int64_t id = 0;
  const pve::GuestResource* resource = nullptr;
  const pve::QemuStatus* qemu = nullptr;
  const pve::LxcStatus* lxc = nullptr;
};

/// Labels of one guest series: node, type, vmid, name, then `extra`.
class Labels {
 public:
  // The capacity never grows past 10, so spans from base() stay valid across plus() calls.
  explicit Labels(const Guest& g) {
    m_v.reserve(10);
    m_v.assign({g.node, pve::to_string(g.type), g.vmid, g.name});
  }
  std::span<const std::string_view> base() const { return std::span(m_v).first(4); }
  std::span<const std::string_view> plus(std::initializer_list<std::string_view> extra) {
    m_v.resize(4);
    m_v.insert(m_v.end(), extra);
    return m_v;
  }

 private:
  std::vector<std::string_view> m_v;
};

template <class T>
void add_opt(metrics::MetricSet& out, const Family& f, const std::optional<T>& v,
             std::span<const std::string_view> labels, double scale = 1) {
  if (v) out.add(f, static_cast<double>(*v) * scale, labels);
}

void add_state_set(metrics::MetricSet& out, const Family& f,
                   std::span<const std::string_view> states, std::string_view current,
                   Labels& labels) {
  bool known = false;
  for (std::string_view s : states) {
    known = known || s == current;
    out.add(f, s == current ? 1 : 0, labels.plus({s}));
  }
  if (!known) out.add(f, 1, labels.plus({current}));
}

void render_pressure(metrics::MetricSet& out, const pve::Pressure& p,
                     std::span<const std::string_view> l) {
  add_opt(out, k_psi_cpu_some, p.cpu_some_percent, l);
  add_opt(out, k_psi_cpu_full, p.cpu_full_percent, l);
  add_opt(out, k_psi_io_some, p.io_some_percent, l);
  add_opt(out, k_psi_io_full, p.io_full_percent, l);
  add_opt(out, k_psi_mem_some, p.memory_some_percent, l);
  add_opt(out, k_psi_mem_full, p.memory_full_percent, l);
}

void render_qemu(metrics::MetricSet& out, const pve::QemuStatus& q, const config::GuestConfig& cfg,
                 Labels& labels) {
  const std::span<const std::string_view> l = labels.base();
  add_opt(out, k_cpus, q.cpus, l);
  add_opt(out, k_mem_size, q.maxmem_bytes, l);
  add_opt(out, k_disk_size, q.maxdisk_bytes, l);
  add_opt(out, k_balloon_min, q.balloon_min_bytes, l);
  add_opt(out, k_balloon_shares, q.shares, l);
  if (q.status != "running") return;
  add_opt(out, k_uptime, q.uptime_seconds, l);
  add_opt(out, k_cpu, q.cpu_ratio, l);
  add_opt(out, k_mem_used, q.mem_bytes, l);
  add_opt(out, k_mem_host, q.memhost_bytes, l);
  add_opt(out, k_net_rx, q.netin_bytes, l);
  add_opt(out, k_net_tx, q.netout_bytes, l);
  add_opt(out, k_disk_read, q.diskread_bytes, l);
  add_opt(out, k_disk_written, q.diskwrite_bytes, l);
  const pve::BalloonInfo b = q.ballooninfo.value_or(pve::BalloonInfo{});
  add_opt(out, k_balloon_actual, b.actual_bytes ? b.actual_bytes : q.balloon_bytes, l);
  add_opt(out, k_balloon_max, b.max_mem_bytes, l);
  add_opt(out, k_balloon_total, b.total_mem_bytes, l);
  add_opt(out, k_balloon_free, b.free_mem_bytes ? b.free_mem_bytes : q.freemem_bytes, l);
  add_opt(out, k_swapped_in, b.mem_swapped_in_bytes, l);
  add_opt(out, k_swapped_out, b.mem_swapped_out_bytes, l);
  add_opt(out, k_major_faults, b.major_page_faults, l);
  add_opt(out, k_minor_faults, b.minor_page_faults, l);
  add_opt(out, k_balloon_update, b.last_update_seconds, l);
  render_pressure(out, q.pressure, l);
  if (cfg.per_drive) {
    for (const pve::DriveStats& d : q.blockstat) {
      for (const DriveField& f : k_drive_fields)
        add_opt(out, *f.family, d.*f.member, labels.plus({d.drive, f.operation}), f.scale);
      add_opt(out, k_drive_offset, d.wr_highest_offset, labels.plus({d.drive}));
      add_opt(out, k_drive_idle, d.idle_time_ns, labels.plus({d.drive}), 1e-9);
    }
  }
  if (cfg.per_nic) {
    for (const pve::NicStats& n : q.nics) {
      add_opt(out, k_if_rx, n.netin_bytes, labels.plus({n.device}));
      add_opt(out, k_if_tx, n.netout_bytes, labels.plus({n.device}));
    }
  }
}

void render_lxc(metrics::MetricSet& out, const pve::LxcStatus& c,
                std::span<const std::string_view> l) {
  add_opt(out, k_cpus, c.cpus, l);
  add_opt(out, k_mem_size, c.maxmem_bytes, l);
  add_opt(out, k_swap_size, c.maxswap_bytes, l);
  add_opt(out, k_disk_size, c.maxdisk_bytes, l);
  if (c.status != "running") return;
  add_opt(out, k_uptime, c.uptime_seconds, l);
  add_opt(out, k_cpu, c.cpu_ratio, l);
  add_opt(out, k_mem_used, c.mem_bytes, l);
  add_opt(out, k_swap_used, c.swap_bytes, l);
  add_opt(out, k_disk_used, c.disk_bytes, l);
  add_opt(out, k_net_rx, c.netin_bytes, l);
  add_opt(out, k_net_tx, c.netout_bytes, l);
  add_opt(out, k_disk_read, c.diskread_bytes, l);
  add_opt(out, k_disk_written, c.diskwrite_bytes, l);
  render_pressure(out, c.pressure, l);
}

/// A guest whose node did not answer: only what the inventory says about its configuration.
void render_inventory_only(metrics::MetricSet& out, const pve::GuestResource& r,
                           std::span<const std::string_view> l) {
  add_opt(out, k_cpus, r.maxcpu, l);
  add_opt(out, k_mem_size, r.maxmem_bytes, l);
  add_opt(out, k_disk_size, r.maxdisk_bytes, l);
}

template <class T>
std::string_view opt_or(const std::optional<T>& v, std::string_view fallback) {
  return v ? std::string_view(*v) : fallback;
}

void render(const std::vector<Guest>& guests, const config::GuestConfig& cfg,
            metrics::MetricSet& out) {
  for (const Guest& g : guests) {
    Labels labels(g);
    const std::span<const std::string_view> l = labels.base();
    const pve::GuestResource* r = g.resource;
    // status
    std::string_view status = "unknown";
    if (g.qemu) status = opt_or(g.qemu->qmpstatus, opt_or(g.qemu->status, "unknown"));
    if (g.lxc) status = opt_or(g.lxc->status, "unknown");
    if (g.type == pve::GuestType::qemu)
      add_state_set(out, k_status, k_qemu_states, status, labels);
    else
      add_state_set(out, k_status, k_lxc_states, status, labels);
    // info
    std::string_view raw_tags = g.qemu  ? opt_or(g.qemu->tags, "")
                                : g.lxc ? opt_or(g.lxc->tags, "")
                                        : "";
    if (raw_tags.empty() && r) raw_tags = opt_or(r->tags, "");
    const std::string tags = canonical_tags(raw_tags);
    const bool is_template = g.qemu  ? g.qemu->is_template
                             : g.lxc ? g.lxc->is_template
                                     : (r && r->is_template.value_or(false));
    const std::string_view pool = r ? opt_or(r->pool, "") : "";
    const std::string_view machine = g.qemu ? opt_or(g.qemu->running_machine, "") : "";
    const std::string_view qemu_version = g.qemu ? opt_or(g.qemu->running_qemu, "") : "";
    out.add(k_info, 1, labels.plus({tags, is_template ? "1" : "0", pool, machine, qemu_version}));
    if (r && r->hastate) add_state_set(out, k_ha, k_ha_states, *r->hastate, labels);
    const std::optional<std::string> none;
    const std::optional<std::string>& lock = g.qemu  ? g.qemu->lock
                                             : g.lxc ? g.lxc->lock
                                             : r     ? r->lock
                                                     : none;
    if (lock) out.add(k_lock, 1, labels.plus({*lock}));
    if (g.qemu)
      render_qemu(out, *g.qemu, cfg, labels);
    else if (g.lxc)
      render_lxc(out, *g.lxc, l);
    else if (r)
      render_inventory_only(out, *r, l);
  }
}

}  // namespace

Result<void> collect_guest(Scrape& scrape, metrics::MetricSet& out) {
  const config::GuestConfig& cfg = scrape.config().guests;
  Result<GuestFilter> filter = GuestFilter::create(cfg);
  if (!filter) return fail(filter.error());
  // The node list and the inventory in the first wave, both lists of every node in the second.
  static const std::string k_first_wave[] = {"/cluster/status", "/cluster/resources"};
  scrape.api().prefetch(k_first_wave);
  Result<pve::ClusterStatus> status = pve::fetch_cluster_status(scrape.api());
  if (!status) return fail(status.error());
  pve::Failures failures;
  Result<std::shared_ptr<const pve::Resources>> resources =
      pve::fetch_resources_shared(scrape.api());
  if (!resources) failures.note(resources.error());

  std::vector<std::string> nodes;
  for (const std::string& n : pve::online_nodes(*status))
    if (filter->keeps_node(n)) nodes.push_back(n);
  // Both lists of every node in one parallel wave (memoised; the parses below reuse them).
  std::vector<std::string> paths;
  for (const std::string& n : nodes) {
    paths.push_back(pve::node_path(n, "/qemu?full=1"));
    paths.push_back(pve::node_path(n, "/lxc"));
  }
  scrape.api().prefetch(paths);
  std::vector<pve::NodeAnswer<std::vector<pve::QemuStatus>>> qemu =
      pve::fetch_per_node(scrape.api(), nodes, "/qemu?full=1", &pve::parse_qemu_list);
  std::vector<pve::NodeAnswer<std::vector<pve::LxcStatus>>> lxc =
      pve::fetch_per_node(scrape.api(), nodes, "/lxc", &pve::parse_lxc_list);

  using Key = std::pair<pve::GuestType, int64_t>;
  std::map<Key, const pve::GuestResource*> inventory;
  if (resources)
    for (const pve::GuestResource& r : (*resources)->guests)
      inventory.emplace(Key{r.type, r.vmid}, &r);

  std::vector<Guest> guests;
  std::set<std::pair<pve::GuestType, std::string_view>> answered;  // lists that answered
  auto keep = [&](Guest&& g) {
    const pve::GuestResource* r = g.resource;
    std::string_view tags = g.qemu  ? opt_or(g.qemu->tags, "")
                            : g.lxc ? opt_or(g.lxc->tags, "")
                                    : "";
    if (tags.empty() && r) tags = opt_or(r->tags, "");
    if (filter->keeps({g.node, g.name, tags, r ? opt_or(r->pool, "") : ""}))
      guests.push_back(std::move(g));
  };
  auto lookup = [&](pve::GuestType t, int64_t vmid) -> const pve::GuestResource* {
    auto it = inventory.find(Key{t, vmid});
    return it == inventory.end() ? nullptr : it->second;
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string& node = nodes[i];
    out.add(k_node_success, qemu[i].value && lxc[i].value ? 1 : 0, {node});
    if (qemu[i].value) {
      answered.emplace(pve::GuestType::qemu, node);
      for (const pve::QemuStatus& q : *qemu[i].value) {
        const pve::GuestResource* r = lookup(pve::GuestType::qemu, q.vmid);
        keep(Guest{pve::GuestType::qemu, node, std::to_string(q.vmid),
                   opt_or(q.name, r ? opt_or(r->name, "") : ""), q.vmid, r, &q, nullptr});
      }
    } else {
      failures.note(qemu[i].value.error());
    }
    if (lxc[i].value) {
      answered.emplace(pve::GuestType::lxc, node);
      for (const pve::LxcStatus& c : *lxc[i].value) {
        const pve::GuestResource* r = lookup(pve::GuestType::lxc, c.vmid);
        keep(Guest{pve::GuestType::lxc, node, std::to_string(c.vmid),
                   opt_or(c.name, r ? opt_or(r->name, "") : ""), c.vmid, r, nullptr, &c});
      }
    } else {
      failures.note(lxc[i].value.error());
    }
  }
  // Guests on nodes that did not answer (offline or failed): inventory only, status unknown.
  if (resources) {
    for (const pve::GuestResource& r : (*resources)->guests) {
      if (answered.count({r.type, r.node}) != 0) continue;
      keep(Guest{r.type, r.node, std::to_string(r.vmid), opt_or(r.name, ""), r.vmid, &r, nullptr,
                 nullptr});
    }
  }
  std::stable_sort(guests.begin(), guests.end(),
                   [](const Guest& a, const Guest& b) { return a.id < b.id; });
  render(guests, cfg, out);
  return failures.result();
}

}  // namespace pvex::collectors
