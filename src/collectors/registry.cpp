// The table of all collectors: name, default state, whether it needs the API, help, function.
#include <algorithm>

#include "collectors/collector.hpp"

namespace pvex::collectors {

// Each collector's one public function, declared beside its table row.
Result<void> collect_api(Scrape&, metrics::MetricSet&);
Result<void> collect_certificates(Scrape&, metrics::MetricSet&);
Result<void> collect_cluster(Scrape&, metrics::MetricSet&);
Result<void> collect_exporter(Scrape&, metrics::MetricSet&);
Result<void> collect_guest(Scrape&, metrics::MetricSet&);
Result<void> collect_ha(Scrape&, metrics::MetricSet&);
Result<void> collect_host(Scrape&, metrics::MetricSet&);
Result<void> collect_network(Scrape&, metrics::MetricSet&);
Result<void> collect_node(Scrape&, metrics::MetricSet&);
Result<void> collect_pve_zfs(Scrape&, metrics::MetricSet&);
Result<void> collect_storage(Scrape&, metrics::MetricSet&);
Result<void> collect_subscription(Scrape&, metrics::MetricSet&);
Result<void> collect_zfs(Scrape&, metrics::MetricSet&);
Result<void> collect_zpool(Scrape&, metrics::MetricSet&);

namespace {

const CollectorSpec k_registry[] = {
    {"api", Default::enabled, NeedsApi::yes,
     "Exporter self-metrics of the PVE API client: requests by endpoint and status, latency histogram.",
     collect_api},
    {"certificates", Default::enabled, NeedsApi::yes,
     "Validity (not before / not after) of the TLS certificates of every online node (/nodes/{node}/certificates/info).",
     collect_certificates},
    {"cluster", Default::enabled, NeedsApi::yes,
     "Cluster quorum, membership (online, node id, subscription level) and PVE version (/cluster/status, /version).",
     collect_cluster},
    {"exporter", Default::enabled, NeedsApi::no,
     "Exporter self-metrics: build info and process CPU, memory and file descriptors.",
     collect_exporter},
    {"guest", Default::enabled, NeedsApi::yes,
     "Every QEMU VM and LXC container: status, CPU, memory, balloon, disk and network counters, per-drive and per-NIC "
     "counters, pressure, HA state, lock, info (/cluster/resources, /nodes/{node}/qemu?full=1 and /lxc per online node).",
     collect_guest},
    {"ha", Default::enabled, NeedsApi::yes,
     "HA manager and per-node LRM state, HA quorum, HA resources by state (/cluster/ha/status/current).",
     collect_ha},
    {"host", Default::disabled, NeedsApi::no,
     "For an exporter on a PVE node: CPU time by mode from <procfs>/stat and per-interface traffic from <procfs>/net/dev, "
     "labelled with the local node name.",
     collect_host},
    {"network", Default::enabled, NeedsApi::yes,
     "Node traffic over physical NICs (/cluster/metrics/export, PVE >= 8.3) and container per-interface counters "
     "(/nodes/{node}/netstat per online node).",
     collect_network},
    {"node", Default::enabled, NeedsApi::yes,
     "Every online node's /nodes/{node}/status: CPU, load, memory, swap, KSM, root fs, uptime, kernel, version, boot "
     "mode; pve_node_up for every member.",
     collect_node},
    {"pve_zfs", Default::enabled, NeedsApi::yes,
     "ZFS pools and vdevs of every online node via the API (disks/zfs); one call per node and pool.",
     collect_pve_zfs},
    {"storage", Default::enabled, NeedsApi::yes,
     "Every storage of every online node: size, used, available, active, enabled, shared, type and content "
     "(/nodes/{node}/storage).",
     collect_storage},
    {"subscription", Default::disabled, NeedsApi::yes,
     "Subscription status, next due date and last check of every online node (/nodes/{node}/subscription; one "
     "call per node, off by default: the level is in the cluster collector).",
     collect_subscription},
    {"zfs", Default::enabled, NeedsApi::no,
     "ZFS kernel statistics from <procfs>/spl/kstat/zfs: ARC, L2ARC, DMU, ZIL, pools, datasets.",
     collect_zfs},
    {"zpool", Default::enabled, NeedsApi::no,
     "Local ZFS pools via zpool/zfs -Hp: capacity, health, vdev errors; datasets if enabled.",
     collect_zpool},
};

}  // namespace

std::span<const CollectorSpec> registry() { return k_registry; }

const CollectorSpec* find_collector(std::string_view name) {
  for (const CollectorSpec& c : k_registry)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace pvex::collectors
