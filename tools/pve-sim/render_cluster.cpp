// Cluster-wide endpoints: /version, /cluster/*, /nodes (answered from the cluster file system).
#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "render.hpp"
#include "util/strings.hpp"

namespace pvex::sim {

namespace {

std::string version_string(const Cluster& c) {
  return c.pve_version == 9 ? "9.1.1" : "8.4.1";
}

int votes_online(const Cluster& c) {
  int online = 0;
  for (const Node& n : c.nodes) online += n.online ? 1 : 0;
  return online;
}

bool is_quorate(const Cluster& c) {
  int total = static_cast<int>(c.nodes.size()) + (c.qdevice ? 1 : 0);
  int votes = votes_online(c) + (c.qdevice ? 1 : 0);
  return 2 * votes > total;
}

/// Perl's localtime() string, e.g. "Tue Aug 19 12:39:58 2025" (rendered in UTC).
std::string perl_time(double epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

ApiResponse version(const Cluster& c) {
  JsonWriter w;
  std::string v = version_string(c);
  w.begin_object()
      .field("version", v)
      .field("release", v.substr(0, 3))
      .field("repoid", c.pve_version == 9 ? "0b2f9f8e4c1d7a63" : "2a5fa54a8503f96d")
      .end_object();
  return ok(w.str());
}

ApiResponse cluster_status(const Cluster& c) {
  JsonWriter w;
  w.begin_array();
  if (!c.standalone) {
    w.begin_object()
        .field("type", "cluster")
        .field("id", "cluster")
        .field("name", c.name)
        .field("nodes", static_cast<int>(c.nodes.size()))
        .field("version", c.config_version)
        .field("quorate", is_quorate(c) ? 1 : 0)
        .end_object();
  }
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    const Node& n = c.nodes[i];
    w.begin_object()
        .field("type", "node")
        .field("id", "node/" + n.name)
        .field("name", n.name)
        .field("nodeid", c.standalone ? 0 : n.nodeid)
        .field("ip", n.ip)
        .field("local", i == 0 ? 1 : 0)
        .field("online", n.online ? 1 : 0)
        .field("level", n.online ? n.level : "")
        .end_object();
  }
  w.end_array();
  return ok(w.str());
}

void write_node_stats(JsonWriter& w, const Node& n, const SimTime& t) {
  w.field("uptime", static_cast<int64_t>(node_uptime(n, t)))
      .field("cpu", n.cpu)
      .field("mem", n.mem_used)
      .field("disk", n.root_used)
      .field("level", n.level)
      .field("maxcpu", n.cpus)
      .field("maxmem", n.mem_total)
      .field("maxdisk", n.root_total);
}

void write_guest_resource(JsonWriter& w, const Cluster& c, const Guest& g, const SimTime& t) {
  bool qemu = g.type == GuestType::qemu;
  const char* type = qemu ? "qemu" : "lxc";
  w.begin_object()
      .field("id", fmt::format("{}/{}", type, g.vmid))
      .field("type", type)
      .field("vmid", g.vmid)
      .field("node", c.nodes[g.node].name);
  if (!c.nodes[g.node].online) {
    // No RRD data from a dead node: only what the cluster configuration knows.
    w.field("status", "unknown");
  } else {
    w.field("name", g.name)
        .field("status", qemu ? g.qmpstatus : (g.running ? "running" : "stopped"))
        .field("template", g.is_template ? 1 : 0)
        .field("uptime", static_cast<int64_t>(guest_uptime(g, t)))
        .field("cpu", g.running ? g.cpu : 0.0)
        .field("maxcpu", g.cpus)
        .field("mem", g.running ? g.mem : 0)
        .field("maxmem", g.maxmem);
    if (qemu && c.pve_version == 9) w.field("memhost", g.running ? g.memhost : 0);
    w.field("disk", qemu ? 0 : (g.running ? g.disk : 0))
        .field("maxdisk", g.maxdisk)
        .field("netin", guest_net_in(g, t))
        .field("netout", guest_net_out(g, t))
        .field("diskread", guest_disk_read(g, t))
        .field("diskwrite", guest_disk_write(g, t));
  }
  if (!g.pool.empty()) w.field("pool", g.pool);
  if (!g.lock.empty()) w.field("lock", g.lock);
  if (!g.tags.empty()) w.field("tags", g.tags);
  if (!g.ha_state.empty()) w.field("hastate", g.ha_state);
  w.end_object();
}

void write_pool_resources(JsonWriter& w, const Cluster& c, const SimTime& t) {
  for (const std::string& pool : c.pools) {
    w.begin_object().field("id", "/pool/" + pool).field("type", "pool").field("pool", pool);
    double uptime = 0, cpu_weighted = 0;
    uint64_t mem = 0, maxmem = 0;
    int maxcpu = 0;
    bool any_running = false;
    for (const Guest& g : c.guests) {
      if (g.pool != pool || !g.running || !c.nodes[g.node].online) continue;
      any_running = true;
      uptime = std::max(uptime, guest_uptime(g, t));
      mem += g.mem;
      maxmem += g.maxmem;
      maxcpu += g.cpus;
      cpu_weighted += g.cpu * g.cpus;
    }
    if (any_running) {
      w.field("uptime", static_cast<int64_t>(uptime))
          .field("mem", mem)
          .field("maxmem", maxmem)
          .field("cpu", std::round(cpu_weighted / maxcpu * 1e4) / 1e4)
          .field("maxcpu", maxcpu);
    }
    w.end_object();
  }
}

void write_node_resource(JsonWriter& w, const Node& n, const SimTime& t) {
  w.begin_object()
      .field("id", "node/" + n.name)
      .field("type", "node")
      .field("node", n.name)
      .field("status", n.online ? "online" : "offline");
  if (n.online) write_node_stats(w, n, t);
  w.field("cgroup-mode", 2);
  if (!n.ha_state.empty()) w.field("hastate", n.ha_state);
  w.end_object();
}

void write_storage_resources(JsonWriter& w, const Node& n) {
  for (const Storage& s : n.storages) {
    bool available = n.online && s.active && s.enabled;
    w.begin_object()
        .field("id", fmt::format("storage/{}/{}", n.name, s.id))
        .field("type", "storage")
        .field("storage", s.id)
        .field("node", n.name)
        .field("plugintype", s.type)
        .field("status", available ? "available" : "unknown")
        .field("shared", s.shared ? 1 : 0)
        .field("content", s.content);
    if (available) w.field("disk", s.used).field("maxdisk", s.total);
    w.end_object();
  }
}

void write_network_resources(JsonWriter& w, const Cluster& c) {
  for (const Node& n : c.nodes) {
    if (!n.online) continue;
    w.begin_object();
    if (c.pve_version == 9) {
      w.field("id", fmt::format("network/{}/zone/localnetwork", n.name))
          .field("type", "network")
          .field("network-type", "zone")
          .field("network", "localnetwork");
    } else {
      w.field("id", fmt::format("sdn/{}/localnetwork", n.name))
          .field("type", "sdn")
          .field("sdn", "localnetwork");
    }
    w.field("node", n.name).field("status", "ok").end_object();
  }
}

ApiResponse cluster_resources(const Cluster& c, const SimTime& t, const ApiRequest& r) {
  std::string type = r.param("type");
  if (!type.empty() && type != "vm" && type != "storage" && type != "node" && type != "sdn") {
    std::string body = fmt::format(
        "{{\"data\":null,\"message\":\"Parameter verification failed.\\n\",\"errors\":{{\"type\":"
        "\"value '{}' does not have a value in the enumeration 'vm, storage, node, sdn'\\n\"}}}}",
        type);
    return ApiResponse{400, body};
  }
  JsonWriter w;
  w.begin_array();
  if (type.empty()) write_pool_resources(w, c, t);
  if (type.empty() || type == "vm")
    for (const Guest& g : c.guests) write_guest_resource(w, c, g, t);
  if (type.empty() || type == "node")
    for (const Node& n : c.nodes) write_node_resource(w, n, t);
  if (type.empty() || type == "storage")
    for (const Node& n : c.nodes) write_storage_resources(w, n);
  if (type.empty() || (type == "sdn" && c.pve_version == 8)) write_network_resources(w, c);
  w.end_array();
  return ok(w.str());
}

ApiResponse nodes_list(const Cluster& c, const SimTime& t) {
  JsonWriter w;
  w.begin_array();
  for (const Node& n : c.nodes) {
    w.begin_object()
        .field("id", "node/" + n.name)
        .field("type", "node")
        .field("node", n.name)
        .field("status", n.online ? "online" : "offline");
    if (n.online) write_node_stats(w, n, t);
    w.field("ssl_fingerprint", n.ssl_fingerprint).end_object();
  }
  w.end_array();
  return ok(w.str());
}

// ---- /cluster/metrics/export ----

void metric(JsonWriter& w, std::string_view id, std::string_view name, double value, int64_t ts,
            bool derive = false) {
  w.begin_object()
      .field("id", id)
      .field("metric", name)
      .field("value", value)
      .field("timestamp", ts)
      .field("type", derive ? "derive" : "gauge")
      .end_object();
}

void export_generation(JsonWriter& w, const Cluster& c, const std::vector<const Node*>& nodes,
                       const SimTime& t, int64_t ts) {
  for (const Node* n : nodes) {
    std::string id = "node/" + n->name;
    double up = node_uptime(*n, t);
    double in = 0, out = 0;
    for (const NodeNic& nic : n->nics)
      if (nic.physical) {
        in += static_cast<double>(counter(nic.rx_rate, up));
        out += static_cast<double>(counter(nic.tx_rate, up));
      }
    metric(w, id, "uptime", std::floor(up), ts);
    metric(w, id, "net_in", in, ts, true);
    metric(w, id, "net_out", out, ts, true);
    metric(w, id, "cpu_avg1", n->loadavg[0], ts);
    metric(w, id, "cpu_avg5", n->loadavg[1], ts);
    metric(w, id, "cpu_avg15", n->loadavg[2], ts);
    metric(w, id, "cpu_max", n->cpus, ts);
    metric(w, id, "cpu_current", n->cpu, ts);
    metric(w, id, "cpu_iowait", n->wait, ts);
    metric(w, id, "mem_total", static_cast<double>(n->mem_total), ts);
    metric(w, id, "mem_used", static_cast<double>(n->mem_used), ts);
    metric(w, id, "swap_total", static_cast<double>(n->swap_total), ts);
    metric(w, id, "swap_used", static_cast<double>(n->swap_used), ts);
    metric(w, id, "disk_total", static_cast<double>(n->root_total), ts);
    metric(w, id, "disk_used", static_cast<double>(n->root_used), ts);
  }
  for (GuestType type : {GuestType::qemu, GuestType::lxc}) {
    for (const Node* n : nodes) {
      for (const Guest& g : c.guests) {
        if (g.type != type || &c.nodes[g.node] != n) continue;
        std::string id = fmt::format("{}/{}", type == GuestType::qemu ? "qemu" : "lxc", g.vmid);
        if (g.running) {
          if (type == GuestType::lxc)
            metric(w, id, "disk_used", static_cast<double>(g.disk), ts + 1);
          metric(w, id, "cpu_current", g.cpu, ts + 1);
          metric(w, id, "mem_used", static_cast<double>(g.mem), ts + 1);
          metric(w, id, "disk_read", static_cast<double>(guest_disk_read(g, t)), ts + 1, true);
          metric(w, id, "disk_write", static_cast<double>(guest_disk_write(g, t)), ts + 1, true);
          metric(w, id, "net_in", static_cast<double>(guest_net_in(g, t)), ts + 1, true);
          metric(w, id, "net_out", static_cast<double>(guest_net_out(g, t)), ts + 1, true);
        }
        metric(w, id, "uptime", std::floor(guest_uptime(g, t)), ts + 1);
        metric(w, id, "cpu_max", g.cpus, ts + 1);
        metric(w, id, "mem_total", static_cast<double>(g.maxmem), ts + 1);
        metric(w, id, "disk_total", static_cast<double>(g.maxdisk), ts + 1);
      }
    }
  }
  for (const Node* n : nodes) {
    for (const Storage& s : n->storages) {
      std::string id = fmt::format("storage/{}/{}", n->name, s.id);
      bool on = s.active && s.enabled;
      metric(w, id, "disk_total", on ? static_cast<double>(s.total) : 0.0, ts + 2);
      metric(w, id, "disk_used", on ? static_cast<double>(s.used) : 0.0, ts + 2);
    }
  }
}

ApiResponse metrics_export(const Cluster& c, const SimTime& t, const ApiRequest& r) {
  std::vector<const Node*> nodes;
  std::string node_list = r.param("node-list");
  if (!node_list.empty() && c.pve_version == 8) {
    return ApiResponse{400,
                       "{\"data\":null,\"message\":\"Parameter verification failed.\\n\","
                       "\"errors\":{\"node-list\":\"property is not defined in schema and the "
                       "schema does not allow additional properties\\n\"}}"};
  }
  if (!node_list.empty()) {
    std::string unknown;
    for (std::string_view name : util::split_any(node_list, ",")) {
      const Node* n = c.find_node(name);
      if (n == nullptr) {
        unknown += (unknown.empty() ? "" : ", ") + std::string(name);
      } else if (n->online) {
        nodes.push_back(n);
      }
    }
    if (!unknown.empty())
      return api_error(500, "Requested node-list contains unknown nodes - " + unknown);
  } else if (r.flag("local-only")) {
    nodes.push_back(&c.nodes.front());
  } else {
    for (const Node& n : c.nodes)
      if (n.online) nodes.push_back(&n);
  }
  int64_t newest = static_cast<int64_t>(t.now) / 10 * 10;
  int64_t start_time = util::parse_int(r.param("start-time", "0")).value_or(0);
  int generations = 1;
  if (r.flag("history")) {
    generations = 181;
    if (start_time > 0)
      generations = static_cast<int>(std::clamp<int64_t>((newest - start_time) / 10 + 1, 0, 181));
  }
  JsonWriter w;
  w.begin_object().key("data").begin_array();
  for (int g = generations - 1; g >= 0; --g) {
    int64_t ts = newest - 10 * g;
    if (ts <= start_time) continue;
    SimTime at{static_cast<double>(ts), t.elapsed - (t.now - static_cast<double>(ts))};
    export_generation(w, c, nodes, at, ts);
  }
  w.end_array().end_object();
  return ok(w.str());
}

// ---- HA ----

std::string ha_sid(const Guest& g) {
  return fmt::format("{}:{}", g.type == GuestType::qemu ? "vm" : "ct", g.vmid);
}

ApiResponse ha_status(const Cluster& c, const SimTime& t) {
  JsonWriter w;
  const Node& local = c.nodes.front();
  bool quorate = is_quorate(c);
  bool ha = c.uses_ha();
  w.begin_array();
  w.begin_object()
      .field("id", "quorum")
      .field("type", "quorum")
      .field("node", local.name)
      .field("status", quorate ? std::string("OK") : "No quorum on node '" + local.name + "'!")
      .field("quorate", quorate ? 1 : 0)
      .end_object();
  double now = std::floor(t.now);
  if (ha) {
    w.begin_object()
        .field("id", "master")
        .field("type", "master")
        .field("node", local.name)
        .field("status", fmt::format("{} (active, {})", local.name, perl_time(now - 2)))
        .field("timestamp", static_cast<int64_t>(now - 2))
        .end_object();
  }
  if (c.pve_version == 9) {
    w.begin_object()
        .field("id", "fencing")
        .field("type", "fencing")
        .field("node", local.name)
        .field("status", ha ? "armed (CRM watchdog active)" : "standby")
        .field("armed-state", ha ? "armed" : "standby")
        .end_object();
  }
  if (ha) {
    for (const Node& n : c.nodes) {
      double ts = n.online ? now - 3 : now - 3600;
      std::string state =
          n.online ? "active, watchdog active" : "old timestamp - dead?, watchdog standby";
      w.begin_object()
          .field("id", "lrm:" + n.name)
          .field("type", "lrm")
          .field("node", n.name)
          .field("status", fmt::format("{} ({}, {})", n.name, state, perl_time(ts)))
          .field("timestamp", static_cast<int64_t>(ts))
          .end_object();
    }
  }
  for (const Guest& g : c.guests) {
    if (g.ha_state.empty()) continue;
    std::string crm = g.ha_state == "disabled" ? "stopped" : g.ha_state;
    std::string state = g.ha_state == "request_stop" ? "stopping" : g.ha_state;
    std::string request = g.ha_request.empty() ? "started" : g.ha_request;
    const std::string& node = c.nodes[g.node].name;
    w.begin_object()
        .field("id", "service:" + ha_sid(g))
        .field("type", "service")
        .field("sid", ha_sid(g))
        .field("node", node)
        .field("crm_state", crm)
        .field("state", state)
        .field("request_state", request)
        .field("status", fmt::format("{} ({}, {})", ha_sid(g), node, state))
        .field("max_restart", 1)
        .field("max_relocate", 1);
    if (c.pve_version == 9) w.field("failback", 1);
    w.end_object();
  }
  w.end_array();
  return ok(w.str());
}

ApiResponse ha_resources(const Cluster& c, const ApiRequest& r) {
  std::string type = r.param("type");
  JsonWriter w;
  w.begin_array();
  for (const Guest& g : c.guests) {
    if (g.ha_state.empty()) continue;
    std::string gtype = g.type == GuestType::qemu ? "vm" : "ct";
    if (!type.empty() && type != gtype) continue;
    w.begin_object().field("sid", ha_sid(g)).field("type", gtype);
    if (!g.ha_request.empty()) w.field("state", g.ha_request);
    if (g.vmid % 3 == 0) w.field("max_restart", 2).field("max_relocate", 2);
    if (c.pve_version == 9 && g.vmid % 4 == 0) w.field("failback", 0);
    w.field("digest", fmt::format("{:040x}", static_cast<uint64_t>(g.vmid) * 0x9E3779B97F4Aull))
        .end_object();
  }
  w.end_array();
  return ok(w.str());
}

// ---- replication, backups, qdevice ----

ApiResponse cluster_replication(const Cluster& c) {
  JsonWriter w;
  w.begin_array();
  for (const ReplicationJob& j : c.replication) {
    w.begin_object()
        .field("id", fmt::format("{}-{}", j.guest, j.jobnum))
        .field("type", "local")
        .field("guest", j.guest)
        .field("jobnum", j.jobnum)
        .field("target", c.nodes[j.target].name)
        .field("schedule", j.schedule)
        .field("source", c.nodes[j.source].name);
    if (j.disabled) w.field("disable", 1);
    w.end_object();
  }
  w.end_array();
  return ok(w.str());
}

std::string join_ids(const std::vector<int>& ids) {
  std::string out;
  for (int id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

ApiResponse cluster_backup(const Cluster& c, const SimTime& t) {
  JsonWriter w;
  w.begin_array();
  for (const BackupJob& j : c.backup_jobs) {
    w.begin_object().field("id", j.id).field("type", "vzdump").field("enabled", j.enabled ? 1 : 0);
    w.field("schedule", j.schedule);
    if (j.enabled) {
      double day = std::floor(t.now / 86400) * 86400;
      double next = day + j.schedule_hour * 3600;
      if (next <= t.now) next += 86400;
      w.field("next-run", static_cast<int64_t>(next));
    }
    w.field("storage", j.storage).field("mode", j.mode).field("compress", j.compress);
    if (j.all) w.field("all", 1);
    if (!j.vmids.empty()) w.field("vmid", join_ids(j.vmids));
    if (!j.exclude.empty()) w.field("exclude", join_ids(j.exclude));
    w.field("mailnotification", "failure").field("notes-template", "{{guestname}}");
    w.key("prune-backups")
        .begin_object()
        .field("keep-daily", "7")
        .field("keep-weekly", "4")
        .end_object();
    w.end_object();
  }
  w.end_array();
  return ok(w.str());
}

bool is_backed_up(const Cluster& c, int vmid) {
  for (const BackupJob& j : c.backup_jobs) {
    if (j.all && std::find(j.exclude.begin(), j.exclude.end(), vmid) == j.exclude.end())
      return true;
    if (std::find(j.vmids.begin(), j.vmids.end(), vmid) != j.vmids.end()) return true;
  }
  return false;
}

ApiResponse not_backed_up(const Cluster& c) {
  JsonWriter w;
  w.begin_array();
  for (const Guest& g : c.guests) {
    if (is_backed_up(c, g.vmid)) continue;
    w.begin_object()
        .field("vmid", g.vmid)
        .field("type", g.type == GuestType::qemu ? "qemu" : "lxc")
        .field("name", g.name)
        .end_object();
  }
  w.end_array();
  return ok(w.str());
}

ApiResponse qdevice(const Cluster& c) {
  JsonWriter w;
  w.begin_object();
  if (c.qdevice) {
    w.field("Model", "Net")
        .field("QNetd host", "192.168.10.50:5403")
        .field("State", "Connected")
        .field("Algorithm", "Fifty-Fifty split")
        .field("Tie-breaker", "Node with lowest node ID")
        .field("Last poll call", "2025-08-19T12:39:41 (cast vote)")
        .field("Echo reply", "received");
  }
  w.end_object();
  return ok(w.str());
}

}  // namespace

std::optional<ApiResponse> answer_cluster(const Cluster& c, const SimTime& t, const ApiRequest& r) {
  const std::string& p = r.path;
  if (p == "/version") return version(c);
  if (p == "/cluster/status") return cluster_status(c);
  if (p == "/cluster/resources") return cluster_resources(c, t, r);
  if (p == "/nodes") return nodes_list(c, t);
  if (p == "/cluster/metrics/export") return metrics_export(c, t, r);
  if (p == "/cluster/ha/status/current") return ha_status(c, t);
  if (p == "/cluster/ha/resources") return ha_resources(c, r);
  if (p == "/cluster/replication") return cluster_replication(c);
  if (p == "/cluster/backup") return cluster_backup(c, t);
  if (p == "/cluster/backup-info/not-backed-up") return not_backed_up(c);
  if (p == "/cluster/config/qdevice") return qdevice(c);
  if (p == "/cluster/ceph/status")
    return api_error(500, "pveceph configuration not initialized - missing '/etc/pve/ceph.conf'");
  return std::nullopt;
}

}  // namespace pvex::sim
