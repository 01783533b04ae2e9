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
  std::string_view node;  // into the model's answers or the inventory (alive as long as it)
  std::string vmid;
  std::string_view name;  // into the guest's status or inventory entry
  int64_t id = 0;
  const pve::GuestResource* resource = nullptr;
  const pve::QemuStatus* qemu = nullptr;
  const pve::LxcStatus* lxc = nullptr;
  metrics::LabelPrefix labels;  // node, type, vmid, name: rendered once for ~60 series
  bool running = false;         // status "running" (usage series exist only then)
  std::string tags;             // canonical_tags() of the guest's tags
};

/// What the guest series are written from, kept alive by the set's generators until the
/// exposition is out: the parsed answers and one row per reported guest, sorted by vmid.
struct GuestModel {
  std::vector<pve::NodeAnswer<std::vector<pve::QemuStatus>>> qemu;
  std::vector<pve::NodeAnswer<std::vector<pve::LxcStatus>>> lxc;
  std::shared_ptr<const pve::Resources> resources;
  std::vector<Guest> guests;
  bool per_drive = true;
  bool per_nic = true;
};

using Value = std::optional<double>;

template <class T>
Value num(const std::optional<T>& v, double scale = 1) {
  return v ? Value(static_cast<double>(*v) * scale) : std::nullopt;
}

template <class T>
std::string_view opt_or(const std::optional<T>& v, std::string_view fallback) {
  return v ? std::string_view(*v) : fallback;
}

/// The guest's status entry when it is running (usage series exist only then).
const pve::QemuStatus* running_qemu(const Guest& g) {
  return g.running ? g.qemu : nullptr;
}
const pve::LxcStatus* running_lxc(const Guest& g) {
  return g.running ? g.lxc : nullptr;
}

const pve::BalloonInfo k_no_balloon{};
const pve::BalloonInfo& balloon(const pve::QemuStatus& q) {
  return q.ballooninfo ? *q.ballooninfo : k_no_balloon;
}

/// The pressure averages of a running guest, or null.
const pve::Pressure* pressure(const Guest& g) {
  if (const pve::QemuStatus* q = running_qemu(g)) return &q->pressure;
  if (const pve::LxcStatus* c = running_lxc(g)) return &c->pressure;
  return nullptr;
}

/// One series per guest (labels node, type, vmid, name): its value, or none for this guest.
struct Column {
  const Family* family;
  Value (*value)(const Guest&);
};

