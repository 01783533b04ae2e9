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

/// drive_stats_fields()' keys, indexed.
const json::KeyIndex& drive_keys() {
  static const json::KeyIndex k_keys = [] {
    std::vector<std::string_view> keys;
    for (const DriveStatsField& f : drive_stats_fields()) keys.push_back(f.key);
    return json::KeyIndex(keys);
  }();
  return k_keys;
}

std::vector<DriveStats> parse_blockstat_object(json::Object blockstat) {
  std::vector<DriveStats> out;
  const json::KeyIndex& keys = drive_keys();
  const std::vector<DriveStatsField>& fields = drive_stats_fields();
  for (auto [key, value] : blockstat) {
    json::Object drive;
    if (value.get_object().get(drive)) continue;
    DriveStats d;
    d.drive = std::string(key);
    json::visit_members(drive, keys,
                        [&](size_t i, json::Element e) { d.*fields[i].member = json::to_uint(e); });
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(),
            [](const DriveStats& a, const DriveStats& b) { return a.drive < b.drive; });
  return out;
}

std::vector<NicStats> parse_nics_object(json::Object nics) {
  std::vector<NicStats> out;
  for (auto [key, value] : nics) {
    json::Object nic;
    if (value.get_object().get(nic)) continue;
    out.push_back(
        NicStats{std::string(key), json::opt_uint(nic, "netin"), json::opt_uint(nic, "netout")});
  }
  std::sort(out.begin(), out.end(),
            [](const NicStats& a, const NicStats& b) { return a.device < b.device; });
  return out;
}

BalloonInfo parse_ballooninfo_object(json::Object b) {
  return BalloonInfo{json::opt_uint(b, "actual"),
                     json::opt_uint(b, "max_mem"),
                     json::opt_uint(b, "total_mem"),
                     json::opt_uint(b, "free_mem"),
                     json::opt_uint(b, "mem_swapped_in"),
                     json::opt_uint(b, "mem_swapped_out"),
                     json::opt_uint(b, "major_page_faults"),
                     json::opt_uint(b, "minor_page_faults"),
                     json::opt_int(b, "last_update")};
}

std::optional<HaState> parse_ha_object(json::Object ha) {
  return HaState{json::opt_bool(ha, "managed").value_or(false), json::opt_string(ha, "state"),
                 json::opt_string(ha, "group")};
}

/// Calls `f(object)` when `e` is an object (opt_object's rule: anything else reads as absent).
template <class F>
void if_object(json::Element e, F&& f) {
  json::Object o;
  if (!e.get_object().get(o)) f(o);
}

using QemuFields = json::FieldTable<QemuStatus>;
using json::Element;

