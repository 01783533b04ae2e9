// collectors/replication.cpp: storage replication jobs of every online node: last sync, failures.
#include <array>
#include <span>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/per_node.hpp"
#include "pve/fetch.hpp"
#include "pve/replication.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const std::vector<std::string> k_job{"node", "job", "vmid", "target"};

const Family k_node_success{
    "pve_replication_node_scrape_success",
    "1 if the node's /nodes/{node}/replication answered in this scrape, else 0; only "
    "nodes corosync reports online.",
    Type::gauge,
    {"node"}};
const Family k_last_sync{
    "pve_replication_last_sync_timestamp_seconds",
    "Start of the job's last successful sync (last_sync); absent when it never succeeded.",
    Type::gauge, k_job};
const Family k_last_try{"pve_replication_last_try_timestamp_seconds",
                        "Start of the job's last attempt (last_try); absent when never tried.",
                        Type::gauge, k_job};
const Family k_next_sync{"pve_replication_next_sync_timestamp_seconds",
                         "When the job runs next (next_sync); absent when not scheduled.",
                         Type::gauge, k_job};
const Family k_failures{
    "pve_replication_failed_syncs",
    "Consecutive failed runs of the job, 0 when the last run succeeded (fail_count).", Type::gauge,
    k_job};
const Family k_duration{"pve_replication_duration_seconds",
                        "Duration of the job's last run (duration).", Type::gauge, k_job};
const Family k_enabled{"pve_replication_enabled", "1 unless the job is disabled (disable).",
                       Type::gauge, k_job};

void render(std::string_view node, const std::vector<pve::ReplicationJob>& jobs,
            metrics::MetricSet& out) {
  for (const pve::ReplicationJob& j : jobs) {
    const std::string vmid = std::to_string(j.guest);
    // Named strings: a string_view of `j.target.value_or("")` would outlive its temporary.
    const std::string target = j.target.value_or("");
    const std::array<std::string_view, 4> labels = {node, j.id, vmid, target};
    const std::span<const std::string_view> l(labels);
    auto add_time = [&](const Family& f, const std::optional<int64_t>& t) {
      if (t && *t > 0) out.add(f, static_cast<double>(*t), l);
    };
    add_time(k_last_sync, j.last_sync_seconds);
    add_time(k_last_try, j.last_try_seconds);
    add_time(k_next_sync, j.next_sync_seconds);
    if (j.fail_count) out.add(k_failures, static_cast<double>(*j.fail_count), l);
    if (j.duration_seconds) out.add(k_duration, *j.duration_seconds, l);
    out.add(k_enabled, j.disabled ? 0 : 1, l);
  }
}

}  // namespace

Result<void> collect_replication(Scrape& scrape, metrics::MetricSet& out) {
  return collect_per_online_node(scrape, "/replication", &pve::parse_replication_jobs,
                                 k_node_success, out,
                                 [](std::string_view node, const auto& model,
                                    metrics::MetricSet& set) { render(node, model, set); });
}

}  // namespace pvex::collectors
