// The table of the peer's collectors: flag name, kind, default, help and collect function.
#include "compat/profile.hpp"

#include <array>

#include "compat/render.hpp"

namespace pvex::compat {
namespace {

using collectors::Default;
using collectors::NeedsApi;

const std::array<CompatCollector, 10> k_collectors{{
    {{"status", Default::enabled, NeedsApi::yes,
      "pve_up of nodes, the cluster, guests and storages.", &collect_status},
     Kind::cluster},
    {{"version", Default::enabled, NeedsApi::yes, "pve_version_info.", &collect_version},
     Kind::cluster},
    {{"node", Default::enabled, NeedsApi::yes, "pve_node_info of every cluster member.",
      &collect_node},
     Kind::cluster},
    {{"cluster", Default::enabled, NeedsApi::yes, "pve_cluster_info.", &collect_cluster},
     Kind::cluster},
    {{"resources", Default::enabled, NeedsApi::yes,
      "Sizes, usage, HA and lock state and info of every node, guest and storage.",
      &collect_resources},
     Kind::cluster},
    {{"backup-info", Default::enabled, NeedsApi::yes, "Guests not covered by a backup job.",
      &collect_backup_info},
     Kind::cluster},
    {{"qdevice", Default::enabled, NeedsApi::yes, "Corosync QDevice state.", &collect_qdevice},
     Kind::cluster},
    {{"config", Default::enabled, NeedsApi::yes,
      "onboot of every guest of the answering node (one call per guest).", &collect_config},
     Kind::node},
    {{"replication", Default::enabled, NeedsApi::yes, "Replication jobs of the answering node.",
      &collect_replication},
     Kind::node},
    {{"subscription", Default::enabled, NeedsApi::yes, "Subscription of the answering node.",
      &collect_subscription},
     Kind::node},
}};

}  // namespace

std::span<const CompatCollector> collectors() {
  return k_collectors;
}

const CompatCollector* find_collector(std::string_view name) {
  for (const CompatCollector& c : k_collectors)
    if (c.spec.name == name) return &c;
  return nullptr;
}

std::vector<const collectors::CollectorSpec*> enabled_collectors(const config::Config& config,
                                                                 bool cluster, bool node) {
  std::vector<const collectors::CollectorSpec*> out;
  for (const CompatCollector& c : k_collectors) {
    if (c.kind == Kind::cluster ? !cluster : !node) continue;
    auto it = config.compat_collectors.find(std::string(c.spec.name));
    const bool on = it != config.compat_collectors.end()
                        ? it->second
                        : c.spec.default_state == collectors::Default::enabled;
    if (on) out.push_back(&c.spec);
  }
  return out;
}

}  // namespace pvex::compat