// In the order the families are written. A guest whose node did not answer has only what the
// inventory says about its configuration; stopped guests only their configuration.
const Column k_columns[] = {
    {&k_cpus,
     [](const Guest& g) -> Value {
       return g.qemu ? num(g.qemu->cpus) : g.lxc ? num(g.lxc->cpus) : num(g.resource->maxcpu);
     }},
    {&k_mem_size,
     [](const Guest& g) -> Value {
       return g.qemu  ? num(g.qemu->maxmem_bytes)
              : g.lxc ? num(g.lxc->maxmem_bytes)
                      : num(g.resource->maxmem_bytes);
     }},
    {&k_swap_size,
     [](const Guest& g) -> Value { return g.lxc ? num(g.lxc->maxswap_bytes) : Value(); }},
    {&k_disk_size,
     [](const Guest& g) -> Value {
       return g.qemu  ? num(g.qemu->maxdisk_bytes)
              : g.lxc ? num(g.lxc->maxdisk_bytes)
                      : num(g.resource->maxdisk_bytes);
     }},
    {&k_balloon_min,
     [](const Guest& g) -> Value { return g.qemu ? num(g.qemu->balloon_min_bytes) : Value(); }},
    {&k_balloon_shares,
     [](const Guest& g) -> Value { return g.qemu ? num(g.qemu->shares) : Value(); }},
    {&k_uptime,
     [](const Guest& g) -> Value {
       if (const pve::QemuStatus* q = running_qemu(g)) return num(q->uptime_seconds);
       if (const pve::LxcStatus* c = running_lxc(g)) return num(c->uptime_seconds);
       return {};
     }},
    {&k_cpu,
     [](const Guest& g) -> Value {
       if (const pve::QemuStatus* q = running_qemu(g)) return num(q->cpu_ratio);
       if (const pve::LxcStatus* c = running_lxc(g)) return num(c->cpu_ratio);
       return {};
     }},
    {&k_mem_used,
     [](const Guest& g) -> Value {
       if (const pve::QemuStatus* q = running_qemu(g)) return num(q->mem_bytes);
       if (const pve::LxcStatus* c = running_lxc(g)) return num(c->mem_bytes);
       return {};
     }},
    {&k_mem_host,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       return q ? num(q->memhost_bytes) : Value();
     }},
    {&k_swap_used,
     [](const Guest& g) -> Value {
       const pve::LxcStatus* c = running_lxc(g);
       return c ? num(c->swap_bytes) : Value();
     }},
    {&k_disk_used,
     [](const Guest& g) -> Value {
       const pve::LxcStatus* c = running_lxc(g);
       return c ? num(c->disk_bytes) : Value();
     }},
    {&k_net_rx,
     [](const Guest& g) -> Value {
       if (const pve::QemuStatus* q = running_qemu(g)) return num(q->netin_bytes);
       if (const pve::LxcStatus* c = running_lxc(g)) return num(c->netin_bytes);
       return {};
     }},
    {&k_net_tx,
     [](const Guest& g) -> Value {
       if (const pve::QemuStatus* q = running_qemu(g)) return num(q->netout_bytes);
       if (const pve::LxcStatus* c = running_lxc(g)) return num(c->netout_bytes);
       return {};
     }},
    {&k_disk_read,
     [](const Guest& g) -> Value {
       if (const pve::QemuStatus* q = running_qemu(g)) return num(q->diskread_bytes);
       if (const pve::LxcStatus* c = running_lxc(g)) return num(c->diskread_bytes);
       return {};
     }},
    {&k_disk_written,
     [](const Guest& g) -> Value {
       if (const pve::QemuStatus* q = running_qemu(g)) return num(q->diskwrite_bytes);
       if (const pve::LxcStatus* c = running_lxc(g)) return num(c->diskwrite_bytes);
       return {};
     }},
    {&k_balloon_actual,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       if (!q) return {};
       const pve::BalloonInfo& b = balloon(*q);
       return num(b.actual_bytes ? b.actual_bytes : q->balloon_bytes);
     }},
    {&k_balloon_max,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       return q ? num(balloon(*q).max_mem_bytes) : Value();
     }},
    {&k_balloon_total,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       return q ? num(balloon(*q).total_mem_bytes) : Value();
     }},
    {&k_balloon_free,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       if (!q) return {};
       const pve::BalloonInfo& b = balloon(*q);
       return num(b.free_mem_bytes ? b.free_mem_bytes : q->freemem_bytes);
     }},
    {&k_swapped_in,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       return q ? num(balloon(*q).mem_swapped_in_bytes) : Value();
     }},
    {&k_swapped_out,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       return q ? num(balloon(*q).mem_swapped_out_bytes) : Value();
     }},
    {&k_major_faults,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       return q ? num(balloon(*q).major_page_faults) : Value();
     }},
    {&k_minor_faults,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       return q ? num(balloon(*q).minor_page_faults) : Value();
     }},
    {&k_balloon_update,
     [](const Guest& g) -> Value {
       const pve::QemuStatus* q = running_qemu(g);
       return q ? num(balloon(*q).last_update_seconds) : Value();
     }},
    {&k_psi_cpu_some,
     [](const Guest& g) -> Value {
       const pve::Pressure* p = pressure(g);
       return p ? p->cpu_some_percent : Value();
     }},
    {&k_psi_cpu_full,
     [](const Guest& g) -> Value {
       const pve::Pressure* p = pressure(g);
       return p ? p->cpu_full_percent : Value();
     }},
    {&k_psi_io_some,
     [](const Guest& g) -> Value {
       const pve::Pressure* p = pressure(g);
       return p ? p->io_some_percent : Value();
     }},
    {&k_psi_io_full,
     [](const Guest& g) -> Value {
       const pve::Pressure* p = pressure(g);
       return p ? p->io_full_percent : Value();
     }},
    {&k_psi_mem_some,
     [](const Guest& g) -> Value {
       const pve::Pressure* p = pressure(g);
       return p ? p->memory_some_percent : Value();
     }},
    {&k_psi_mem_full,
     [](const Guest& g) -> Value {
       const pve::Pressure* p = pressure(g);
       return p ? p->memory_full_percent : Value();
     }},
};

