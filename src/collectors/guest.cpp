// collectors/guest.cpp: every QEMU VM and LXC container: status, usage, balloon, drives, NICs.
#include <algorithm>
#include <array>
#include <functional>
#include <set>
#include <span>
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

/// The per-guest values, one slot per single-series family (labels node, type, vmid, name).
enum Slot : uint8_t {
  s_cpus,
  s_mem_size,
  s_swap_size,
  s_disk_size,
  s_balloon_min,
  s_balloon_shares,
  s_uptime,
  s_cpu,
  s_mem_used,
  s_mem_host,
  s_swap_used,
  s_disk_used,
  s_net_rx,
  s_net_tx,
  s_disk_read,
  s_disk_written,
  s_balloon_actual,
  s_balloon_max,
  s_balloon_total,
  s_balloon_free,
  s_swapped_in,
  s_swapped_out,
  s_major_faults,
  s_minor_faults,
  s_balloon_update,
  s_psi_cpu_some,
  s_psi_cpu_full,
  s_psi_io_some,
  s_psi_io_full,
  s_psi_mem_some,
  s_psi_mem_full,
  k_slots
};

// The families of the slots, in the order they are written (slot order).
const Family* const k_slot_families[k_slots] = {
    &k_cpus,           &k_mem_size,       &k_swap_size,    &k_disk_size,     &k_balloon_min,
    &k_balloon_shares, &k_uptime,         &k_cpu,          &k_mem_used,      &k_mem_host,
    &k_swap_used,      &k_disk_used,      &k_net_rx,       &k_net_tx,        &k_disk_read,
    &k_disk_written,   &k_balloon_actual, &k_balloon_max,  &k_balloon_total, &k_balloon_free,
    &k_swapped_in,     &k_swapped_out,    &k_major_faults, &k_minor_faults,  &k_balloon_update,
    &k_psi_cpu_some,   &k_psi_cpu_full,   &k_psi_io_some,  &k_psi_io_full,   &k_psi_mem_some,
    &k_psi_mem_full};

/// Up to 64 optional values in a fixed array, while a row is being made.
template <size_t N>
struct Values {
  std::array<double, N> v{};
  uint64_t present = 0;

  template <class T>
  void set(size_t i, const std::optional<T>& value, double scale = 1) {
    if (!value) return;
    v[i] = static_cast<double>(*value) * scale;
    present |= uint64_t{1} << i;
  }
};

constexpr size_t k_drive_values = std::size(k_drive_fields) + 2;  // + highest offset, idle time

/// A row's values as kept until the exposition is out: which are present, and the present ones
/// that are not zero, in field order, in the node's value pool. Zeros take no room: most of a
/// drive's failed, invalid, merged and zone-append counters are 0, and ~60 % of a 10^4-guest
/// scrape's series are drive counters.
struct Packed {
  uint64_t present = 0;
  uint64_t stored = 0;  // present and not zero
  uint32_t first = 0;   // the first stored value's index in the pool
  bool has(size_t i) const { return (present >> i) & 1; }
};

/// The number of set bits, inline: std::popcount is a libgcc call on a baseline x86-64 build
/// (no POPCNT), once per value written.
inline size_t ones(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<size_t>((x * 0x0101010101010101ull) >> 56);
}

/// A string in a node's text arena (offsets: the arena grows while rows are made).
struct Text {
  uint32_t offset = 0;
  uint32_t size = 0;
};

struct DriveRow {
  Text device;
  bool plain = true;  // the device name needs no escaping (metrics::SampleSink::plain)
  Packed values;      // k_drive_fields order, then offset, then idle
};

struct NicRow {
  Text device;
  bool plain = true;
  Packed values;  // received, sent
};

/// One guest's status entry (a QEMU or LXC list element, or the inventory entry of a guest whose
/// node did not answer) reduced to what its series need. Usage values are set only while it
/// runs, so stopped guests get configuration only, never zeros pretending to be usage.
struct StatusRow {
  int64_t vmid = 0;
  Text name, state, raw_tags, lock, machine, qemu_version;  // machine, version: running QEMU
  bool has_name = false, has_lock = false, is_template = false;
  Packed values;
  uint32_t first_drive = 0, drives = 0;  // running QEMU only
  uint32_t first_nic = 0, nics = 0;
};

/// The rows of one node's answer (or of the inventory-only guests) and what they point into.
struct NodeRows {
  std::vector<StatusRow> rows;
  std::vector<DriveRow> drives;
  std::vector<NicRow> nics;
  std::vector<double> pool;  // the rows' stored values
  std::string text;          // the rows' strings