const QemuFields& qemu_fields() {
  static const QemuFields k_fields{
      {"name", [](QemuStatus& q, Element e) { q.name = json::to_string(e); }},
      {"status", [](QemuStatus& q, Element e) { q.status = json::to_string(e); }},
      {"qmpstatus", [](QemuStatus& q, Element e) { q.qmpstatus = json::to_string(e); }},
      {"pid", [](QemuStatus& q, Element e) { q.pid = json::to_int(e); }},
      {"uptime", [](QemuStatus& q, Element e) { q.uptime_seconds = json::to_uint(e); }},
      {"cpu", [](QemuStatus& q, Element e) { q.cpu_ratio = json::to_double(e); }},
      {"cpus", [](QemuStatus& q, Element e) { q.cpus = json::to_double(e); }},
      {"mem", [](QemuStatus& q, Element e) { q.mem_bytes = json::to_uint(e); }},
      {"maxmem", [](QemuStatus& q, Element e) { q.maxmem_bytes = json::to_uint(e); }},
      {"memhost", [](QemuStatus& q, Element e) { q.memhost_bytes = json::to_uint(e); }},
      {"balloon", [](QemuStatus& q, Element e) { q.balloon_bytes = json::to_uint(e); }},
      {"freemem", [](QemuStatus& q, Element e) { q.freemem_bytes = json::to_uint(e); }},
      {"balloon_min", [](QemuStatus& q, Element e) { q.balloon_min_bytes = json::to_uint(e); }},
      {"shares", [](QemuStatus& q, Element e) { q.shares = json::to_int(e); }},
      {"disk", [](QemuStatus& q, Element e) { q.disk_bytes = json::to_uint(e); }},
      {"maxdisk", [](QemuStatus& q, Element e) { q.maxdisk_bytes = json::to_uint(e); }},
      {"netin", [](QemuStatus& q, Element e) { q.netin_bytes = json::to_uint(e); }},
      {"netout", [](QemuStatus& q, Element e) { q.netout_bytes = json::to_uint(e); }},
      {"diskread", [](QemuStatus& q, Element e) { q.diskread_bytes = json::to_uint(e); }},
      {"diskwrite", [](QemuStatus& q, Element e) { q.diskwrite_bytes = json::to_uint(e); }},
      {"template",
       [](QemuStatus& q, Element e) { q.is_template = json::to_bool(e).value_or(false); }},
      {"serial", [](QemuStatus& q, Element e) { q.has_serial = json::to_bool(e).value_or(false); }},
      {"agent", [](QemuStatus& q, Element e) { q.agent = json::to_bool(e); }},
      {"lock", [](QemuStatus& q, Element e) { q.lock = json::to_string(e); }},
      {"tags", [](QemuStatus& q, Element e) { q.tags = json::to_string(e); }},
      {"running-machine", [](QemuStatus& q, Element e) { q.running_machine = json::to_string(e); }},
      {"running-qemu", [](QemuStatus& q, Element e) { q.running_qemu = json::to_string(e); }},
      {"pressurecpusome",
       [](QemuStatus& q, Element e) { q.pressure.cpu_some_percent = json::to_double(e); }},
      {"pressurecpufull",
       [](QemuStatus& q, Element e) { q.pressure.cpu_full_percent = json::to_double(e); }},
      {"pressureiosome",
       [](QemuStatus& q, Element e) { q.pressure.io_some_percent = json::to_double(e); }},
      {"pressureiofull",
       [](QemuStatus& q, Element e) { q.pressure.io_full_percent = json::to_double(e); }},
      {"pressurememorysome",
       [](QemuStatus& q, Element e) { q.pressure.memory_some_percent = json::to_double(e); }},
      {"pressurememoryfull",
       [](QemuStatus& q, Element e) { q.pressure.memory_full_percent = json::to_double(e); }},
      {"ballooninfo",
       [](QemuStatus& q, Element e) {
         if_object(e, [&](json::Object b) { q.ballooninfo = parse_ballooninfo_object(b); });
       }},
      {"blockstat",
       [](QemuStatus& q, Element e) {
         if_object(e, [&](json::Object b) { q.blockstat = parse_blockstat_object(b); });
       }},
      {"nics",
       [](QemuStatus& q, Element e) {
         if_object(e, [&](json::Object n) { q.nics = parse_nics_object(n); });
       }},
      {"proxmox-support",
       [](QemuStatus& q, Element e) {
         if_object(e, [&](json::Object s) {
           q.pbs_library_version = json::opt_string(s, "pbs-library-version");
         });
       }},
      {"ha", [](QemuStatus& q,
                Element e) { if_object(e, [&](json::Object h) { q.ha = parse_ha_object(h); }); }},
  };
  return k_fields;
}

Result<QemuStatus> parse_qemu(json::Object obj) {
  Result<int64_t> vmid = json::req_int(obj, "vmid");
  if (!vmid) return fail(vmid.error());
  QemuStatus q;
  q.vmid = *vmid;
  qemu_fields().apply(obj, q);  // one pass over the ~40 members instead of one scan per key
  return q;
}

