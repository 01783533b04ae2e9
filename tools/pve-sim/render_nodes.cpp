// Per-node endpoints: /nodes/{node}/... (status, guests, storage, disks, certificates, tasks).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "render.hpp"
#include "util/strings.hpp"

namespace pvex::sim {

namespace {

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

/// GET /nodes/{node}/disks/smart?disk=/dev/...: ATA attributes for SATA disks, smartctl text
/// for NVMe; `healthonly=1` leaves only `health`.
ApiResponse disk_smart(const Node& n, const ApiRequest& r) {
  std::string devpath = r.param("disk");
  if (devpath.empty()) {
    return ApiResponse{400,
                       "{\"data\":null,\"message\":\"Parameter verification failed.\\n\","
                       "\"errors\":{\"disk\":\"property is missing and it is not optional\\n\"}}"};
  }
  auto it = std::find_if(n.disks.begin(), n.disks.end(),
                         [&](const Disk& d) { return d.devpath == devpath; });
  if (it == n.disks.end()) return api_error(500, fmt::format("disk '{}' not found", devpath));
  const Disk& d = *it;
  JsonWriter w;
  w.begin_object().field("health", d.health);
  if (!r.flag("healthonly")) {
    if (d.type == "nvme") {
      w.field("type", "text").field("wearout", d.wearout);
      w.field("text", fmt::format("Critical Warning:                   0x00\n"
                                  "Temperature:                        38 Celsius\n"
                                  "Available Spare:                    100%\n"
                                  "Percentage Used:                    {}%\n"
                                  "Power On Hours:                     14,220\n"
                                  "Media and Data Integrity Errors:    0\n",
                                  100 - d.wearout));
    } else {
      w.field("type", "ata");
      w.key("attributes").begin_array();
      struct Attribute {
        const char* id;
        const char* name;
        const char* flags;
        int value, worst, threshold;
        const char* raw;
      };
      for (const Attribute& a :
           {Attribute{"  1", "Raw_Read_Error_Rate", "POSR--", 83, 64, 44, "196718400"},
            Attribute{"  5", "Reallocated_Sector_Ct", "PO--CK", 100, 100, 10, "0"},
            Attribute{"  9", "Power_On_Hours", "-O--CK", 84, 84, 0, "14220"},
            Attribute{"194", "Temperature_Celsius", "-O---K", 34, 45, 0, "34 (0 18 0 0 0)"}}) {
        w.begin_object()
            .field("id", a.id)
            .field("name", a.name)
            .field("flags", a.flags)
            .field("value", a.value)
            .field("normalized", a.value)
            .field("worst", a.worst)
            .field("threshold", a.threshold)
            .field("fail", "-")
            .field("raw", a.raw)
            .end_object();
      }
      w.end_array();
    }
  }
  w.end_object();
  return ok(w.str());
}

}  // namespace

std::optional<ApiResponse> answer_node(const Cluster& c, const SimTime& t, const Node& n,
                                       std::string_view rest, const ApiRequest& r) {
  std::vector<std::string_view> parts = util::split_any(rest, "/");
  if (parts.empty()) return std::nullopt;
  std::string_view head = parts[0];
  if (parts.size() == 1) {
    if (head == "status") return node_status(c, n, t);
    if (head == "netstat") return netstat(c, n, t);
    if (head == "qemu") return answer_guest_list(c, t, n, GuestType::qemu, r.flag("full"));
    if (head == "lxc") return answer_guest_list(c, t, n, GuestType::lxc, false);
    if (head == "version") return answer_cluster(c, t, ApiRequest{"/version", {}}).value();
    if (head == "storage") return storage_list(n, r);
    if (head == "subscription") return subscription(n, t);
    if (head == "replication") return replication(c, n, r);
    if (head == "tasks") return tasks(c, n, r);
    return std::nullopt;
  }
  if ((head == "qemu" || head == "lxc") && parts.size() >= 3) {
    // rest = "<vmid>/<what...>" after the type segment.
    std::string_view after_type = rest.substr(rest.find('/') + 1);
    std::string_view what = after_type.substr(after_type.find('/') + 1);
    return answer_guest(c, t, n, head == "qemu" ? GuestType::qemu : GuestType::lxc, parts[1], what);
  }
  if (head == "disks" && parts.size() == 2 && parts[1] == "smart") return disk_smart(n, r);
  if (head == "disks" && parts.size() == 2 && parts[1] == "zfs") return zfs_list(n);
  if (head == "disks" && parts.size() == 3 && parts[1] == "zfs") return zfs_detail(n, parts[2]);
  if (head == "disks" && parts.size() == 2 && parts[1] == "list") return disks_list(n);
  if (head == "certificates" && parts.size() == 2 && parts[1] == "info") return certificates(n);
  if (head == "replication" && parts.size() == 3 && parts[2] == "status")
    return replication_status(c, n, parts[1]);
  return std::nullopt;
}

}  // namespace pvex::sim