  std::string_view str(Text t) const { return std::string_view(text).substr(t.offset, t.size); }
  double value(const Packed& p, size_t i) const {
    if (!((p.stored >> i) & 1)) return 0;
    return pool[p.first + ones(p.stored & ((uint64_t{1} << i) - 1))];
  }
  Text add(std::string_view s) {
    Text t{static_cast<uint32_t>(text.size()), static_cast<uint32_t>(s.size())};
    text += s;
    return t;
  }
  template <size_t N>
  Packed pack(const Values<N>& v) {
    Packed p{v.present, 0, static_cast<uint32_t>(pool.size())};
    for (size_t i = 0; i < N; ++i) {
      if (!((v.present >> i) & 1) || v.v[i] == 0) continue;
      p.stored |= uint64_t{1} << i;
      pool.push_back(v.v[i]);
    }
    return p;
  }
  /// Gives back the room the vectors grew into (a node's rows live until the answer is sent).
  void shrink() {
    rows.shrink_to_fit();
    drives.shrink_to_fit();
    nics.shrink_to_fit();
    pool.shrink_to_fit();
    text.shrink_to_fit();
  }
};

template <class T>
std::string_view opt_or(const std::optional<T>& v, std::string_view fallback) {
  return v ? std::string_view(*v) : fallback;
}

/// What QEMU and LXC status entries share: identity, configuration flags and, while running,
/// the usage both report under the same names.
template <class Status>
StatusRow common_row(const Status& st, std::string_view state, NodeRows& out, Values<k_slots>& v) {
  StatusRow r;
  r.vmid = st.vmid;
  r.has_name = st.name.has_value();
  r.name = out.add(opt_or(st.name, ""));
  r.state = out.add(state);
  r.raw_tags = out.add(opt_or(st.tags, ""));
  r.is_template = st.is_template;
  r.has_lock = st.lock.has_value();
  r.lock = out.add(opt_or(st.lock, ""));
  v.set(s_cpus, st.cpus);
  v.set(s_mem_size, st.maxmem_bytes);
  v.set(s_disk_size, st.maxdisk_bytes);
  if (st.status != "running") return r;
  v.set(s_uptime, st.uptime_seconds);
  v.set(s_cpu, st.cpu_ratio);
  v.set(s_mem_used, st.mem_bytes);
  v.set(s_net_rx, st.netin_bytes);
  v.set(s_net_tx, st.netout_bytes);
  v.set(s_disk_read, st.diskread_bytes);
  v.set(s_disk_written, st.diskwrite_bytes);
  v.set(s_psi_cpu_some, st.pressure.cpu_some_percent);
  v.set(s_psi_cpu_full, st.pressure.cpu_full_percent);
  v.set(s_psi_io_some, st.pressure.io_some_percent);
  v.set(s_psi_io_full, st.pressure.io_full_percent);
  v.set(s_psi_mem_some, st.pressure.memory_some_percent);
  v.set(s_psi_mem_full, st.pressure.memory_full_percent);
  return r;
}

void qemu_row(const pve::QemuStatus& q, NodeRows& out) {
  Values<k_slots> v;
  StatusRow r = common_row(q, opt_or(q.qmpstatus, opt_or(q.status, "unknown")), out, v);
  v.set(s_balloon_min, q.balloon_min_bytes);
  v.set(s_balloon_shares, q.shares);
  r.machine = out.add(opt_or(q.running_machine, ""));
  r.qemu_version = out.add(opt_or(q.running_qemu, ""));
  if (q.status == "running") {
    v.set(s_mem_host, q.memhost_bytes);
    const pve::BalloonInfo b = q.ballooninfo.value_or(pve::BalloonInfo{});
    v.set(s_balloon_actual, b.actual_bytes ? b.actual_bytes : q.balloon_bytes);
    v.set(s_balloon_max, b.max_mem_bytes);
    v.set(s_balloon_total, b.total_mem_bytes);
    v.set(s_balloon_free, b.free_mem_bytes ? b.free_mem_bytes : q.freemem_bytes);
    v.set(s_swapped_in, b.mem_swapped_in_bytes);
    v.set(s_swapped_out, b.mem_swapped_out_bytes);
    v.set(s_major_faults, b.major_page_faults);
    v.set(s_minor_faults, b.minor_page_faults);
    v.set(s_balloon_update, b.last_update_seconds);
    r.first_drive = static_cast<uint32_t>(out.drives.size());
    r.drives = static_cast<uint32_t>(q.blockstat.size());
    for (const pve::DriveStats& d : q.blockstat) {
      Values<k_drive_values> dv;
      for (size_t i = 0; i < std::size(k_drive_fields); ++i)
        dv.set(i, d.*k_drive_fields[i].member, k_drive_fields[i].scale);
      dv.set(k_drive_values - 2, d.wr_highest_offset);
      dv.set(k_drive_values - 1, d.idle_time_ns, 1e-9);
      const Text device = out.add(d.drive);
      out.drives.push_back({device, !metrics::label_needs_escape(d.drive), out.pack(dv)});
    }
    r.first_nic = static_cast<uint32_t>(out.nics.size());
    r.nics = static_cast<uint32_t>(q.nics.size());
    for (const pve::NicStats& n : q.nics) {
      Values<2> nv;
      nv.set(0, n.netin_bytes);
      nv.set(1, n.netout_bytes);
      const Text device = out.add(n.device);
      out.nics.push_back({device, !metrics::label_needs_escape(n.device), out.pack(nv)});
    }
  }
  r.values = out.pack(v);
  out.rows.push_back(r);
}

