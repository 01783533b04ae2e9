// Models and parsers of guest status: GET /nodes/{node}/qemu?full=1, /nodes/{node}/lxc and the
// per-guest status/current answers. Together they carry every field pvestatd pushes for guests.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

/// `ha` of status/current.
struct HaState {
  bool managed = false;
  std::optional<std::string> state;  // HA manager state when managed
  std::optional<std::string> group;  // PVE 8

  bool operator==(const HaState&) const = default;
};

/// Cgroup pressure stall information ("avg10", percent 0-100); PVE 9, running guests only.
/// LXC sends these as strings ("0.00"); both forms parse.
struct Pressure {
  std::optional<double> cpu_some_percent, cpu_full_percent;
  std::optional<double> io_some_percent, io_full_percent;
  std::optional<double> memory_some_percent, memory_full_percent;

  bool operator==(const Pressure&) const = default;
};

/// QEMU block statistics of one drive since VM start (`blockstat.<drive>`). Field names are
/// QEMU's: *_bytes are bytes, *_ns nanoseconds, *_operations and *_merged counts; all
/// counters except wr_highest_offset (bytes) and idle_time_ns (gauges). Booleans and
/// `timed_stats` are dropped, as pvestatd drops them.
struct DriveStats {
  std::string drive;  // scsi0, virtio1, ide2, efidisk0, ...
  std::optional<uint64_t> rd_bytes, wr_bytes, unmap_bytes;
  std::optional<uint64_t> rd_operations, wr_operations, flush_operations, unmap_operations;
  std::optional<uint64_t> rd_merged, wr_merged, unmap_merged;
  std::optional<uint64_t> rd_total_time_ns, wr_total_time_ns, flush_total_time_ns,
      unmap_total_time_ns;
  std::optional<uint64_t> failed_rd_operations, failed_wr_operations, failed_flush_operations,
      failed_unmap_operations;
  std::optional<uint64_t> invalid_rd_operations, invalid_wr_operations, invalid_flush_operations,
      invalid_unmap_operations;
  std::optional<uint64_t> zone_append_bytes, zone_append_operations, zone_append_merged,
      zone_append_total_time_ns, failed_zone_append_operations, invalid_zone_append_operations;
  std::optional<uint64_t> wr_highest_offset;  // gauge, bytes
  std::optional<uint64_t> idle_time_ns;       // gauge; absent before the first I/O

  bool operator==(const DriveStats&) const = default;
};

/// The numeric members of DriveStats with their QEMU key, in alphabetical key order (the order
/// pvestatd pushes them), so renderers can loop instead of naming 30 fields.
struct DriveStatsField {
  std::string_view key;
  std::optional<uint64_t> DriveStats::*member;
};
const std::vector<DriveStatsField>& drive_stats_fields();

/// One tap device of a VM (`nics.tap<vmid>i<n>`), guest perspective.
struct NicStats {
  std::string device;  // tap100i0
  std::optional<uint64_t> netin_bytes, netout_bytes;

  bool operator==(const NicStats&) const = default;
};

/// `ballooninfo` (running VM with a balloon device). The statistic keys appear only when the
/// guest's balloon driver reports them.
struct BalloonInfo {
  std::optional<uint64_t> actual_bytes, max_mem_bytes;
  std::optional<uint64_t> total_mem_bytes, free_mem_bytes;
  std::optional<uint64_t> mem_swapped_in_bytes, mem_swapped_out_bytes;  // counters
  std::optional<uint64_t> major_page_faults, minor_page_faults;         // counters
  std::optional<int64_t> last_update_seconds;                           // epoch

  bool operator==(const BalloonInfo&) const = default;
};

/// The full status of one VM (qemu?full=1 entry or qemu/{vmid}/status/current). Keys that PVE
/// only sends when applicable stay nullopt when absent (pve-api.md §6.11).
struct QemuStatus {
  int64_t vmid = 0;
  std::optional<std::string> name;
  std::optional<std::string> status;     // running, stopped
  std::optional<std::string> qmpstatus;  // QEMU run state; only with full=1
  std::optional<int64_t> pid;
  std::optional<uint64_t> uptime_seconds;
  std::optional<double> cpu_ratio;  // of the VM's vCPUs
  std::optional<double> cpus;
  std::optional<uint64_t> mem_bytes, maxmem_bytes;
  std::optional<uint64_t> memhost_bytes;  // PVE 9
  std::optional<uint64_t> balloon_bytes, freemem_bytes, balloon_min_bytes;
  std::optional<int64_t> shares;
  std::optional<uint64_t> disk_bytes;  // always 0
  std::optional<uint64_t> maxdisk_bytes;
  std::optional<uint64_t> netin_bytes, netout_bytes;
  std::optional<uint64_t> diskread_bytes, diskwrite_bytes;
  bool is_template = false;
  bool has_serial = false;
  std::optional<bool> agent;
  std::optional<std::string> lock;
  std::optional<std::string> tags;
  std::optional<std::string> running_machine, running_qemu;
  Pressure pressure;
  std::optional<BalloonInfo> ballooninfo;
  std::vector<DriveStats> blockstat;               // sorted by drive name
  std::vector<NicStats> nics;                      // sorted by device name
  std::optional<std::string> pbs_library_version;  // proxmox-support
  std::optional<HaState> ha;                       // status/current only

  bool operator==(const QemuStatus&) const = default;
};

/// The status of one container (lxc list entry or lxc/{vmid}/status/current).
struct LxcStatus {
  int64_t vmid = 0;
  std::optional<std::string> name;
  std::optional<std::string> status;  // running, stopped
  std::optional<int64_t> pid;
  std::optional<uint64_t> uptime_seconds;
  std::optional<double> cpu_ratio;
  std::optional<double> cpus;  // a string when only cpulimit is set
  std::optional<uint64_t> mem_bytes, maxmem_bytes;
  std::optional<uint64_t> swap_bytes, maxswap_bytes;
  std::optional<uint64_t> disk_bytes, maxdisk_bytes;
  std::optional<uint64_t> diskread_bytes, diskwrite_bytes;
  std::optional<uint64_t> netin_bytes, netout_bytes;
  bool is_template = false;
  std::optional<std::string> lock;
  std::optional<std::string> tags;
  Pressure pressure;
  std::optional<HaState> ha;  // status/current only

  bool operator==(const LxcStatus&) const = default;
};

/// Parses GET /nodes/{node}/qemu (with or without full=1). An entry without a numeric `vmid`
/// -> ErrorKind::parse naming the index.
Result<std::vector<QemuStatus>> parse_qemu_list(std::string_view json);
/// Parses GET /nodes/{node}/qemu/{vmid}/status/current.
Result<QemuStatus> parse_qemu_status(std::string_view json);
/// Parses GET /nodes/{node}/lxc.
Result<std::vector<LxcStatus>> parse_lxc_list(std::string_view json);

/// parse_qemu_list / parse_lxc_list one entry at a time, for callers that reduce the entries
/// (the guest collector's render rows) and so never need the whole list's models at once:
/// `count(n)` with the number of entries, then `each(entry)` for every entry in order. The same
/// errors (the entries before a malformed one have been handed over).
Result<void> visit_qemu_list(std::string_view json, const std::function<void(size_t)>& count,
                             const std::function<void(QemuStatus&&)>& each);
Result<void> visit_lxc_list(std::string_view json, const std::function<void(size_t)>& count,
                            const std::function<void(LxcStatus&&)>& each);
/// Parses GET /nodes/{node}/lxc/{vmid}/status/current.
Result<LxcStatus> parse_lxc_status(std::string_view json);

}  // namespace pvex::pve