using Emit = void (*)(const GuestModel&, const Guest&, metrics::SampleSink&);

/// A state set: one series per state, 1 for `current`, and one more for an unknown current.
void emit_states(metrics::SampleSink& sink, const Guest& g,
                 std::span<const std::string_view> states, std::string_view current) {
  bool known = false;
  for (std::string_view s : states) {
    known = known || s == current;
    sink(g.labels, {s}, s == current ? 1 : 0);
  }
  if (!known) sink(g.labels, {current}, 1);
}

void emit_status(const GuestModel&, const Guest& g, metrics::SampleSink& sink) {
  std::string_view status = "unknown";
  if (g.qemu) status = opt_or(g.qemu->qmpstatus, opt_or(g.qemu->status, "unknown"));
  if (g.lxc) status = opt_or(g.lxc->status, "unknown");
  if (g.type == pve::GuestType::qemu)
    emit_states(sink, g, k_qemu_states, status);
  else
    emit_states(sink, g, k_lxc_states, status);
}

void emit_info(const GuestModel&, const Guest& g, metrics::SampleSink& sink) {
  const pve::GuestResource* r = g.resource;
  const bool is_template = g.qemu  ? g.qemu->is_template
                           : g.lxc ? g.lxc->is_template
                                   : (r && r->is_template.value_or(false));
  const std::string_view pool = r ? opt_or(r->pool, "") : "";
  const std::string_view machine = g.qemu ? opt_or(g.qemu->running_machine, "") : "";
  const std::string_view qemu_version = g.qemu ? opt_or(g.qemu->running_qemu, "") : "";
  sink(g.labels, {g.tags, is_template ? "1" : "0", pool, machine, qemu_version}, 1);
}

void emit_ha(const GuestModel&, const Guest& g, metrics::SampleSink& sink) {
  if (g.resource && g.resource->hastate) emit_states(sink, g, k_ha_states, *g.resource->hastate);
}

void emit_lock(const GuestModel&, const Guest& g, metrics::SampleSink& sink) {
  const std::optional<std::string>* lock = g.qemu  ? &g.qemu->lock
                                           : g.lxc ? &g.lxc->lock
                                                   : &g.resource->lock;
  if (*lock) sink(g.labels, {**lock}, 1);
}

/// The rows of k_drive_fields that feed `family` (they are next to each other).
std::span<const DriveField> drive_fields_of(const Family* family) {
  const DriveField* first = std::find_if(std::begin(k_drive_fields), std::end(k_drive_fields),
                                         [&](const DriveField& f) { return f.family == family; });
  const DriveField* last = std::find_if(first, std::end(k_drive_fields),
                                        [&](const DriveField& f) { return f.family != family; });
  return {first, last};
}

/// The drive counters of `family` for every drive of a running VM.
template <const Family* family>
void emit_drive_counters(const GuestModel& m, const Guest& g, metrics::SampleSink& sink) {
  static const std::span<const DriveField> k_fields = drive_fields_of(family);
  const pve::QemuStatus* q = running_qemu(g);
  if (!q || !m.per_drive) return;
  for (const pve::DriveStats& d : q->blockstat)
    for (const DriveField& f : k_fields)
      if (d.*f.member)
        sink(g.labels, {d.drive, f.operation}, static_cast<double>(*(d.*f.member)) * f.scale);
}