void lxc_row(const pve::LxcStatus& c, NodeRows& out) {
  Values<k_slots> v;
  StatusRow r = common_row(c, opt_or(c.status, "unknown"), out, v);
  v.set(s_swap_size, c.maxswap_bytes);
  if (c.status == "running") {
    v.set(s_swap_used, c.swap_bytes);
    v.set(s_disk_used, c.disk_bytes);
  }
  r.values = out.pack(v);
  out.rows.push_back(r);
}

/// A guest whose node did not answer: only what the inventory says about its configuration.
void inventory_row(const pve::GuestResource& g, NodeRows& out) {
  StatusRow r;
  r.vmid = g.vmid;
  r.has_name = g.name.has_value();
  r.name = out.add(opt_or(g.name, ""));
  r.state = out.add("unknown");
  r.raw_tags = out.add(opt_or(g.tags, ""));
  r.is_template = g.is_template.value_or(false);
  r.has_lock = g.lock.has_value();
  r.lock = out.add(opt_or(g.lock, ""));
  Values<k_slots> v;
  v.set(s_cpus, g.maxcpu);
  v.set(s_mem_size, g.maxmem_bytes);
  v.set(s_disk_size, g.maxdisk_bytes);
  r.values = out.pack(v);
  out.rows.push_back(r);
}

// The parsers the session runs on each node's answer: each entry's model straight to its render
// row, so no more than one entry's full model exists at a time.
template <class Status,
          Result<void> (*visit)(std::string_view, const std::function<void(size_t)>&,
                                const std::function<void(Status&&)>&),
          void (*to_row)(const Status&, NodeRows&)>
Result<NodeRows> parse_rows(std::string_view json) {
  NodeRows out;
  Result<void> r = visit(
      json, [&](size_t n) { out.rows.reserve(n); }, [&](Status&& s) { to_row(s, out); });
  if (!r) return fail(r.error());
  out.shrink();
  return out;
}

/// One reported guest: its status row and what the inventory adds (pool, HA state).
struct Guest {
  pve::GuestType type = pve::GuestType::qemu;
  int64_t id = 0;
  const NodeRows* node = nullptr;  // in the model
  const StatusRow* row = nullptr;  // in node->rows
  metrics::LabelPrefix labels;     // node, type, vmid, name: rendered once for ~60 series
  std::string tags;                // canonical_tags() of the guest's tags
  std::string pool;
  std::optional<std::string> hastate;
};

/// What the guest series are written from, kept alive by the set's generators until the
/// exposition is out.
struct GuestModel {
  std::vector<pve::NodeAnswer<NodeRows>> qemu, lxc;
  NodeRows inventory_only;    // guests of nodes that did not answer
  std::vector<Guest> guests;  // sorted by vmid
  std::string label_text;     // the guests' label prefixes, in their order
  bool per_drive = true;
  bool per_nic = true;
};

using Emit = void (*)(const GuestModel&, const Guest&, metrics::SampleSink&);

/// A state set: one series per state, 1 for `current`, and one more for an unknown current.
void emit_states(metrics::SampleSink& sink, const Guest& g,
                 std::span<const std::string_view> states, std::string_view current) {
  bool known = false;
  for (std::string_view s : states) {  // our own words: plain
    known = known || s == current;
    sink.plain(g.labels, {s}, s == current ? 1 : 0);
  }
  if (!known) sink(g.labels, {current}, 1);
}

void emit_status(const GuestModel&, const Guest& g, metrics::SampleSink& sink) {
  if (g.type == pve::GuestType::qemu)
    emit_states(sink, g, k_qemu_states, g.node->str(g.row->state));
  else
    emit_states(sink, g, k_lxc_states, g.node->str(g.row->state));
}

