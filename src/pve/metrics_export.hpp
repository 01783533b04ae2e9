// Model and parser of GET /cluster/metrics/export: pvestatd's pull cache (double envelope).
#pragma once

#include <cstdint>
#include <optional>
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

/// The same, keeping only the items whose `id` starts with `id_prefix` (e.g. "node/"); every
/// item is still validated, so a malformed item fails the answer as above. The answer has
/// ~20 items per guest: filtering saves building 10^5 items nobody reads.
Result<std::vector<ExportedMetric>> parse_metrics_export_matching(std::string_view json,
                                                                  std::string_view id_prefix);

/// The nodes' items of an answer as received (`gzipped`: a gzip member, decoded here `piece`
/// bytes at a time and scanned as it comes, never whole) when it has the shape PVE writes (see
/// parse_metrics_export_nodes); nullopt for anything else, including a corrupt gzip body:
/// parse_metrics_export_nodes over the decoded answer then gives the exact result or error.
std::optional<std::vector<ExportedMetric>> scan_metrics_export_nodes(std::string_view bytes,
                                                                     bool gzipped,
                                                                     size_t piece = 256 * 1024);

/// The nodes' items only, as a plain parse function for Session::get_model. An answer in the
/// shape PVE writes is scanned for the node items' ids (the guest and storage items, ~99 % of
/// the answer, are not parsed, so a malformed one does not fail the nodes'); anything unusual
/// gets parse_metrics_export_matching(json, "node/")'s result or error.
Result<std::vector<ExportedMetric>> parse_metrics_export_nodes(std::string_view json);

}  // namespace pvex::pve