const json::FieldTable<LxcStatus>& lxc_fields() {
  using C = LxcStatus;
  static const json::FieldTable<LxcStatus> k_fields{
      {"name", [](C& c, Element e) { c.name = json::to_string(e); }},
      {"status", [](C& c, Element e) { c.status = json::to_string(e); }},
      {"pid", [](C& c, Element e) { c.pid = json::to_int(e); }},
      {"uptime", [](C& c, Element e) { c.uptime_seconds = json::to_uint(e); }},
      {"cpu", [](C& c, Element e) { c.cpu_ratio = json::to_double(e); }},
      {"cpus", [](C& c, Element e) { c.cpus = json::to_double(e); }},
      {"mem", [](C& c, Element e) { c.mem_bytes = json::to_uint(e); }},
      {"maxmem", [](C& c, Element e) { c.maxmem_bytes = json::to_uint(e); }},
      {"swap", [](C& c, Element e) { c.swap_bytes = json::to_uint(e); }},
      {"maxswap", [](C& c, Element e) { c.maxswap_bytes = json::to_uint(e); }},
      {"disk", [](C& c, Element e) { c.disk_bytes = json::to_uint(e); }},
      {"maxdisk", [](C& c, Element e) { c.maxdisk_bytes = json::to_uint(e); }},
      {"diskread", [](C& c, Element e) { c.diskread_bytes = json::to_uint(e); }},
      {"diskwrite", [](C& c, Element e) { c.diskwrite_bytes = json::to_uint(e); }},
      {"netin", [](C& c, Element e) { c.netin_bytes = json::to_uint(e); }},
      {"netout", [](C& c, Element e) { c.netout_bytes = json::to_uint(e); }},
      {"template", [](C& c, Element e) { c.is_template = json::to_bool(e).value_or(false); }},
      {"lock", [](C& c, Element e) { c.lock = json::to_string(e); }},
      {"tags", [](C& c, Element e) { c.tags = json::to_string(e); }},
      {"pressurecpusome",
       [](C& c, Element e) { c.pressure.cpu_some_percent = json::to_double(e); }},
      {"pressurecpufull",
       [](C& c, Element e) { c.pressure.cpu_full_percent = json::to_double(e); }},
      {"pressureiosome", [](C& c, Element e) { c.pressure.io_some_percent = json::to_double(e); }},
      {"pressureiofull", [](C& c, Element e) { c.pressure.io_full_percent = json::to_double(e); }},
      {"pressurememorysome",
       [](C& c, Element e) { c.pressure.memory_some_percent = json::to_double(e); }},
      {"pressurememoryfull",
       [](C& c, Element e) { c.pressure.memory_full_percent = json::to_double(e); }},
      {"ha",
       [](C& c, Element e) { if_object(e, [&](json::Object h) { c.ha = parse_ha_object(h); }); }},
  };
  return k_fields;
}

Result<LxcStatus> parse_lxc(json::Object obj) {
  Result<int64_t> vmid = json::req_int(obj, "vmid");
  if (!vmid) return fail(vmid.error());
  LxcStatus c;
  c.vmid = *vmid;
  lxc_fields().apply(obj, c);
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

namespace {

/// A guest list's entries one at a time (visit_qemu_list, visit_lxc_list).
template <class T, Result<T> (*parse_one)(json::Object)>
Result<void> visit_list(std::string_view body, std::string_view what,
                        const std::function<void(size_t)>& count,
                        const std::function<void(T&&)>& each) {
  Result<json::Array> arr = json::data_array(body, what);
  if (!arr) return fail(arr.error());
  count(arr->size());
  return json::visit_each<T>(*arr, what, parse_one, each);
}

}  // namespace

Result<void> visit_qemu_list(std::string_view body, const std::function<void(size_t)>& count,
                             const std::function<void(QemuStatus&&)>& each) {
  return visit_list<QemuStatus, parse_qemu>(body, "/nodes/{node}/qemu", count, each);
}

Result<void> visit_lxc_list(std::string_view body, const std::function<void(size_t)>& count,
                            const std::function<void(LxcStatus&&)>& each) {
  return visit_list<LxcStatus, parse_lxc>(body, "/nodes/{node}/lxc", count, each);
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
