// The compatibility profile: prometheus-pve-exporter's ten collectors over our pve models
// (compat-pve-exporter.md). Each is a CollectorSpec, so app::run_collectors runs them
// concurrently with the same timing, partial-failure and logging rules as the native ones.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "config/config.hpp"

namespace pvex::compat {

/// Cluster collectors run when /pve's `cluster` parameter is on, node collectors when `node` is.
enum class Kind { cluster, node };

struct CompatCollector {
  collectors::CollectorSpec spec;  // name = the peer's flag name (--collector.<name>)
  Kind kind;
};

/// The peer's collectors in its output order: status, version, node, cluster, resources,
/// backup-info, qdevice (cluster); config, replication, subscription (node).
std::span<const CompatCollector> collectors();

/// The row for `name`, or nullptr.
const CompatCollector* find_collector(std::string_view name);

/// The collectors one /pve scrape runs: those of the requested kinds that
/// config.compat_collectors does not turn off (all are on by default).
std::vector<const collectors::CollectorSpec*> enabled_collectors(const config::Config& config,
                                                                 bool cluster, bool node);

}  // namespace pvex::compat
