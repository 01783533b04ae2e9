// The table of all collectors: name, default state, whether it needs the API, help, function.
#include <algorithm>

#include "collectors/collector.hpp"

namespace pvex::collectors {

// Each collector's one public function, declared beside its table row.
Result<void> collect_api(Scrape&, metrics::MetricSet&);
Result<void> collect_exporter(Scrape&, metrics::MetricSet&);
Result<void> collect_pve_zfs(Scrape&, metrics::MetricSet&);
Result<void> collect_zfs(Scrape&, metrics::MetricSet&);
Result<void> collect_zpool(Scrape&, metrics::MetricSet&);

namespace {

const CollectorSpec k_registry[] = {
    {"api", Default::enabled, NeedsApi::yes,
     "Exporter self-metrics of the PVE API client: requests by endpoint and status, latency histogram.",
     collect_api},
    {"exporter", Default::enabled, NeedsApi::no,
     "Exporter self-metrics: build info and process CPU, memory and file descriptors.",
     collect_exporter},
    {"pve_zfs", Default::enabled, NeedsApi::yes,
     "ZFS pools and vdevs of every online node via the API (disks/zfs); one call per node and pool.",
     collect_pve_zfs},
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