template <std::optional<uint64_t> pve::DriveStats::*member, int scale_exp>
void emit_drive_gauge(const GuestModel& m, const Guest& g, metrics::SampleSink& sink) {
  const pve::QemuStatus* q = running_qemu(g);
  if (!q || !m.per_drive) return;
  for (const pve::DriveStats& d : q->blockstat)
    if (d.*member)
      sink(g.labels, {d.drive}, static_cast<double>(*(d.*member)) * (scale_exp ? 1e-9 : 1));
}

template <std::optional<uint64_t> pve::NicStats::*member>
void emit_nic(const GuestModel& m, const Guest& g, metrics::SampleSink& sink) {
  const pve::QemuStatus* q = running_qemu(g);
  if (!q || !m.per_nic) return;
  for (const pve::NicStats& n : q->nics)
    if (n.*member) sink(g.labels, {n.device}, static_cast<double>(*(n.*member)));
}

/// Families with other labels than the guest's own, or several series per guest.
struct Series {
  const Family* family;
  Emit emit;
};

const Series k_leading[] = {
    {&k_status, &emit_status}, {&k_info, &emit_info}, {&k_ha, &emit_ha}, {&k_lock, &emit_lock}};

const Series k_trailing[] = {
    {&k_drive_bytes, &emit_drive_counters<&k_drive_bytes>},
    {&k_drive_ops, &emit_drive_counters<&k_drive_ops>},
    {&k_drive_merged, &emit_drive_counters<&k_drive_merged>},
    {&k_drive_failed, &emit_drive_counters<&k_drive_failed>},
    {&k_drive_invalid, &emit_drive_counters<&k_drive_invalid>},
    {&k_drive_time, &emit_drive_counters<&k_drive_time>},
    {&k_drive_offset, &emit_drive_gauge<&pve::DriveStats::wr_highest_offset, 0>},
    {&k_drive_idle, &emit_drive_gauge<&pve::DriveStats::idle_time_ns, 1>},
    {&k_if_rx, &emit_nic<&pve::NicStats::netin_bytes>},
    {&k_if_tx, &emit_nic<&pve::NicStats::netout_bytes>},
};

/// Adds every guest family to `out` as generated samples: nothing per series is stored, the
/// writer reads `model` (which the generators keep alive) when the exposition goes out.
void render(std::shared_ptr<const GuestModel> model, metrics::MetricSet& out) {
  const size_t rows = model->guests.size();
  auto add_series = [&](const Series& s) {
    out.add_generated(*s.family,
                      {rows, [model, emit = s.emit](size_t row, metrics::SampleSink& sink) {
                         emit(*model, model->guests[row], sink);
                       }});
  };
  for (const Series& s : k_leading) add_series(s);
  for (const Column& c : k_columns) {
    out.add_generated(*c.family,
                      {rows, [model, value = c.value](size_t row, metrics::SampleSink& sink) {
                         const Guest& g = model->guests[row];
                         if (const Value v = value(g)) sink(g.labels, *v);
                       }});
  }
  for (const Series& s : k_trailing) add_series(s);
}

}  // namespace

