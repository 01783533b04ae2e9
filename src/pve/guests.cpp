// Parsers of QEMU and LXC guest status (lists and status/current).
#include "pve/guests.hpp"

#include <algorithm>

#include "pve/json.hpp"

namespace pvex::pve {

const std::vector<DriveStatsField>& drive_stats_fields() {
  static const std::vector<DriveStatsField> k_fields = {
      {"failed_flush_operations", &DriveStats::failed_flush_operations},
      {"failed_rd_operations", &DriveStats::failed_rd_operations},
      {"failed_unmap_operations", &DriveStats::failed_unmap_operations},
      {"failed_wr_operations", &DriveStats::failed_wr_operations},
      {"failed_zone_append_operations", &DriveStats::failed_zone_append_operations},
      {"flush_operations", &DriveStats::flush_operations},
      {"flush_total_time_ns", &DriveStats::flush_total_time_ns},
      {"idle_time_ns", &DriveStats::idle_time_ns},
      {"invalid_flush_operations", &DriveStats::invalid_flush_operations},
      {"invalid_rd_operations", &DriveStats::invalid_rd_operations},
      {"invalid_unmap_operations", &DriveStats::invalid_unmap_operations},
      {"invalid_wr_operations", &DriveStats::invalid_wr_operations},
      {"invalid_zone_append_operations", &DriveStats::invalid_zone_append_operations},
      {"rd_bytes", &DriveStats::rd_bytes},
      {"rd_merged", &DriveStats::rd_merged},
      {"rd_operations", &DriveStats::rd_operations},
      {"rd_total_time_ns", &DriveStats::rd_total_time_ns},
      {"unmap_bytes", &DriveStats::unmap_bytes},
      {"unmap_merged", &DriveStats::unmap_merged},
      {"unmap_operations", &DriveStats::unmap_operations},
      {"unmap_total_time_ns", &DriveStats::unmap_total_time_ns},
      {"wr_bytes", &DriveStats::wr_bytes},
      {"wr_highest_offset", &DriveStats::wr_highest_offset},
      {"wr_merged", &DriveStats::wr_merged},
      {"wr_operations", &DriveStats::wr_operations},
      {"wr_total_time_ns", &DriveStats::wr_total_time_ns},
      {"zone_append_bytes", &DriveStats::zone_append_bytes},
      {"zone_append_merged", &DriveStats::zone_append_merged},
      {"zone_append_operations", &DriveStats::zone_append_operations},
      {"zone_append_total_time_ns", &DriveStats::zone_append_total_time_ns},
  };
  return k_fields;
}

namespace {

Pressure parse_pressure(json::Object obj) {
  return Pressure{
      json::opt_double(obj, "pressurecpusome"),    json::opt_double(obj, "pressurecpufull"),
      json::opt_double(obj, "pressureiosome"),     json::opt_double(obj, "pressureiofull"),
      json::opt_double(obj, "pressurememorysome"), json::opt_double(obj, "pressurememoryfull")};
}

std::optional<HaState> parse_ha(json::Object obj) {
  std::optional<json::Object> ha = json::opt_object(obj, "ha");
  if (!ha) return std::nullopt;
  return HaState{json::opt_bool(*ha, "managed").value_or(false), json::opt_string(*ha, "state"),
                 json::opt_string(*ha, "group")};
}

std::vector<DriveStats> parse_blockstat(json::Object obj) {
  std::vector<DriveStats> out;
  std::optional<json::Object> blockstat = json::opt_object(obj, "blockstat");
  if (!blockstat) return out;
  for (auto [key, value] : *blockstat) {
    json::Object drive;
    if (value.get_object().get(drive)) continue;
    DriveStats d;
    d.drive = std::string(key);
    for (const DriveStatsField& f : drive_stats_fields())
      d.*f.member = json::opt_uint(drive, f.key);
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(),
            [](const DriveStats& a, const DriveStats& b) { return a.drive < b.drive; });
  return out;
}

std::vector<NicStats> parse_nics(json::Object obj) {
  std::vector<NicStats> out;
  std::optional<json::Object> nics = json::opt_object(obj, "nics");
  if (!nics) return out;
  for (auto [key, value] : *nics) {
    json::Object nic;
    if (value.get_object().get(nic)) continue;
    out.push_back(
        NicStats{std::string(key), json::opt_uint(nic, "netin"), json::opt_uint(nic, "netout")});
  }
  std::sort(out.begin(), out.end(),
            [](const NicStats& a, const NicStats& b) { return a.device < b.device; });
  return out;
}

std::optional<BalloonInfo> parse_ballooninfo(json::Object obj) {
  std::optional<json::Object> b = json::opt_object(obj, "ballooninfo");
  if (!b) return std::nullopt;
  return BalloonInfo{json::opt_uint(*b, "actual"),
                     json::opt_uint(*b, "max_mem"),
                     json::opt_uint(*b, "total_mem"),
                     json::opt_uint(*b, "free_mem"),
                     json::opt_uint(*b, "mem_swapped_in"),
                     json::opt_uint(*b, "mem_swapped_out"),
                     json::opt_uint(*b, "major_page_faults"),
                     json::opt_uint(*b, "minor_page_faults"),
                     json::opt_int(*b, "last_update")};
}

Result<QemuStatus> parse_qemu(json::Object obj) {
  Result<int64_t> vmid = json::req_int(obj, "vmid");
  if (!vmid) return fail(vmid.error());
  QemuStatus q;
  q.vmid = *vmid;
  q.name = json::opt_string(obj, "name");
  q.status = json::opt_string(obj, "status");
  q.qmpstatus = json::opt_string(obj, "qmpstatus");
  q.pid = json::opt_int(obj, "pid");
  q.uptime_seconds = json::opt_uint(obj, "uptime");
  q.cpu_ratio = json::opt_double(obj, "cpu");
  q.cpus = json::opt_double(obj, "cpus");
  q.mem_bytes = json::opt_uint(obj, "mem");
  q.maxmem_bytes = json::opt_uint(obj, "maxmem");
  q.memhost_bytes = json::opt_uint(obj, "memhost");
  q.balloon_bytes = json::opt_uint(obj, "balloon");
  q.freemem_bytes = json::opt_uint(obj, "freemem");
  q.balloon_min_bytes = json::opt_uint(obj, "balloon_min");
  q.shares = json::opt_int(obj, "shares");
  q.disk_bytes = json::opt_uint(obj, "disk");
  q.maxdisk_bytes = json::opt_uint(obj, "maxdisk");
  q.netin_bytes = json::opt_uint(obj, "netin");
  q.netout_bytes = json::opt_uint(obj, "netout");
  q.diskread_bytes = json::opt_uint(obj, "diskread");
  q.diskwrite_bytes = json::opt_uint(obj, "diskwrite");
  q.is_template = json::opt_bool(obj, "template").value_or(false);
  q.has_serial = json::opt_bool(obj, "serial").value_or(false);
  q.agent = json::opt_bool(obj, "agent");
  q.lock = json::opt_string(obj, "lock");
  q.tags = json::opt_string(obj, "tags");
  q.running_machine = json::opt_string(obj, "running-machine");
  q.running_qemu = json::opt_string(obj, "running-qemu");
  q.pressure = parse_pressure(obj);
  q.ballooninfo = parse_ballooninfo(obj);
  q.blockstat = parse_blockstat(obj);
  q.nics = parse_nics(obj);
  if (std::optional<json::Object> support = json::opt_object(obj, "proxmox-support")) {
    q.pbs_library_version = json::opt_string(*support, "pbs-library-version");
  }
  q.ha = parse_ha(obj);
  return q;
}

Result<LxcStatus> parse_lxc(json::Object obj) {
  Result<int64_t> vmid = json::req_int(obj, "vmid");
  if (!vmid) return fail(vmid.error());
  LxcStatus c;
  c.vmid = *vmid;
  c.name = json::opt_string(obj, "name");
  c.status = json::opt_string(obj, "status");
  c.pid = json::opt_int(obj, "pid");
  c.uptime_seconds = json::opt_uint(obj, "uptime");
  c.cpu_ratio = json::opt_double(obj, "cpu");
  c.cpus = json::opt_double(obj, "cpus");
  c.mem_bytes = json::opt_uint(obj, "mem");
  c.maxmem_bytes = json::opt_uint(obj, "maxmem");
  c.swap_bytes = json::opt_uint(obj, "swap");
  c.maxswap_bytes = json::opt_uint(obj, "maxswap");
  c.disk_bytes = json::opt_uint(obj, "disk");
  c.maxdisk_bytes = json::opt_uint(obj, "maxdisk");
  c.diskread_bytes = json::opt_uint(obj, "diskread");
  c.diskwrite_bytes = json::opt_uint(obj, "diskwrite");
  c.netin_bytes = json::opt_uint(obj, "netin");
  c.netout_bytes = json::opt_uint(obj, "netout");
  c.is_template = json::opt_bool(obj, "template").value_or(false);
  c.lock = json::opt_string(obj, "lock");
  c.tags = json::opt_string(obj, "tags");
  c.pressure = parse_pressure(obj);
  c.ha = parse_ha(obj);
  return c;
}

}  // namespace

Result<std::vector<QemuStatus>> parse_qemu_list(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/qemu";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<QemuStatus>(*arr, k_what, parse_qemu);
}

Result<QemuStatus> parse_qemu_status(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/qemu/{vmid}/status/current";
  Result<json::Object> obj = json::data_object(body, k_what);
  if (!obj) return fail(obj.error());
  Result<QemuStatus> q = parse_qemu(*obj);
  if (!q) return fail(q.error(), k_what);
  return q;
}

Result<std::vector<LxcStatus>> parse_lxc_list(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/lxc";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  return json::parse_each<LxcStatus>(*arr, k_what, parse_lxc);
}

Result<LxcStatus> parse_lxc_status(std::string_view body) {
  constexpr std::string_view k_what = "/nodes/{node}/lxc/{vmid}/status/current";
  Result<json::Object> obj = json::data_object(body, k_what);
  if (!obj) return fail(obj.error());
  Result<LxcStatus> c = parse_lxc(*obj);
  if (!c) return fail(c.error(), k_what);
  return c;
}

}  // namespace pvex::pve
