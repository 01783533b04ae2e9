// collectors/pve_zfs.cpp: ZFS pools and vdevs of every online node, via the PVE API disks/zfs.
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "pve/cluster.hpp"
#include "pve/disks_zfs.hpp"
#include "util/strings.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_size{"pve_zfs_pool_size_bytes",
                    "Raw pool size (API disks/zfs size).",
                    Type::gauge,
                    {"node", "pool"}};
const Family k_alloc{"pve_zfs_pool_allocated_bytes",
                     "Raw bytes allocated (API disks/zfs alloc).",
                     Type::gauge,
                     {"node", "pool"}};
const Family k_free{"pve_zfs_pool_free_bytes",
                    "Raw bytes free (API disks/zfs free).",
                    Type::gauge,
                    {"node", "pool"}};
const Family k_frag{"pve_zfs_pool_fragmentation_percent",
                    "Free-space fragmentation in percent (API disks/zfs frag; 0 when unknown).",
                    Type::gauge,
                    {"node", "pool"}};
const Family k_dedup{"pve_zfs_pool_dedup_ratio",
                     "Deduplication ratio (API disks/zfs dedup).",
                     Type::gauge,
                     {"node", "pool"}};
const Family k_health{
    "pve_zfs_pool_health",
    "Pool health (API disks/zfs health): 1 for the current state, 0 for the others.",
    Type::gauge,
    {"node", "pool", "state"}};
const Family k_data_errors{"pve_zfs_pool_data_errors",
                           "Known permanent data errors (API disks/zfs/{pool} errors text).",
                           Type::gauge,
                           {"node", "pool"}};
const Family k_vdev_state{"pve_zfs_vdev_state",
                          "Vdev state (API disks/zfs/{pool}): 1 for the current state, 0 for the "
                          "others. vdev is the position in the tree.",
                          Type::gauge,
                          {"node", "pool", "vdev", "state"}};
const Family k_vdev_errors{"pve_zfs_vdev_errors_present",
                           "1 if the vdev's read, write or checksum error counter is non-zero (the "
                           "API abbreviates counts, so only zero/non-zero is reliable).",
                           Type::gauge,
                           {"node", "pool", "vdev", "kind"}};

constexpr std::string_view k_pool_states[] = {"ONLINE",  "DEGRADED", "FAULTED",  "OFFLINE",
                                              "REMOVED", "UNAVAIL",  "SUSPENDED"};
constexpr std::string_view k_vdev_states[] = {"ONLINE",  "DEGRADED", "FAULTED", "OFFLINE",
                                              "REMOVED", "UNAVAIL",  "AVAIL",   "INUSE"};

/// What one node answered: its pools and, per pool, the detail (or nothing if that call failed).
struct NodeZfs {
  std::string node;
  std::vector<pve::ZfsPoolSummary> pools;
  std::vector<std::optional<pve::ZfsPoolDetail>> details;  // parallel to pools
};

/// Device paths (`/dev/disk/by-id/ata-X-part3`) become their last component, as `zpool status`
/// prints them without -P, so local and API vdev labels agree.
std::string_view short_name(std::string_view name) {
  if (name.empty() || name.front() != '/') return name;
  return name.substr(name.rfind('/') + 1);
}

void render_tree(const NodeZfs& n, const pve::ZfsPoolSummary& pool, const pve::ZfsTreeNode& t,
                 const std::string& parent, metrics::MetricSet& out) {
  const std::string path = parent.empty() ? std::string(short_name(t.name))
                                          : parent + "/" + std::string(short_name(t.name));
  if (!t.state.empty()) {
    out.add_state_set(k_vdev_state, k_vdev_states, t.state, {n.node, pool.name, path});
    const std::pair<std::string_view, const std::optional<double>*> counters[] = {
        {"read", &t.read}, {"write", &t.write}, {"checksum", &t.cksum}};
    for (const auto& [kind, value] : counters)
      if (*value) out.add(k_vdev_errors, **value != 0 ? 1 : 0, {n.node, pool.name, path, kind});
  }
  for (const pve::ZfsTreeNode& c : t.children) render_tree(n, pool, c, path, out);
}

