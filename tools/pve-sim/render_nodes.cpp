// Per-node endpoints: /nodes/{node}/... (status, guests, storage, disks, certificates, tasks).
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

std::string kernel_release(const Cluster& c) {
  return c.pve_version == 9 ? "6.14.8-2-pve" : "6.8.12-9-pve";
}

std::string kernel_build(const Cluster& c) {
  return c.pve_version == 9 ? "#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)"
                            : "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)";
}

ApiResponse node_status(const Cluster& c, const Node& n, const SimTime& t) {
  JsonWriter w;
  uint64_t available = n.mem_total - n.mem_used;
  w.begin_object()
      .field("uptime", static_cast<int64_t>(node_uptime(n, t)))
      .field("idle", 0)
      .field("cpu", n.cpu)
      .field("wait", n.wait);
  w.key("loadavg").begin_array();
  for (double l : n.loadavg) w.value(fmt::format("{:.2f}", l));
  w.end_array();
  w.key("cpuinfo")
      .begin_object()
      .field("model", n.cpu_model)
      .field("sockets", n.sockets)
      .field("cores", n.cores)
      .field("cpus", n.cpus)
      .field("mhz", "3200.000")
      .field("hvm", "1")
      .field("user_hz", 100)
      .field("flags", "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov vmx");
  if (c.pve_version == 9) {
    bool amd = n.cpu_model.find("AMD") != std::string::npos;
    w.field("vendor", amd ? "AuthenticAMD" : "GenuineIntel").field("family", amd ? 25 : 6);
  }
  w.end_object();
  w.key("memory")
      .begin_object()
      .field("total", n.mem_total)
      .field("used", n.mem_used)
      .field("free", n.mem_free);
  if (c.pve_version == 9) w.field("available", available);
  w.end_object();
  w.key("swap")
      .begin_object()
      .field("total", n.swap_total)
      .field("used", n.swap_used)
      .field("free", n.swap_total - n.swap_used)
      .end_object();
  w.key("ksm").begin_object().field("shared", n.ksm_shared).end_object();
  uint64_t bfree = n.root_total - n.root_used;
  w.key("rootfs")
      .begin_object()
      .field("total", n.root_total)
      .field("used", n.root_used)
      .field("free", bfree)
      .field("avail", bfree - n.root_reserved)
      .end_object();
  w.field("kversion", fmt::format("Linux {} {}", kernel_release(c), kernel_build(c)));
  w.key("current-kernel")
      .begin_object()
      .field("sysname", "Linux")
      .field("release", kernel_release(c))
      .field("version", kernel_build(c))
      .field("machine", "x86_64")
      .end_object();
  w.key("boot-info")
      .begin_object()
      .field("mode", "efi")
      .field("secureboot", n.nodeid % 2)
      .end_object();
  w.field("pveversion", c.pve_version == 9 ? "pve-manager/9.1.1/0b2f9f8e4c1d7a63"
                                           : "pve-manager/8.4.1/2a5fa54a8503f96d");
  w.end_object();
  return ok(w.str());
}

ApiResponse netstat(const Cluster& c, const Node& n, const SimTime& t) {
  JsonWriter w;
  w.begin_array();
  for (const Guest& g : c.guests) {
    if (&c.nodes[g.node] != &n || !g.running) continue;
    double up = guest_uptime(g, t);
    for (const GuestNic& nic : g.nics) {
      w.begin_object()
          .field("vmid", std::to_string(g.vmid))
          .field("dev", fmt::format("net{}", nic.index))
          .field("in", std::to_string(counter(nic.in_rate, up)))
          .field("out", std::to_string(counter(nic.out_rate, up)))
          .end_object();
    }
  }
  w.end_array();
  return ok(w.str());
}

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

ApiResponse storage_list(const Node& n, const ApiRequest& r) {
  std::string only = r.param("storage");
  std::string content = r.param("content");
  bool enabled_only = r.flag("enabled");
  if (!only.empty() && std::none_of(n.storages.begin(), n.storages.end(),
                                    [&](const Storage& s) { return s.id == only; }))
    return api_error(500, fmt::format("storage '{}' does not exist", only));
  JsonWriter w;
  w.begin_array();
  for (const Storage& s : n.storages) {
    if (!only.empty() && s.id != only) continue;
    if (!content.empty() && (!s.enabled || s.content.find(content) == std::string::npos)) continue;
    if (enabled_only && !s.enabled) continue;
    bool on = s.active && s.enabled;
    uint64_t total = on ? s.total : 0, used = on ? s.used : 0;
    w.begin_object()
        .field("storage", s.id)
        .field("type", s.type)
        .field("content", s.content)
        .field("shared", s.shared ? 1 : 0)
        .field("enabled", s.enabled ? 1 : 0)
        .field("active", on ? 1 : 0)
        .field("total", total)
        .field("used", used)
        .field("avail", total - used);
    if (total > 0)
      w.field("used_fraction",
              std::round(static_cast<double>(used) / static_cast<double>(total) * 1e6) / 1e6);
    w.end_object();
  }
  w.end_array();
  return ok(w.str());
}

