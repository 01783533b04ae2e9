// The peer's cluster collectors: status, version, node, cluster, resources, backup-info and
// qdevice, rendered from /cluster/status, /cluster/resources, /version,
// /cluster/backup-info/not-backed-up and /cluster/config/qdevice (each fetched once per scrape).
#include <algorithm>
#include <array>
#include <string>

#include "compat/render.hpp"
#include "pve/compat_views.hpp"
#include "util/strings.hpp"

namespace pvex::compat {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_up{"pve_up",
                  "Node, guest or storage is up (node online, cluster quorate, guest running, "
                  "storage available).",
                  Type::gauge,
                  {"id"}};
const Family k_version_info{"pve_version_info",
                            "Proxmox VE version of the answering node.",
                            Type::gauge,
                            {"release", "repoid", "version"}};
const Family k_node_info{
    "pve_node_info", "Cluster member node.", Type::gauge, {"id", "level", "name", "nodeid"}};
const Family k_cluster_info{"pve_cluster_info",
                            "Cluster (the cluster entry of /cluster/status).",
                            Type::gauge,
                            {"id", "nodes", "quorate", "version"}};

const Family k_disk_size{"pve_disk_size_bytes",
                         "Disk size (maxdisk) of a node root fs, guest or storage.",
                         Type::gauge,
                         {"id"}};
const Family k_disk_usage{"pve_disk_usage_bytes",
                          "Disk usage (disk); PVE reports 0 for QEMU guests.",
                          Type::gauge,
                          {"id"}};
const Family k_mem_size{"pve_memory_size_bytes", "Memory size (maxmem).", Type::gauge, {"id"}};
const Family k_mem_usage{"pve_memory_usage_bytes", "Memory usage (mem).", Type::gauge, {"id"}};
const Family k_net_tx_total{
    "pve_network_transmit_bytes_total", "Bytes sent by the guest (netout).", Type::counter, {"id"}};
const Family k_net_rx_total{"pve_network_receive_bytes_total",
                            "Bytes received by the guest (netin).",
                            Type::counter,
                            {"id"}};
const Family k_disk_written_total{"pve_disk_written_bytes_total",
                                  "Bytes written by the guest (diskwrite).",
                                  Type::counter,
                                  {"id"}};
const Family k_disk_read_total{
    "pve_disk_read_bytes_total", "Bytes read by the guest (diskread).", Type::counter, {"id"}};
const Family k_net_tx{"pve_network_transmit_bytes",
                      "Deprecated gauge twin of pve_network_transmit_bytes_total.",
                      Type::gauge,
                      {"id"}};
const Family k_net_rx{"pve_network_receive_bytes",
                      "Deprecated gauge twin of pve_network_receive_bytes_total.",
                      Type::gauge,
                      {"id"}};
const Family k_disk_write{"pve_disk_write_bytes",
                          "Deprecated gauge twin of pve_disk_written_bytes_total.",
                          Type::gauge,
                          {"id"}};
const Family k_disk_read{"pve_disk_read_bytes",
                         "Deprecated gauge twin of pve_disk_read_bytes_total.",
                         Type::gauge,
                         {"id"}};
const Family k_cpu_ratio{
    "pve_cpu_usage_ratio", "CPU usage (cpu, 0..1 of maxcpu).", Type::gauge, {"id"}};
const Family k_cpu_limit{"pve_cpu_usage_limit", "CPUs available (maxcpu).", Type::gauge, {"id"}};
const Family k_uptime{"pve_uptime_seconds", "Uptime (uptime).", Type::gauge, {"id"}};
const Family k_storage_shared{
    "pve_storage_shared", "Storage is shared between nodes (1) or not (0).", Type::gauge, {"id"}};
const Family k_ha_state{"pve_ha_state",
                        "HA state of a guest or node: 1 for the current one, 0 for the others.",
                        Type::gauge,
                        {"id", "state"}};
const Family k_lock_state{"pve_lock_state",
                          "Config lock of a guest: 1 for the current one, 0 for the others.",
                          Type::gauge,
                          {"id", "state"}};
const Family k_guest_info{"pve_guest_info",
                          "Guest (QEMU VM or LXC container).",
                          Type::gauge,
                          {"id", "node", "name", "type", "template", "tags"}};
const Family k_storage_info{"pve_storage_info",
                            "Storage on a node; content sorted.",
                            Type::gauge,
                            {"id", "node", "storage", "plugintype", "content"}};

const Family k_not_backed_up_total{
    "pve_not_backed_up_total", "Guests not covered by any backup job.", Type::gauge, {"id"}};
const Family k_not_backed_up_info{
    "pve_not_backed_up_info", "Guest not covered by any backup job.", Type::gauge, {"id"}};
const Family k_qdevice_up{
    "pve_qdevice_up", "QDevice is connected (1) or not (0).", Type::gauge, {"id"}};
const Family k_qdevice_info{"pve_qdevice_info",
                            "Corosync QDevice of the cluster.",
                            Type::gauge,
                            {"id", "model", "algorithm", "qnetd_host", "tie_breaker", "state"}};

constexpr std::array<std::string_view, 11> k_guest_ha_states{
    "stopped",  "request_stop", "request_start", "request_start_balance",
    "started",  "fence",        "recovery",      "migrate",
    "relocate", "freeze",       "error"};
constexpr std::array<std::string_view, 5> k_node_ha_states{"online", "maintenance", "unknown",
                                                           "fence", "gone"};
constexpr std::array<std::string_view, 9> k_lock_states{
    "backup",   "clone",           "create",    "migrate",   "rollback",
    "snapshot", "snapshot-delete", "suspended", "suspending"};

template <class T>
void add_opt(metrics::MetricSet& out, const Family& family, const std::optional<T>& value,
             std::string_view id) {
  if (value) out.add(family, static_cast<double>(*value), {id});
}

template <size_t N>
void add_states(metrics::MetricSet& out, const Family& family,
                const std::array<std::string_view, N>& states, std::string_view id,
                const std::optional<std::string>& current) {
  for (std::string_view state : states)
    out.add(family, current && *current == state ? 1 : 0, {id, state});
}

std::string guest_id(const pve::GuestResource& g) {
  return std::string(pve::to_string(g.type)) + "/" + std::to_string(g.vmid);
}

std::string storage_id(const pve::StorageResource& s) {
  return "storage/" + s.node + "/" + s.storage;
}

std::string sorted_content(std::string_view content) {
  std::vector<std::string> parts;
  for (std::string_view p : util::split_any(content, ",")) parts.emplace_back(p);
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

/// The counters and their deprecated gauge twins: the same value under both names.
void add_counter_pair(metrics::MetricSet& out, const Family& counter, const Family& gauge,
                      const std::optional<uint64_t>& value, std::string_view id) {
  add_opt(out, counter, value, id);
  add_opt(out, gauge, value, id);
}

Result<pve::ClusterStatus> fetch_status(pve::Session& api) {
  Result<pve::Body> body = api.get("/cluster/status");
  if (!body) return fail(body.error());
  return pve::parse_cluster_status(**body);
}

Result<pve::Resources> fetch_resources(pve::Session& api) {
  // One unfiltered call serves the peer's three (?type=vm, ?type=storage and no filter).
  Result<pve::Body> body = api.get("/cluster/resources");
  if (!body) return fail(body.error());
  return pve::parse_cluster_resources(**body);
}

}  // namespace

void render_status(const pve::ClusterStatus& status, const pve::Resources* resources,
                   metrics::MetricSet& out) {
  if (status.cluster)
    out.add(k_up, status.cluster->quorate ? 1 : 0, {"cluster/" + status.cluster->name});
  for (const pve::ClusterMember& m : status.members)
    out.add(k_up, m.online ? 1 : 0, {"node/" + m.name});
  if (resources == nullptr) return;
  for (const pve::GuestResource& g : resources->guests)
    out.add(k_up, g.status == "running" ? 1 : 0, {guest_id(g)});
  for (const pve::StorageResource& s : resources->storages)
    out.add(k_up, s.status == "available" ? 1 : 0, {storage_id(s)});
}

void render_version(const pve::Version& version, metrics::MetricSet& out) {
  out.add(k_version_info, 1, {version.release, version.repoid, version.version});
}

void render_nodes(const pve::ClusterStatus& status, metrics::MetricSet& out) {
  for (const pve::ClusterMember& m : status.members) {
    const std::string nodeid = m.node_id ? std::to_string(*m.node_id) : "";
    out.add(k_node_info, 1, {"node/" + m.name, m.level, m.name, nodeid});
  }
}

void render_cluster(const pve::ClusterStatus& status, metrics::MetricSet& out) {
  if (!status.cluster) return;
  const pve::ClusterInfo& c = *status.cluster;
  out.add(k_cluster_info, 1,
          {"cluster/" + c.name, c.nodes ? std::to_string(*c.nodes) : "", c.quorate ? "1" : "0",
           c.config_version ? std::to_string(*c.config_version) : ""});
}

void render_resources(const pve::Resources& resources, metrics::MetricSet& out) {
  for (const Family* f : {&k_disk_size,
                          &k_disk_usage,
                          &k_mem_size,
                          &k_mem_usage,
                          &k_net_tx_total,
                          &k_net_rx_total,
                          &k_disk_written_total,
                          &k_disk_read_total,
                          &k_net_tx,
                          &k_net_rx,
                          &k_disk_write,
                          &k_disk_read,
                          &k_cpu_ratio,
                          &k_cpu_limit,
                          &k_uptime,
                          &k_storage_shared,
                          &k_ha_state,
                          &k_lock_state,
                          &k_guest_info,
                          &k_storage_info})
    out.declare(*f);

  for (const pve::NodeResource& n : resources.nodes) {
    const std::string id = "node/" + n.node;
    add_opt(out, k_disk_size, n.maxdisk_bytes, id);
    add_opt(out, k_disk_usage, n.disk_bytes, id);
    add_opt(out, k_mem_size, n.maxmem_bytes, id);
    add_opt(out, k_mem_usage, n.mem_bytes, id);
    add_opt(out, k_cpu_ratio, n.cpu_ratio, id);
    add_opt(out, k_cpu_limit, n.maxcpu, id);
    add_opt(out, k_uptime, n.uptime_seconds, id);
    add_states(out, k_ha_state, k_node_ha_states, id, n.hastate);
  }
  for (const pve::GuestResource& g : resources.guests) {
    const std::string id = guest_id(g);
    add_opt(out, k_disk_size, g.maxdisk_bytes, id);
    add_opt(out, k_disk_usage, g.disk_bytes, id);
    add_opt(out, k_mem_size, g.maxmem_bytes, id);
    add_opt(out, k_mem_usage, g.mem_bytes, id);
    add_counter_pair(out, k_net_tx_total, k_net_tx, g.netout_bytes, id);
    add_counter_pair(out, k_net_rx_total, k_net_rx, g.netin_bytes, id);
    add_counter_pair(out, k_disk_written_total, k_disk_write, g.diskwrite_bytes, id);
    add_counter_pair(out, k_disk_read_total, k_disk_read, g.diskread_bytes, id);
    add_opt(out, k_cpu_ratio, g.cpu_ratio, id);
    add_opt(out, k_cpu_limit, g.maxcpu, id);
    add_opt(out, k_uptime, g.uptime_seconds, id);
    add_states(out, k_ha_state, k_guest_ha_states, id, g.hastate);
    add_states(out, k_lock_state, k_lock_states, id, g.lock);
    const std::string_view tmpl = !g.is_template ? "" : *g.is_template ? "1" : "0";
    out.add(k_guest_info, 1,
            {id, g.node, g.name.value_or(""), pve::to_string(g.type), tmpl, g.tags.value_or("")});
  }
  for (const pve::StorageResource& s : resources.storages) {
    const std::string id = storage_id(s);
    add_opt(out, k_disk_size, s.maxdisk_bytes, id);
    add_opt(out, k_disk_usage, s.disk_bytes, id);
    out.add(k_storage_shared, s.shared ? 1 : 0, {id});
    out.add(k_storage_info, 1, {id, s.node, s.storage, s.plugin_type, sorted_content(s.content)});
  }
  for (const pve::PoolResource& p : resources.pools) {
    const std::string id = "/pool/" + p.pool;
    add_opt(out, k_mem_size, p.maxmem_bytes, id);
    add_opt(out, k_mem_usage, p.mem_bytes, id);
    add_opt(out, k_cpu_ratio, p.cpu_ratio, id);
    add_opt(out, k_cpu_limit, p.maxcpu, id);
    add_opt(out, k_uptime, p.uptime_seconds, id);
  }
}

void render_backup_info(std::string_view first_name,
                        const std::vector<pve::NotBackedUpGuest>& guests, metrics::MetricSet& out) {
  out.add(k_not_backed_up_total, static_cast<double>(guests.size()),
          {"cluster/" + std::string(first_name)});
  for (const pve::NotBackedUpGuest& g : guests)
    out.add(k_not_backed_up_info, 1, {g.type + "/" + std::to_string(g.vmid)});
}

void render_qdevice(const pve::ClusterStatus& status, const pve::QDevice& qdevice,
                    metrics::MetricSet& out) {
  if (!status.cluster || !qdevice.is_configured()) return;
  const std::string id = "cluster/" + status.cluster->name;
  out.add(k_qdevice_up, qdevice.state == "Connected" ? 1 : 0, {id});
  out.add(k_qdevice_info, 1,
          {id, qdevice.model.value_or(""), qdevice.algorithm.value_or(""),
           qdevice.qnetd_host.value_or(""), qdevice.tie_breaker.value_or(""),
           qdevice.state.value_or("")});
}

Result<void> collect_status(collectors::Scrape& scrape, metrics::MetricSet& out) {
  const std::array<std::string, 2> paths{"/cluster/status", "/cluster/resources"};
  std::vector<Result<pve::Body>> bodies = scrape.api().get_all(paths);
  if (!bodies[0]) return fail(bodies[0].error());
  Result<pve::ClusterStatus> status = pve::parse_cluster_status(*bodies[0].value());
  if (!status) return fail(status.error());
  Result<pve::Resources> resources = bodies[1] ? pve::parse_cluster_resources(*bodies[1].value())
                                               : Result<pve::Resources>(fail(bodies[1].error()));
  render_status(*status, resources ? &*resources : nullptr, out);
  if (!resources) return fail(resources.error());
  return {};
}

Result<void> collect_version(collectors::Scrape& scrape, metrics::MetricSet& out) {
  Result<pve::Body> body = scrape.api().get("/version");
  if (!body) return fail(body.error());
  Result<pve::Version> version = pve::parse_version(**body);
  if (!version) return fail(version.error());
  render_version(*version, out);
  return {};
}

Result<void> collect_node(collectors::Scrape& scrape, metrics::MetricSet& out) {
  Result<pve::ClusterStatus> status = fetch_status(scrape.api());
  if (!status) return fail(status.error());
  render_nodes(*status, out);
  return {};
}

Result<void> collect_cluster(collectors::Scrape& scrape, metrics::MetricSet& out) {
  Result<pve::ClusterStatus> status = fetch_status(scrape.api());
  if (!status) return fail(status.error());
  render_cluster(*status, out);
  return {};
}

Result<void> collect_resources(collectors::Scrape& scrape, metrics::MetricSet& out) {
  Result<pve::Resources> resources = fetch_resources(scrape.api());
  if (!resources) return fail(resources.error());
  render_resources(*resources, out);
  return {};
}

Result<void> collect_backup_info(collectors::Scrape& scrape, metrics::MetricSet& out) {
  const std::array<std::string, 2> paths{"/cluster/status", "/cluster/backup-info/not-backed-up"};
  std::vector<Result<pve::Body>> bodies = scrape.api().get_all(paths);
  for (const Result<pve::Body>& body : bodies)
    if (!body) return fail(body.error());
  Result<std::string> first = pve::parse_first_status_name(*bodies[0].value());
  if (!first) return fail(first.error());
  Result<std::vector<pve::NotBackedUpGuest>> guests = pve::parse_not_backed_up(*bodies[1].value());
  if (!guests) return fail(guests.error());
  render_backup_info(*first, *guests, out);
  return {};
}

Result<void> collect_qdevice(collectors::Scrape& scrape, metrics::MetricSet& out) {
  Result<pve::ClusterStatus> status = fetch_status(scrape.api());
  if (!status) return fail(status.error());
  if (!status->cluster) return {};  // standalone node: no QDevice to ask about
  Result<pve::Body> body = scrape.api().get("/cluster/config/qdevice");
  // The peer drops the series on an API error; we do too, but report the failure.
  if (!body) return fail(body.error());
  Result<pve::QDevice> qdevice = pve::parse_qdevice(**body);
  if (!qdevice) return fail(qdevice.error());
  render_qdevice(*status, *qdevice, out);
  return {};
}

}  // namespace pvex::compat