void render(const std::vector<NodeZfs>& nodes, metrics::MetricSet& out) {
  for (const NodeZfs& n : nodes) {
    for (size_t i = 0; i < n.pools.size(); ++i) {
      const pve::ZfsPoolSummary& p = n.pools[i];
      const std::initializer_list<std::string_view> labels = {n.node, p.name};
      if (p.size_bytes) out.add(k_size, *p.size_bytes, labels);
      if (p.alloc_bytes) out.add(k_alloc, *p.alloc_bytes, labels);
      if (p.free_bytes) out.add(k_free, *p.free_bytes, labels);
      if (p.frag_percent) out.add(k_frag, *p.frag_percent, labels);
      if (p.dedup_ratio) out.add(k_dedup, *p.dedup_ratio, labels);
      out.add_state_set(k_health, k_pool_states, p.health, {n.node, p.name});
      if (!n.details[i]) continue;
      const pve::ZfsPoolDetail& d = *n.details[i];
      if (std::optional<uint64_t> e = pve::data_errors_of(d.errors))
        out.add(k_data_errors, static_cast<double>(*e), labels);
      for (const pve::ZfsTreeNode& t : d.children) render_tree(n, p, t, "", out);
    }
  }
}

/// Collects what failed; the first failure's kind becomes the collector's error kind.
struct Failures {
  std::optional<ErrorKind> kind;
  std::string message;

  void note(const std::string& what, const Error& e) {
    if (!kind) kind = e.kind;
    message += (message.empty() ? "" : "; ") + what + ": " + e.message;
  }
};

}  // namespace

Result<void> collect_pve_zfs(Scrape& scrape, metrics::MetricSet& out) {
  pve::Session& api = scrape.api();
  Result<pve::Body> status = api.get("/cluster/status");
  if (!status) return fail(status.error());
  Result<pve::ClusterStatus> cluster = pve::parse_cluster_status(**status);
  if (!cluster) return fail(cluster.error(), "/cluster/status");
  std::vector<std::string> online;  // never ask offline nodes: that ends in 595 after ~30 s
  for (const pve::ClusterMember& m : cluster->members)
    if (m.online) online.push_back(m.name);

  std::vector<std::string> list_paths;
  for (const std::string& node : online) list_paths.push_back(pve::disks_zfs_path(node));
  std::vector<Result<pve::Body>> lists = api.get_all(list_paths);

  Failures failures;
  std::vector<NodeZfs> nodes;
  std::vector<std::string> detail_paths;
  std::vector<std::pair<size_t, size_t>> detail_of;  // (node index, pool index)
  for (size_t i = 0; i < online.size(); ++i) {
    if (!lists[i]) {
      failures.note(list_paths[i], lists[i].error());
      continue;
    }
    Result<std::vector<pve::ZfsPoolSummary>> pools = pve::parse_disks_zfs(**lists[i]);
    if (!pools) {
      failures.note(list_paths[i], pools.error());
      continue;
    }
    NodeZfs n{online[i], std::move(*pools), {}};
    n.details.resize(n.pools.size());
    for (size_t p = 0; p < n.pools.size(); ++p) {
      detail_paths.push_back(pve::disks_zfs_path(n.node, n.pools[p].name));
      detail_of.emplace_back(nodes.size(), p);
    }
    nodes.push_back(std::move(n));
  }

  std::vector<Result<pve::Body>> details = api.get_all(detail_paths);
  for (size_t i = 0; i < details.size(); ++i) {
    if (!details[i]) {
      failures.note(detail_paths[i], details[i].error());
      continue;
    }
    Result<pve::ZfsPoolDetail> d = pve::parse_disks_zfs_detail(**details[i]);
    if (!d) {
      failures.note(detail_paths[i], d.error());
      continue;
    }
    nodes[detail_of[i].first].details[detail_of[i].second] = std::move(*d);
  }
  render(nodes, out);
  if (failures.kind) return fail(*failures.kind, failures.message);
  return {};
}

}  // namespace pvex::collectors
