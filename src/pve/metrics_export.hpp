// Model and parser of GET /cluster/metrics/export: pvestatd's pull cache (double envelope).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

struct ExportedMetric {
  std::string id;      // node/<node>, qemu/<vmid>, lxc/<vmid>, storage/<node>/<storeid>
  std::string metric;  // uptime, net_in, cpu_current, mem_used, disk_total, ...
  double value = 0;
  int64_t timestamp_seconds = 0;
  std::string type;  // gauge or derive (a counter)

  bool operator==(const ExportedMetric&) const = default;
};

/// Parses GET /cluster/metrics/export: `{"data":{"data":[...]}}`. An item without `id`,
/// `metric` or a numeric `value` -> ErrorKind::parse; a missing `type` reads as "gauge",
/// a missing timestamp as 0.
Result<std::vector<ExportedMetric>> parse_metrics_export(std::string_view json);

}  // namespace pvex::pve
