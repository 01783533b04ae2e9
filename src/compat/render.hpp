// The profile's pure render functions (models in, the peer's series out) and the collect
// functions that fetch through the session and call them. Only src/compat/ and tests use this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "metrics/metric_set.hpp"
#include "pve/backup.hpp"
#include "pve/cluster.hpp"
#include "pve/qdevice.hpp"
#include "pve/replication.hpp"
#include "pve/subscription.hpp"
#include "pve/version.hpp"

namespace pvex::compat {

// ---- cluster collectors (cluster.cpp) ----------------------------------------------------

/// pve_up: nodes (online) and the cluster (quorate) from /cluster/status; guests (running) and
/// storages (available) from /cluster/resources when `resources` is given.
void render_status(const pve::ClusterStatus& status, const pve::Resources* resources,
                   metrics::MetricSet& out);
/// pve_version_info.
void render_version(const pve::Version& version, metrics::MetricSet& out);
/// pve_node_info, one per node entry.
void render_nodes(const pve::ClusterStatus& status, metrics::MetricSet& out);
/// pve_cluster_info; nothing on a standalone node.
void render_cluster(const pve::ClusterStatus& status, metrics::MetricSet& out);
/// Every family of the peer's resources collector.
void render_resources(const pve::Resources& resources, metrics::MetricSet& out);
/// pve_not_backed_up_total{id="cluster/<first_name>"} and one pve_not_backed_up_info per guest.
void render_backup_info(std::string_view first_name,
                        const std::vector<pve::NotBackedUpGuest>& guests, metrics::MetricSet& out);
/// pve_qdevice_up / _info; nothing without a cluster entry or a configured QDevice.
void render_qdevice(const pve::ClusterStatus& status, const pve::QDevice& qdevice,
                    metrics::MetricSet& out);

Result<void> collect_status(collectors::Scrape& scrape, metrics::MetricSet& out);
Result<void> collect_version(collectors::Scrape& scrape, metrics::MetricSet& out);
Result<void> collect_node(collectors::Scrape& scrape, metrics::MetricSet& out);
Result<void> collect_cluster(collectors::Scrape& scrape, metrics::MetricSet& out);
Result<void> collect_resources(collectors::Scrape& scrape, metrics::MetricSet& out);
Result<void> collect_backup_info(collectors::Scrape& scrape, metrics::MetricSet& out);
Result<void> collect_qdevice(collectors::Scrape& scrape, metrics::MetricSet& out);

// ---- node collectors (node.cpp): they act on the node that answers (local = 1) -----------

/// One guest of the local node whose config sets `onboot`.
struct GuestOnboot {
  pve::GuestType type = pve::GuestType::qemu;
  int64_t vmid = 0;
  int64_t onboot = 0;

  bool operator==(const GuestOnboot&) const = default;
};

/// pve_onboot_status{id,node,type}.
void render_onboot(std::string_view node, const std::vector<GuestOnboot>& guests,
                   metrics::MetricSet& out);
/// pve_replication_info and the per-job state gauges (only the keys present).
void render_replication(const std::vector<pve::ReplicationJob>& jobs, metrics::MetricSet& out);

/// Converts a `YYYY-MM-DD` date into the Unix time of that day's midnight; nullopt if malformed.
using MidnightFn = std::optional<double> (*)(std::string_view date);
/// Midnight in the process's local time zone (what the peer reports).
std::optional<double> local_midnight(std::string_view date);
/// Midnight in UTC (for tests independent of the machine's time zone).
std::optional<double> utc_midnight(std::string_view date);

/// pve_subscription_info / _status / _next_due_timestamp_seconds for `node`.
void render_subscription(std::string_view node, const pve::Subscription& sub, MidnightFn midnight,
                         metrics::MetricSet& out);

Result<void> collect_config(collectors::Scrape& scrape, metrics::MetricSet& out);
Result<void> collect_replication(collectors::Scrape& scrape, metrics::MetricSet& out);
Result<void> collect_subscription(collectors::Scrape& scrape, metrics::MetricSet& out);

/// The answering node's name: the /cluster/status entry with local = 1 (fetched through the
/// session, so memoised). No such entry -> ErrorKind::parse.
Result<std::string> local_node(pve::Session& api);

}  // namespace pvex::compat