ApiResponse zfs_list(const Node& n) {
  JsonWriter w;
  w.begin_array();
  for (const ZfsPool& p : n.pools) {
    w.begin_object()
        .field("name", p.name)
        .field("size", p.size)
        .field("alloc", p.alloc)
        .field("free", p.size - p.alloc)
        .field("frag", p.frag)
        .field("dedup", p.dedup)
        .field("health", p.health)
        .end_object();
  }
  w.end_array();
  return ok(w.str());
}

void write_zfs_leaf(JsonWriter& w, const ZfsLeaf& l, bool counters) {
  w.begin_object().field("name", l.name).field("state", l.state);
  if (counters) w.field("read", l.read).field("write", l.write).field("cksum", l.cksum);
  w.field("msg", l.msg).field("leaf", 1).end_object();
}

ApiResponse zfs_detail(const Node& n, std::string_view name) {
  auto it = std::find_if(n.pools.begin(), n.pools.end(),
                         [&](const ZfsPool& p) { return p.name == name; });
  if (it == n.pools.end())
    return api_error(500,
                     fmt::format("command '/sbin/zpool status -P {}' failed: exit code 1", name));
  const ZfsPool& p = *it;
  JsonWriter w;
  w.begin_object().field("name", p.name).field("state", p.health);
  if (!p.status.empty()) w.field("status", p.status).field("action", p.action).field("see", p.see);
  w.field("scan", p.scan).field("errors", "No known data errors").field("leaf", 0);
  w.key("children").begin_array();
  w.begin_object()
      .field("name", p.name)
      .field("state", p.health)
      .field("read", 0)
      .field("write", 0)
      .field("cksum", 0)
      .field("msg", "")
      .field("leaf", 0);
  w.key("children").begin_array();
  for (const ZfsVdev& v : p.vdevs) {
    w.begin_object()
        .field("name", v.name)
        .field("state", v.state)
        .field("read", 0)
        .field("write", 0)
        .field("cksum", 0)
        .field("msg", "")
        .field("leaf", 0);
    w.key("children").begin_array();
    for (const ZfsLeaf& l : v.leaves) write_zfs_leaf(w, l, true);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  if (!p.spares.empty()) {
    w.begin_object().field("name", "spares").field("msg", "").field("leaf", 0);
    w.key("children").begin_array();
    for (const ZfsLeaf& l : p.spares) write_zfs_leaf(w, l, false);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return ok(w.str());
}

ApiResponse disks_list(const Node& n) {
  JsonWriter w;
  w.begin_array();
  for (const Disk& d : n.disks) {
    w.begin_object()
        .field("devpath", d.devpath)
        .field("size", d.size_bytes)
        .field("type", d.type)
        .field("model", d.model)
        .field("serial", d.serial)
        .field("wwn", d.wwn)
        .field("vendor", d.vendor)
        .field("health", d.health);
    if (d.wearout < 0) {
      w.field("wearout", "N/A");
    } else {
      w.field("wearout", d.wearout);
    }
    w.field("rpm", d.rpm).field("gpt", 1).field("used", d.used).field("osdid", -1);
    w.key("osdid-list").null();
    w.field("by_id_link", d.by_id).end_object();
  }
  w.end_array();
  return ok(w.str());
}

ApiResponse certificates(const Node& n) {
  JsonWriter w;
  w.begin_array();
  for (const Certificate& cert : n.certificates) {
    w.begin_object()
        .field("filename", cert.filename)
        .field("fingerprint", cert.fingerprint)
        .field("subject", cert.subject)
        .field("issuer", cert.issuer)
        .field("notbefore", cert.notbefore)
        .field("notafter", cert.notafter);
    w.key("san").begin_array();
    for (const std::string& s : cert.san) w.value(s);
    w.end_array();
    w.field("public-key-type", cert.key_type)
        .field("public-key-bits", cert.key_bits)
        .field("pem", "-----BEGIN CERTIFICATE-----\nMIIBsimulated\n-----END CERTIFICATE-----\n")
        .end_object();
  }
  w.end_array();
  return ok(w.str());
}

ApiResponse subscription(const Node& n, const SimTime& t) {
  static const char* k_url = "https://www.proxmox.com/en/proxmox-virtual-environment/pricing";
  JsonWriter w;
  w.begin_object();
  if (n.level.empty()) {
    w.field("status", "notfound")
        .field("message", "There is no subscription key")
        .field("url", k_url);
  } else {
    static const std::map<std::string, std::string> names = {
        {"c", "Community"}, {"b", "Basic"}, {"s", "Standard"}, {"p", "Premium"}};
    w.field("status", "active")
        .field("key", n.subscription_key)
        .field("level", n.level)
        .field("productname", fmt::format("Proxmox VE {} Subscription {} CPUs/year",
                                          names.at(n.level), n.sockets * 2))
        .field("regdate", "2025-01-15 00:00:00")
        .field("nextduedate", "2026-01-15")
        .field("checktime", static_cast<int64_t>(t.now) - 3600)
        .field("sockets", n.sockets)
        .field("url", k_url);
  }
  w.field("serverid", n.serverid).end_object();
  return ok(w.str());
}

void write_replication_state(JsonWriter& w, const Cluster& c, const ReplicationJob& j) {
  const Guest* g = c.find_guest(j.guest);
  int64_t epoch0 = static_cast<int64_t>(c.epoch0);
  int64_t last_sync = epoch0 - j.last_sync_ago;
  int64_t last_try = j.fail_count > 0 ? epoch0 - 300 : last_sync;
  w.begin_object()
      .field("id", fmt::format("{}-{}", j.guest, j.jobnum))
      .field("type", "local")
      .field("guest", j.guest)
      .field("jobnum", j.jobnum)
      .field("target", c.nodes[j.target].name)
      .field("schedule", j.schedule)
      .field("source", c.nodes[j.source].name);
  if (j.disabled) w.field("disable", 1);
  w.field("vmtype", g != nullptr && g->type == GuestType::lxc ? "lxc" : "qemu")
      .field("last_sync", last_sync)
      .field("last_try", last_try)
      .field("fail_count", j.fail_count)
      .field("next_sync", last_try + (j.fail_count > 0 ? 300 * j.fail_count : 900))
      .field("duration", j.duration);
  if (!j.error.empty()) w.field("error", j.error);
  w.end_object();
}

ApiResponse replication(const Cluster& c, const Node& n, const ApiRequest& r) {
  std::string guest = r.param("guest");
  JsonWriter w;
  w.begin_array();
  for (const ReplicationJob& j : c.replication) {
    if (&c.nodes[j.source] != &n) continue;
    if (!guest.empty() && guest != std::to_string(j.guest)) continue;
    write_replication_state(w, c, j);
  }
  w.end_array();
  return ok(w.str());
}

ApiResponse replication_status(const Cluster& c, const Node& n, std::string_view id) {
  for (const ReplicationJob& j : c.replication) {
    if (&c.nodes[j.source] == &n && fmt::format("{}-{}", j.guest, j.jobnum) == id) {
      JsonWriter w;
      write_replication_state(w, c, j);
      return ok(w.str());
    }
  }
  return api_error(500, "no such replication job");
}

bool task_failed(const Task& t) {
  return !t.running && t.status != "OK" && t.status.rfind("WARNINGS", 0) != 0;
}

bool status_matches(const Task& t, const std::string& filter) {
  if (filter.empty()) return true;
  std::string kind = t.running                            ? "unknown"
                     : t.status == "OK"                   ? "ok"
                     : t.status.rfind("WARNINGS", 0) == 0 ? "warning"
                                                          : "error";
  for (std::string_view f : util::split_any(filter, ","))
    if (f == kind) return true;
  return false;
}

ApiResponse tasks(const Cluster& c, const Node& n, const ApiRequest& r) {
  int64_t start = util::parse_int(r.param("start", "0")).value_or(0);
  int64_t limit = util::parse_int(r.param("limit", "50")).value_or(50);
  std::string type = r.param("typefilter"), vmid = r.param("vmid"), user = r.param("userfilter");
  std::string source = r.param("source", "archive"), status = r.param("statusfilter");
  bool errors = r.flag("errors");
  std::optional<int64_t> since = util::parse_int(r.param("since"));
  std::optional<int64_t> until = util::parse_int(r.param("until"));
  int64_t epoch0 = static_cast<int64_t>(c.epoch0);
  int64_t total = 0;
  JsonWriter w;
  w.begin_object().key("data").begin_array();
  for (const Task& t : c.tasks) {
    if (&c.nodes[t.node] != &n) continue;
    if (source == "archive" && t.running) continue;
    if (source == "active" && !t.running) continue;
    if (!type.empty() && t.type != type) continue;
    if (!vmid.empty() && t.id != vmid) continue;
    if (!user.empty() && t.user.find(user) == std::string::npos) continue;
    if (errors && !task_failed(t)) continue;
    if (!status_matches(t, status)) continue;
    int64_t starttime = epoch0 - t.start_ago;
    if (since && starttime < *since) continue;
    if (until && starttime > *until) continue;
    ++total;
    if (total <= start || total > start + limit) continue;
    std::string owner = t.tokenid.empty() ? t.user : t.user + "!" + t.tokenid;
    uint64_t pstart =
        static_cast<uint64_t>(n.uptime_base) * 100 - static_cast<uint64_t>(t.start_ago) * 100;
    w.begin_object()
        .field("upid", fmt::format("UPID:{}:{:08X}:{:08X}:{:08X}:{}:{}:{}:", n.name, t.pid, pstart,
                                   starttime, t.type, t.id, owner))
        .field("node", n.name)
        .field("pid", t.pid)
        .field("pstart", pstart)
        .field("starttime", starttime);
    if (!t.running) w.field("endtime", starttime + t.duration);
    w.field("type", t.type).field("id", t.id).field("user", t.user);
    if (!t.tokenid.empty()) w.field("tokenid", t.tokenid);
    if (t.running) {
      if (source != "archive") w.field("status", "RUNNING");
    } else {
      w.field("status", t.status);
    }
    w.end_object();
  }
  w.end_array().field("total", total).end_object();
  return ApiResponse{200, w.take()};
}

/// Resolves /qemu/{vmid}/... and /lxc/{vmid}/... to the guest or PVE's "does not exist" error.
std::optional<ApiResponse> guest_endpoint(const Cluster& c, const SimTime& t, const Node& n,
                                          GuestType type,
                                          const std::vector<std::string_view>& parts) {
  std::optional<int64_t> vmid = util::parse_int(parts[1]);
  const Guest* g = vmid ? c.find_guest(static_cast<int>(*vmid)) : nullptr;
  std::string rest;
  for (size_t i = 2; i < parts.size(); ++i) rest += "/" + std::string(parts[i]);
  if (rest != "/status/current" && rest != "/config") return std::nullopt;
  if (!vmid) return api_error(400, "Parameter verification failed.");
  if (g == nullptr || g->type != type || &c.nodes[g->node] != &n) {
    return api_error(500,
                     fmt::format("Configuration file 'nodes/{}/{}/{}.conf' does not exist", n.name,
                                 type == GuestType::qemu ? "qemu-server" : "lxc", *vmid));
  }
  if (rest == "/config") return guest_config(c, *g);
  JsonWriter w;
  write_guest_status(w, c, *g, t, true, true);
  return ok(w.str());
}

ApiResponse guest_list(const Cluster& c, const SimTime& t, const Node& n, GuestType type,
                       bool full) {
  JsonWriter w;
  w.begin_array();
  for (const Guest& g : c.guests)
    if (g.type == type && &c.nodes[g.node] == &n) write_guest_status(w, c, g, t, full, false);
  w.end_array();
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

std::optional<ApiResponse> answer_node(const Cluster& c, const SimTime& t, const Node& n,
                                       std::string_view rest, const ApiRequest& r) {
  std::vector<std::string_view> parts = util::split_any(rest, "/");
  if (parts.empty()) return std::nullopt;
  std::string_view head = parts[0];
  if (parts.size() == 1) {
    if (head == "status") return node_status(c, n, t);
    if (head == "netstat") return netstat(c, n, t);
    if (head == "qemu") return guest_list(c, t, n, GuestType::qemu, r.flag("full"));
    if (head == "lxc") return guest_list(c, t, n, GuestType::lxc, false);
    if (head == "storage") return storage_list(n, r);
    if (head == "subscription") return subscription(n, t);
    if (head == "replication") return replication(c, n, r);
    if (head == "tasks") return tasks(c, n, r);
    return std::nullopt;
  }
  if ((head == "qemu" || head == "lxc") && parts.size() >= 3)
    return guest_endpoint(c, t, n, head == "qemu" ? GuestType::qemu : GuestType::lxc, parts);
  if (head == "disks" && parts.size() == 2 && parts[1] == "zfs") return zfs_list(n);
  if (head == "disks" && parts.size() == 3 && parts[1] == "zfs") return zfs_detail(n, parts[2]);
  if (head == "disks" && parts.size() == 2 && parts[1] == "list") return disks_list(n);
  if (head == "certificates" && parts.size() == 2 && parts[1] == "info") return certificates(n);
  if (head == "replication" && parts.size() == 3 && parts[2] == "status")
    return replication_status(c, n, parts[1]);
  return std::nullopt;
}

}  // namespace pvex::sim
