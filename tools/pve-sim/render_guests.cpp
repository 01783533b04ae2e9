// Guest endpoints: QEMU and LXC lists, status/current, config, snapshots and guest-agent data.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "render.hpp"
#include "util/strings.hpp"

namespace pvex::sim {

namespace {

constexpr uint64_t k_mib = 1024ull * 1024;

const char* k_pressure_keys[6] = {"pressurecpusome", "pressurecpufull",    "pressureiosome",
                                  "pressureiofull",  "pressurememorysome", "pressurememoryfull"};

void write_blockstat(JsonWriter& w, const GuestDrive& d, double up) {
  uint64_t rd = counter(d.rd_rate, up), wr = counter(d.wr_rate, up);
  uint64_t rd_ops = rd / 16384, wr_ops = wr / 8192;
  uint64_t flush_ops = wr_ops / 20, unmap_ops = wr_ops / 200;
  w.key(d.name)
      .begin_object()
      .field("rd_bytes", rd)
      .field("wr_bytes", wr)
      .field("unmap_bytes", unmap_ops * 1048576)
      .field("rd_operations", rd_ops)
      .field("wr_operations", wr_ops)
      .field("flush_operations", flush_ops)
      .field("unmap_operations", unmap_ops)
      .field("rd_total_time_ns", rd_ops * 180000)
      .field("wr_total_time_ns", wr_ops * 250000)
      .field("flush_total_time_ns", flush_ops * 175000)
      .field("unmap_total_time_ns", unmap_ops * 130000)
      .field("rd_merged", 0)
      .field("wr_merged", 0)
      .field("unmap_merged", 0)
      .field("wr_highest_offset", wr > 0 ? std::min<uint64_t>(d.size_bytes - 65536, wr) : 0);
  if (rd + wr > 0) w.field("idle_time_ns", 1200000);
  for (const char* key :
       {"failed_rd_operations", "failed_wr_operations", "failed_flush_operations",
        "failed_unmap_operations", "invalid_rd_operations", "invalid_wr_operations",
        "invalid_flush_operations", "invalid_unmap_operations", "zone_append_bytes",
        "zone_append_operations", "zone_append_total_time_ns", "zone_append_merged",
        "failed_zone_append_operations", "invalid_zone_append_operations"})
    w.field(key, 0);
  w.key("account_invalid").boolean(!d.cdrom);
  w.key("account_failed").boolean(!d.cdrom);
  w.key("timed_stats").begin_array().end_array();
  w.end_object();
}

void write_qemu_full(JsonWriter& w, const Cluster& c, const Guest& g, const SimTime& t) {
  double up = guest_uptime(g, t);
  bool v9 = c.pve_version == 9;
  if (g.balloon) w.field("balloon", g.maxmem);
  if (g.balloon_stats) w.field("freemem", g.maxmem - g.mem);
  w.field("running-machine", v9 ? "pc-q35-10.0+pve1" : "pc-i440fx-8.1+pve0")
      .field("running-qemu", v9 ? "10.0.2" : "8.1.5");
  w.key("nics").begin_object();
  for (const GuestNic& nic : g.nics) {
    w.key(fmt::format("tap{}i{}", g.vmid, nic.index))
        .begin_object()
        .field("netin", counter(nic.in_rate, up))
        .field("netout", counter(nic.out_rate, up))
        .end_object();
  }
  w.end_object();
  if (g.balloon) {
    w.key("ballooninfo").begin_object().field("actual", g.maxmem).field("max_mem", g.maxmem);
    if (g.balloon_stats) {
      w.field("total_mem", g.maxmem - 268435456)
          .field("free_mem", g.maxmem - g.mem)
          .field("mem_swapped_in", 0)
          .field("mem_swapped_out", 0)
          .field("major_page_faults", counter(0.02, up))
          .field("minor_page_faults", counter(250, up))
          .field("last_update", static_cast<int64_t>(t.now) - 2);
    }
    w.end_object();
  }
  w.key("proxmox-support")
      .begin_object()
      .field("pbs-library-version", v9 ? "2.0.1 (UNKNOWN)" : "1.4.1 (UNKNOWN)");
  for (const char* flag : {"pbs-dirty-bitmap", "pbs-dirty-bitmap-savevm",
                           "pbs-dirty-bitmap-migration", "pbs-masterkey", "query-bitmap-info"})
    w.key(flag).boolean(true);
  if (v9) w.key("backup-fleecing").boolean(true).key("backup-max-workers").boolean(true);
  w.end_object();
  w.key("blockstat").begin_object();
  for (const GuestDrive& d : g.drives) write_blockstat(w, d, up);
  w.end_object();
}

void write_qemu_status(JsonWriter& w, const Cluster& c, const Guest& g, const SimTime& t, bool full,
                       bool with_ha) {
  bool v9 = c.pve_version == 9;
  w.begin_object()
      .field("vmid", g.vmid)
      .field("name", g.name)
      .field("status", g.running ? "running" : "stopped");
  if (full) w.field("qmpstatus", g.qmpstatus);
  if (g.running) w.field("pid", g.pid);
  w.field("uptime", static_cast<int64_t>(guest_uptime(g, t)))
      .field("cpu", g.running ? g.cpu : 0.0)
      .field("cpus", g.cpus)
      .field("mem", g.running ? (full ? g.mem : g.memhost) : 0);
  if (v9) w.field("memhost", g.running ? g.memhost : 0);
  w.field("maxmem", g.maxmem)
      .field("disk", 0)
      .field("maxdisk", g.maxdisk)
      .field("netin", guest_net_in(g, t))
      .field("netout", guest_net_out(g, t));
  if (full && g.running)
    w.field("diskread", guest_disk_read(g, t)).field("diskwrite", guest_disk_write(g, t));
  if (g.balloon_min > 0) w.field("balloon_min", g.balloon_min).field("shares", 1000);
  if (g.is_template) w.field("template", 1);
  if (!g.lock.empty()) w.field("lock", g.lock);
  if (!g.tags.empty()) w.field("tags", g.tags);
  if (full && g.agent) w.field("agent", 1);
  if (v9 && g.running)
    for (int i = 0; i < 6; ++i) w.field(k_pressure_keys[i], g.pressure[i]);
  if (with_ha) {
    w.key("ha").begin_object().field("managed", g.ha_state.empty() ? 0 : 1);
    if (!g.ha_state.empty()) {
      w.field("state", g.ha_state);
      if (!v9) w.field("group", "");
    }
    w.end_object();
  }
  if (full && g.running) write_qemu_full(w, c, g, t);
  w.end_object();
}

void write_lxc_status(JsonWriter& w, const Cluster& c, const Guest& g, const SimTime& t,
                      bool with_ha) {
  w.begin_object()
      .field("vmid", g.vmid)
      .field("type", "lxc")
      .field("name", g.name)
      .field("status", g.running ? "running" : "stopped");
  if (g.running) w.field("pid", g.pid);
  w.field("uptime", static_cast<int64_t>(guest_uptime(g, t))).field("cpu", g.running ? g.cpu : 0.0);
  if (g.cpulimit_only) {
    w.field("cpus", fmt::format("{}", g.cpus));  // PVE passes cpulimit through as a string
  } else {
    w.field("cpus", g.cpus);
  }
  w.field("mem", g.running ? g.mem : 0)
      .field("swap", g.running ? g.swap : 0)
      .field("maxmem", g.maxmem)
      .field("maxswap", g.maxswap)
      .field("disk", g.running ? g.disk : 0)
      .field("maxdisk", g.maxdisk)
      .field("diskread", guest_disk_read(g, t))
      .field("diskwrite", guest_disk_write(g, t))
      .field("netin", guest_net_in(g, t))
      .field("netout", guest_net_out(g, t));
  if (g.is_template) w.field("template", 1);
  if (!g.lock.empty()) w.field("lock", g.lock);
  if (!g.tags.empty()) w.field("tags", g.tags);
  if (c.pve_version == 9 && g.running)
    for (int i = 0; i < 6; ++i) w.field(k_pressure_keys[i], fmt::format("{:.2f}", g.pressure[i]));
  if (with_ha) {
    w.key("ha").begin_object().field("managed", g.ha_state.empty() ? 0 : 1);
    if (!g.ha_state.empty()) w.field("state", g.ha_state);
    w.end_object();
  }
  w.end_object();
}

std::string size_string(uint64_t bytes) {
  constexpr uint64_t gib = 1024ull * 1024 * 1024;
  if (bytes % gib == 0) return fmt::format("{}G", bytes / gib);
  return fmt::format("{}M", bytes / k_mib);
}

ApiResponse guest_config(const Cluster& c, const Guest& g) {
  JsonWriter w;
  w.begin_object();
  bool qemu = g.type == GuestType::qemu;
  if (qemu) {
    w.field("name", g.name)
        .field("cores", g.cpus)
        .field("sockets", 1)
        .field("memory", std::to_string(g.maxmem / k_mib))
        .field("ostype", g.ostype)
        .field("scsihw", "virtio-scsi-single")
        .field("boot", "order=scsi0;net0");
    if (!g.balloon) w.field("balloon", 0);
    if (g.balloon_min > 0) w.field("balloon", g.balloon_min / k_mib);
    if (g.agent) w.field("agent", "1");
    for (const GuestDrive& d : g.drives) {
      if (d.cdrom) {
        w.field(d.name, "none,media=cdrom");
      } else {
        w.field(d.name, fmt::format("{},iothread=1,size={}", d.volume, size_string(d.size_bytes)));
      }
    }
    for (const GuestNic& nic : g.nics)
      w.field(fmt::format("net{}", nic.index),
              fmt::format("virtio={},bridge=vmbr0,firewall=1", nic.mac));
    w.field("smbios1", fmt::format("uuid=5e2b7c1a-0000-4000-8000-{:012d}", g.vmid))
        .field("vmgenid", fmt::format("9c0e1f2a-0000-4000-8000-{:012d}", g.vmid))
        .field("meta", c.pve_version == 9 ? "creation-qemu=10.0.2,ctime=1750000000"
                                          : "creation-qemu=8.1.5,ctime=1710000000");
  } else {
    w.field("hostname", g.name).field("arch", "amd64");
    if (g.cpulimit_only) {
      w.field("cpulimit", std::to_string(g.cpus));
    } else {
      w.field("cores", g.cpus);
    }
    w.field("memory", g.maxmem / k_mib)
        .field("swap", g.maxswap / k_mib)
        .field("ostype", g.ostype)
        .field("unprivileged", 1)
        .field("rootfs",
               fmt::format("local-zfs:subvol-{}-disk-0,size={}", g.vmid, size_string(g.maxdisk)));
    for (const GuestNic& nic : g.nics)
      w.field(
          fmt::format("net{}", nic.index),
          fmt::format("name=eth{},bridge=vmbr0,hwaddr={},ip=dhcp,type=veth", nic.index, nic.mac));
  }
  if (!g.tags.empty()) w.field("tags", g.tags);
  if (!g.lock.empty()) w.field("lock", g.lock);
  if (g.is_template) w.field("template", 1);
  w.field("onboot", g.running ? 1 : 0);
  w.field("digest", fmt::format("{:040x}", static_cast<uint64_t>(g.vmid) * 0x51ED270B27ull));
  w.end_object();
  return ok(w.str());
}

/// Snapshots are derived from the vmid (0-2 per guest) so the generated cluster stays unchanged.
ApiResponse snapshots(const Cluster& c, const Guest& g) {
  int count = g.vmid % 3;
  int64_t epoch0 = static_cast<int64_t>(c.epoch0);
  JsonWriter w;
  w.begin_array();
  std::string parent;
  for (int i = 0; i < count; ++i) {
    std::string name = i == 0 ? "before-upgrade" : fmt::format("weekly-{}", i);
    w.begin_object()
        .field("name", name)
        .field("snaptime", epoch0 - (count - i) * 7 * 86400)
        .field("description", i == 0 ? "state before the dist-upgrade" : "");
    if (!parent.empty()) w.field("parent", parent);
    if (g.type == GuestType::qemu) w.field("vmstate", i == 0 ? 1 : 0);
    w.end_object();
    parent = name;
  }
  w.begin_object()
      .field("name", "current")
      .field("description", "You are here!")
      .field("running", g.running ? 1 : 0)
      .field("digest", fmt::format("{:040x}", static_cast<uint64_t>(g.vmid) * 0x2545F4914Full));
  if (!parent.empty()) w.field("parent", parent);
  w.end_object().end_array();
  return ok(w.str());
}

/// One file system of the guest agent's answer, on the first SCSI disk.
void write_agent_fs(JsonWriter& w, std::string_view name, std::string_view mountpoint,
                    std::string_view type, uint64_t used, uint64_t total, std::string_view dev,
                    std::string_view serial) {
  w.begin_object()
      .field("name", name)
      .field("mountpoint", mountpoint)
      .field("type", type)
      .field("used-bytes", used)
      .field("total-bytes", total);
  w.key("disk")
      .begin_array()
      .begin_object()
      .field("bus-type", "scsi")
      .field("bus", 0)
      .field("target", 0)
      .field("unit", 0);
  w.key("pci-controller")
      .begin_object()
      .field("domain", 0)
      .field("bus", 9)
      .field("slot", 1)
      .field("function", 0)
      .end_object();
  w.field("dev", dev);
  if (!serial.empty()) w.field("serial", serial);
  w.end_object().end_array();
  w.end_object();
}

/// The guest agent's file systems; every fifth agent-enabled VM has an agent that does not answer.
ApiResponse agent_fsinfo(const Guest& g) {
  if (!g.agent) return api_error(500, "No QEMU guest agent configured");
  if (!g.running) return api_error(500, fmt::format("VM {} is not running", g.vmid));
  if (g.vmid % 5 == 0) return api_error(500, "QEMU guest agent is not running");
  bool windows = g.ostype.rfind("win", 0) == 0;
  uint64_t total = g.maxdisk - g.maxdisk / 32;
  uint64_t used = total / 100 * static_cast<uint64_t>(20 + g.vmid % 60);
  JsonWriter w;
  w.begin_object().key("result").begin_array();
  write_agent_fs(w, windows ? "\\\\?\\Volume{2f4b0c1e-0000-0000-0000-100000000000}\\" : "sda1",
                 windows ? "C:\\" : "/", windows ? "NTFS" : "ext4", used, total, "/dev/sda1",
                 "0QEMU_QEMU_HARDDISK_drive-scsi0");
  if (!windows)
    write_agent_fs(w, "sda15", "/boot/efi", "vfat", 6291456, 129718272, "/dev/sda15", "");
  w.end_array().end_object();
  return ok(w.str());
}

}  // namespace

void write_guest_status(JsonWriter& w, const Cluster& c, const Guest& g, const SimTime& t,
                        bool full, bool with_ha) {
  if (g.type == GuestType::qemu) {
    write_qemu_status(w, c, g, t, full, with_ha);
  } else {
    write_lxc_status(w, c, g, t, with_ha);
  }
}

ApiResponse answer_guest_list(const Cluster& c, const SimTime& t, const Node& n, GuestType type,
                              bool full) {
  JsonWriter w;
  w.begin_array();
  for (const Guest& g : c.guests)
    if (g.type == type && &c.nodes[g.node] == &n) write_guest_status(w, c, g, t, full, false);
  w.end_array();
  return ok(w.str());
}

std::optional<ApiResponse> answer_guest(const Cluster& c, const SimTime& t, const Node& n,
                                        GuestType type, std::string_view vmid_text,
                                        std::string_view rest) {
  bool qemu = type == GuestType::qemu;
  if (rest != "status/current" && rest != "config" && rest != "snapshot" &&
      !(qemu && rest == "agent/get-fsinfo"))
    return std::nullopt;
  std::optional<int64_t> vmid = util::parse_int(vmid_text);
  if (!vmid) return api_error(400, "Parameter verification failed.");
  const Guest* g = c.find_guest(static_cast<int>(*vmid));
  if (g == nullptr || g->type != type || &c.nodes[g->node] != &n) {
    return api_error(500, fmt::format("Configuration file 'nodes/{}/{}/{}.conf' does not exist",
                                      n.name, qemu ? "qemu-server" : "lxc", *vmid));
  }
  if (rest == "config") return guest_config(c, *g);
  if (rest == "snapshot") return snapshots(c, *g);
  if (rest == "agent/get-fsinfo") return agent_fsinfo(*g);
  JsonWriter w;
  write_guest_status(w, c, *g, t, true, true);
  return ok(w.str());
}

}  // namespace pvex::sim