void emit_info(const GuestModel&, const Guest& g, metrics::SampleSink& sink) {
  sink(g.labels,
       {g.tags, g.row->is_template ? "1" : "0", g.pool, g.node->str(g.row->machine),
        g.node->str(g.row->qemu_version)},
       1);
}

void emit_ha(const GuestModel&, const Guest& g, metrics::SampleSink& sink) {
  if (g.hastate) emit_states(sink, g, k_ha_states, *g.hastate);
}

void emit_lock(const GuestModel&, const Guest& g, metrics::SampleSink& sink) {
  if (g.row->has_lock) sink(g.labels, {g.node->str(g.row->lock)}, 1);
}

/// The rows of k_drive_fields that feed `family` (they are next to each other).
std::pair<size_t, size_t> drive_fields_of(const Family* family) {
  size_t first = 0;
  while (first < std::size(k_drive_fields) && k_drive_fields[first].family != family) ++first;
  size_t last = first;
  while (last < std::size(k_drive_fields) && k_drive_fields[last].family == family) ++last;
  return {first, last};
}

/// The drive counters of `family` for every drive of a running VM.
template <const Family* family>
void emit_drive_counters(const GuestModel& m, const Guest& g, metrics::SampleSink& sink) {
  static const std::pair<size_t, size_t> k_range = drive_fields_of(family);
  if (!m.per_drive) return;
  const NodeRows& n = *g.node;
  for (uint32_t k = 0; k < g.row->drives; ++k) {
    const DriveRow& d = n.drives[g.row->first_drive + k];
    const std::string_view device = n.str(d.device);
    for (size_t i = k_range.first; i < k_range.second; ++i) {
      if (!d.values.has(i)) continue;
      if (d.plain)  // the operation words are plain too
        sink.plain(g.labels, {device, k_drive_fields[i].operation}, n.value(d.values, i));
      else
        sink(g.labels, {device, k_drive_fields[i].operation}, n.value(d.values, i));
    }
  }
}

/// One value per device (drive or NIC) of a running VM: the `index`th of each device row.
template <class Row, size_t index>
void emit_per_device(const Guest& g, std::span<const Row> rows, metrics::SampleSink& sink) {
  const NodeRows& n = *g.node;
  for (const Row& d : rows) {
    if (!d.values.has(index)) continue;
    if (d.plain)
      sink.plain(g.labels, {n.str(d.device)}, n.value(d.values, index));
    else
      sink(g.labels, {n.str(d.device)}, n.value(d.values, index));
  }
}

template <size_t index>
void emit_drive_gauge(const GuestModel& m, const Guest& g, metrics::SampleSink& sink) {
  if (!m.per_drive) return;
  emit_per_device<DriveRow, index>(
      g, std::span<const DriveRow>(g.node->drives).subspan(g.row->first_drive, g.row->drives),
      sink);
}