Result<void> collect_guest(Scrape& scrape, metrics::MetricSet& out) {
  const config::GuestConfig& cfg = scrape.config().guests;
  Result<GuestFilter> filter = GuestFilter::create(cfg);
  if (!filter) return fail(filter.error());
  // The node list and the inventory in the first wave, both lists of every node in the second.
  static const std::string k_first_wave[] = {"/cluster/status", "/cluster/resources"};
  (void)scrape.api().get_all(k_first_wave);
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
  (void)scrape.api().get_all(paths);
  auto model = std::make_shared<GuestModel>();
  model->per_drive = cfg.per_drive;
  model->per_nic = cfg.per_nic;
  model->qemu = pve::fetch_per_node(scrape.api(), nodes, "/qemu?full=1", &pve::parse_qemu_list);
  model->lxc = pve::fetch_per_node(scrape.api(), nodes, "/lxc", &pve::parse_lxc_list);
  const auto& qemu = model->qemu;
  const auto& lxc = model->lxc;
  if (resources) model->resources = *resources;

  using Key = std::pair<pve::GuestType, int64_t>;
  std::map<Key, const pve::GuestResource*> inventory;
  if (resources)
    for (const pve::GuestResource& r : (*resources)->guests)
      inventory.emplace(Key{r.type, r.vmid}, &r);

  std::vector<Guest>& guests = model->guests;
  std::set<std::pair<pve::GuestType, std::string_view>> answered;  // lists that answered
  // A guest from its status entry (q or c; none when its node did not answer) and inventory
  // entry (r), if the filter lets it through.
  auto keep = [&](pve::GuestType type, std::string_view node, int64_t vmid, std::string_view name,
                  const pve::GuestResource* r, const pve::QemuStatus* q, const pve::LxcStatus* c) {
    std::string_view tags = q ? opt_or(q->tags, "") : c ? opt_or(c->tags, "") : "";
    if (tags.empty() && r) tags = opt_or(r->tags, "");
    if (!filter->keeps({node, name, tags, r ? opt_or(r->pool, "") : ""})) return;
    Guest& g = guests.emplace_back();
    g.type = type;
    g.node = node;
    g.vmid = std::to_string(vmid);
    g.name = name;
    g.id = vmid;
    g.resource = r;
    g.qemu = q;
    g.lxc = c;
    g.tags = canonical_tags(tags);
  };
  auto lookup = [&](pve::GuestType t, int64_t vmid) -> const pve::GuestResource* {
    auto it = inventory.find(Key{t, vmid});
    return it == inventory.end() ? nullptr : it->second;
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string& node = qemu[i].node;  // the model's copy: the views outlive this function
    out.add(k_node_success, qemu[i].value && lxc[i].value ? 1 : 0, {node});
    if (qemu[i].value) {
      answered.emplace(pve::GuestType::qemu, node);
      for (const pve::QemuStatus& q : *qemu[i].value) {
        const pve::GuestResource* r = lookup(pve::GuestType::qemu, q.vmid);
        keep(pve::GuestType::qemu, node, q.vmid, opt_or(q.name, r ? opt_or(r->name, "") : ""), r,
             &q, nullptr);
      }
    } else {
      failures.note(qemu[i].value.error());
    }
    if (lxc[i].value) {
      answered.emplace(pve::GuestType::lxc, node);
      for (const pve::LxcStatus& c : *lxc[i].value) {
        const pve::GuestResource* r = lookup(pve::GuestType::lxc, c.vmid);
        keep(pve::GuestType::lxc, node, c.vmid, opt_or(c.name, r ? opt_or(r->name, "") : ""), r,
             nullptr, &c);
      }
    } else {
      failures.note(lxc[i].value.error());
    }
  }
  // Guests on nodes that did not answer (offline or failed): inventory only, status unknown.
  if (resources) {
    for (const pve::GuestResource& r : (*resources)->guests) {
      if (answered.count({r.type, r.node}) != 0) continue;
      keep(r.type, r.node, r.vmid, opt_or(r.name, ""), &r, nullptr, nullptr);
    }
  }
  std::stable_sort(guests.begin(), guests.end(),
                   [](const Guest& a, const Guest& b) { return a.id < b.id; });
  for (Guest& g : guests) {
    const std::string_view values[] = {g.node, pve::to_string(g.type), g.vmid, g.name};
    g.labels = metrics::LabelPrefix(k_g, values);
    g.running = (g.qemu && g.qemu->status == "running") || (g.lxc && g.lxc->status == "running");
  }
  render(std::move(model), out);
  return failures.result();
}

}  // namespace pvex::collectors
