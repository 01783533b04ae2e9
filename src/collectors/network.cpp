// collectors/network.cpp: node traffic over physical NICs (/cluster/metrics/export) and each
// container's per-interface counters (/nodes/{node}/netstat).
#include <map>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/guest_filter.hpp"
#include "pve/fetch.hpp"
#include "pve/metrics_export.hpp"
#include "pve/netstat.hpp"
#include "pve/version.hpp"
#include "util/strings.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_node_success{"pve_network_node_scrape_success",
                            "1 if the node's /nodes/{node}/netstat answered in this scrape, else "
                            "0; only nodes corosync reports online.",
                            Type::gauge,
                            {"node"}};
const Family k_node_rx{"pve_node_network_receive_bytes_total",
                       "Bytes the node received over its physical interfaces "
                       "(/cluster/metrics/export net_in; PVE >= 8.3, absent before).",
                       Type::counter,
                       {"node"}};
const Family k_node_tx{"pve_node_network_transmit_bytes_total",
                       "Bytes the node sent over its physical interfaces (/cluster/metrics/export "
                       "net_out; PVE >= 8.3, absent before).",
                       Type::counter,
                       {"node"}};
const Family k_ct_rx{
    "pve_container_interface_receive_bytes_total",
    "Bytes the container received on one interface (netstat in); interface is veth<vmid>i<n>.",
    Type::counter,
    {"node", "type", "vmid", "name", "interface"}};
const Family k_ct_tx{
    "pve_container_interface_transmit_bytes_total",
    "Bytes the container sent on one interface (netstat out); interface is veth<vmid>i<n>.",
    Type::counter,
    {"node", "type", "vmid", "name", "interface"}};

/// True when the PVE release ("9.0", "8.4") serves /cluster/metrics/export (8.3 and later).
bool has_metrics_export(std::string_view release) {
  std::vector<std::string_view> parts = util::split_any(release, ".");
  if (parts.size() < 2) return false;
  std::optional<int64_t> major = util::parse_int(parts[0]), minor = util::parse_int(parts[1]);
  if (!major || !minor) return false;
  return *major > 8 || (*major == 8 && *minor >= 3);
}

void render_export(const std::vector<pve::ExportedMetric>& items,
                   const std::vector<std::string>& online, metrics::MetricSet& out) {
  // Newest sample per node and metric (the answer is sorted by timestamp ascending).
  std::map<std::string, std::pair<double, double>> traffic;  // node -> (in, out)
  std::map<std::string, std::pair<bool, bool>> seen;
  for (const pve::ExportedMetric& m : items) {
    if (!m.id.starts_with("node/")) continue;
    const std::string node = m.id.substr(5);
    if (m.metric == "net_in") traffic[node].first = m.value, seen[node].first = true;
    if (m.metric == "net_out") traffic[node].second = m.value, seen[node].second = true;
  }
  for (const std::string& node : online) {
    auto it = traffic.find(node);
    if (it == traffic.end()) continue;
    if (seen[node].first) out.add(k_node_rx, it->second.first, {node});
    if (seen[node].second) out.add(k_node_tx, it->second.second, {node});
  }
}

}  // namespace

Result<void> collect_network(Scrape& scrape, metrics::MetricSet& out) {
  const config::GuestConfig& cfg = scrape.config().guests;
  Result<GuestFilter> filter = GuestFilter::create(cfg);
  if (!filter) return fail(filter.error());
  pve::Session& api = scrape.api();
  // The node list and the release in the first wave; what depends on them in the second.
  static const std::string k_first_wave[] = {"/cluster/status", "/version"};
  api.prefetch(k_first_wave);
  Result<pve::ClusterStatus> status = pve::fetch_cluster_status(api);
  if (!status) return fail(status.error());
  const std::vector<std::string> online = pve::online_nodes(*status);
  pve::Failures failures;

  // Node traffic, where the release has the endpoint.
  Result<pve::Body> version_body = api.get("/version");
  Result<pve::Version> version =
      version_body ? pve::parse_version(**version_body) : fail(version_body.error());
  if (!version) {
    failures.note(version.error());
  }
  const bool with_export = version && has_metrics_export(version->release);
  std::vector<std::string> nodes;
  for (const std::string& n : online)
    if (filter->keeps_node(n)) nodes.push_back(n);
  // Everything else in one parallel wave (memoised; the code below reads the answers): the
  // export, and for container interfaces the inventory and every node's netstat.
  std::vector<std::string> wave;
  if (with_export) wave.push_back("/cluster/metrics/export");
  if (cfg.per_nic) {
    wave.push_back("/cluster/resources");
    for (const std::string& n : nodes) wave.push_back(pve::node_path(n, "/netstat"));
  }
  api.prefetch(wave);

  if (with_export) {
    Result<std::vector<pve::ExportedMetric>> items = pve::fetch_export_nodes(api);
    if (items)
      render_export(*items, online, out);
    else
      failures.note(items.error());
  }

  // Container interfaces: netstat lists tap (QEMU) and veth (LXC) devices; QEMU ones are in
  // the guest collector's per-NIC series already, so only containers are rendered here.
  if (!cfg.per_nic) return failures.result();
  Result<std::shared_ptr<const pve::Resources>> resources = pve::fetch_resources_shared(api);
  if (!resources) {
    failures.note(resources.error());
    return failures.result();
  }
  std::map<int64_t, const pve::GuestResource*> containers;
  for (const pve::GuestResource& r : (*resources)->guests)
    if (r.type == pve::GuestType::lxc) containers.emplace(r.vmid, &r);
  std::vector<pve::NodeAnswer<std::vector<pve::NetstatEntry>>> answers =
      pve::fetch_per_node(api, nodes, "/netstat", &pve::parse_netstat);
  for (const pve::NodeAnswer<std::vector<pve::NetstatEntry>>& a : answers) {
    out.add(k_node_success, a.value ? 1 : 0, {a.node});
    if (!a.value) {
      failures.note(a.value.error());
      continue;
    }
    for (const pve::NetstatEntry& e : *a.value) {
      auto it = containers.find(e.vmid);
      if (it == containers.end()) continue;
      const pve::GuestResource& r = *it->second;
      const std::string name = r.name.value_or("");
      if (!filter->keeps({a.node, name, r.tags.value_or(""), r.pool.value_or("")})) continue;
      const std::string vmid = std::to_string(e.vmid);
      // net<n> -> veth<vmid>i<n>, the host-side device name.
      const std::string iface =
          "veth" + vmid + "i" + (e.dev.starts_with("net") ? e.dev.substr(3) : e.dev);
      if (e.in_bytes)
        out.add(k_ct_rx, static_cast<double>(*e.in_bytes), {a.node, "lxc", vmid, name, iface});
      if (e.out_bytes)
        out.add(k_ct_tx, static_cast<double>(*e.out_bytes), {a.node, "lxc", vmid, name, iface});
    }
  }
  return failures.result();
}

}  // namespace pvex::collectors