template <size_t index>
void emit_nic(const GuestModel& m, const Guest& g, metrics::SampleSink& sink) {
  if (!m.per_nic) return;
  emit_per_device<NicRow, index>(
      g, std::span<const NicRow>(g.node->nics).subspan(g.row->first_nic, g.row->nics), sink);
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
    {&k_drive_offset, &emit_drive_gauge<k_drive_values - 2>},
    {&k_drive_idle, &emit_drive_gauge<k_drive_values - 1>},
    {&k_if_rx, &emit_nic<0>},
    {&k_if_tx, &emit_nic<1>},
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
  for (size_t slot = 0; slot < k_slots; ++slot) {
    out.add_generated(*k_slot_families[slot],
                      {rows, [model, slot](size_t row, metrics::SampleSink& sink) {
                         const Guest& g = model->guests[row];
                         if (g.row->values.has(slot))
                           sink(g.labels, g.node->value(g.row->values, slot));
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
  auto model = std::make_shared<GuestModel>();
  model->per_drive = cfg.per_drive;
  model->per_nic = cfg.per_nic;
  // This collector is the lists' only reader: each answer is freed once it is rows.
  model->qemu =
      pve::fetch_per_node(scrape.api(), nodes, "/qemu?full=1",
                          &parse_rows<pve::QemuStatus, &pve::visit_qemu_list, &qemu_row>, true);
  model->lxc =
      pve::fetch_per_node(scrape.api(), nodes, "/lxc",
                          &parse_rows<pve::LxcStatus, &pve::visit_lxc_list, &lxc_row>, true);

  // The inventory by (type, vmid), sorted for lookups.
  using Key = std::pair<pve::GuestType, int64_t>;
  std::vector<std::pair<Key, const pve::GuestResource*>> inventory;
  if (resources) {
    inventory.reserve((*resources)->guests.size());
    for (const pve::GuestResource& r : (*resources)->guests)
      inventory.emplace_back(Key{r.type, r.vmid}, &r);
    // Stable: of two entries with one key the first counts, as a map's emplace kept it.
    std::stable_sort(inventory.begin(), inventory.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  auto lookup = [&](pve::GuestType t, int64_t vmid) -> const pve::GuestResource* {
    auto it = std::lower_bound(inventory.begin(), inventory.end(), Key{t, vmid},
                               [](const auto& e, const Key& k) { return e.first < k; });
    return it != inventory.end() && it->first == Key{t, vmid} ? it->second : nullptr;
  };

  std::vector<Guest>& guests = model->guests;
  // A guest from its status row and inventory entry (r), if the filter lets it through.
  auto keep = [&](pve::GuestType type, std::string_view node, const NodeRows& rows,
                  const StatusRow& row, const pve::GuestResource* r) {
    std::string_view tags = rows.str(row.raw_tags);
    if (tags.empty() && r) tags = opt_or(r->tags, "");
    const std::string_view name = row.has_name ? rows.str(row.name) : r ? opt_or(r->name, "") : "";
    const std::string_view pool = r ? opt_or(r->pool, "") : "";
    if (!filter->keeps({node, name, tags, pool})) return;
    Guest& g = guests.emplace_back();
    g.type = type;
    g.id = row.vmid;
    g.node = &rows;
    g.row = &row;
    const std::string vmid = std::to_string(row.vmid);
    const std::string_view values[] = {node, pve::to_string(type), vmid, name};
    g.labels = metrics::LabelPrefix(k_g, values);
    g.tags = canonical_tags(tags);
    g.pool = pool;
    if (r) g.hastate = r->hastate;
  };
  std::set<std::pair<pve::GuestType, std::string_view>> answered;  // lists that answered
  // Every guest at most once: the listed ones plus the inventory's on nodes whose list did not
  // answer. Reserved, so the guests are not copied while growing nor kept at doubled capacity.
  size_t bound = 0, inventory_only = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (model->qemu[i].value) {
      answered.emplace(pve::GuestType::qemu, nodes[i]);
      bound += model->qemu[i].value->rows.size();
    }
    if (model->lxc[i].value) {
      answered.emplace(pve::GuestType::lxc, nodes[i]);
      bound += model->lxc[i].value->rows.size();
    }
  }
  if (resources)
    for (const pve::GuestResource& r : (*resources)->guests)
      inventory_only += answered.count({r.type, r.node}) == 0 ? 1 : 0;
  guests.reserve(bound + inventory_only);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string& node = nodes[i];
    const auto& qemu = model->qemu[i].value;
    const auto& lxc = model->lxc[i].value;
    out.add(k_node_success, qemu && lxc ? 1 : 0, {node});
    if (qemu) {
      for (const StatusRow& row : qemu->rows)
        keep(pve::GuestType::qemu, node, *qemu, row, lookup(pve::GuestType::qemu, row.vmid));
    } else {
      failures.note(qemu.error());
    }
    if (lxc) {
      for (const StatusRow& row : lxc->rows)
        keep(pve::GuestType::lxc, node, *lxc, row, lookup(pve::GuestType::lxc, row.vmid));
    } else {
      failures.note(lxc.error());
    }
  }
  // Guests on nodes that did not answer (offline or failed): inventory only, status unknown.
  // The rows are reserved first: the guests point at them.
  if (resources && inventory_only > 0) {
    NodeRows& rows = model->inventory_only;
    rows.rows.reserve(inventory_only);
    for (const pve::GuestResource& r : (*resources)->guests) {
      if (answered.count({r.type, r.node}) != 0) continue;
      inventory_row(r, rows);
      keep(r.type, r.node, rows, rows.rows.back(), &r);
    }
  }
  std::stable_sort(guests.begin(), guests.end(),
                   [](const Guest& a, const Guest& b) { return a.id < b.id; });
  // The label prefixes in one buffer, in the order the writer reads them (each family passes
  // over every guest): one allocation instead of one per guest, read front to back.
  size_t label_bytes = 0;
  for (const Guest& g : guests) label_bytes += g.labels.text().size();
  std::string& arena = model->label_text;
  arena.reserve(label_bytes);  // exact: the views taken below never move
  for (Guest& g : guests) {
    const size_t at = arena.size();
    arena += g.labels.text();
    g.labels = metrics::LabelPrefix::in(std::string_view(arena).substr(at), g.labels.size());
  }
  render(std::move(model), out);
  return failures.result();
}

}  // namespace pvex::collectors
