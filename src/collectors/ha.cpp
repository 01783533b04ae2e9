// collectors/ha.cpp: the HA stack's view: quorum, manager, per-node LRM, resources by state.
#include <map>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "pve/ha.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_quorate{"pve_ha_quorate",
                       "1 if the HA stack sees a quorate cluster (ha/status/current quorum entry).",
                       Type::gauge,
                       {}};
const Family k_manager{"pve_ha_manager_status",
                       "HA cluster resource manager (CRM) master state parsed from the master "
                       "entry's status text: 1 for the current state, 0 for the others.",
                       Type::gauge,
                       {"node", "state"}};
const Family k_manager_ts{"pve_ha_manager_last_update_timestamp_seconds",
                          "Last time the HA master updated its status (master timestamp).",
                          Type::gauge,
                          {"node"}};
const Family k_lrm{"pve_ha_lrm_status",
                   "Local resource manager state of each node parsed from its lrm entry's status "
                   "text (dead = old timestamp): 1 for the current state, 0 for the others.",
                   Type::gauge,
                   {"node", "state"}};
const Family k_lrm_ts{"pve_ha_lrm_last_update_timestamp_seconds",
                      "Last time the node's LRM updated its status (lrm timestamp).",
                      Type::gauge,
                      {"node"}};
const Family k_fencing{"pve_ha_fencing_armed",
                       "1 if the HA fencing watchdog is armed (fencing armed-state; PVE 9).",
                       Type::gauge,
                       {"node"}};
const Family k_resources{"pve_ha_resources",
                         "HA resources by manager state (service crm_state).",
                         Type::gauge,
                         {"state"}};

constexpr std::string_view k_manager_states[] = {"active", "idle", "dead"};
constexpr std::string_view k_lrm_states[] = {
    "active", "idle", "wait_for_agent_lock", "lost_agent_lock", "maintenance", "dead"};
constexpr std::string_view k_resource_states[] = {
    "started",      "stopped",  "request_start", "request_start_balance",
    "request_stop", "freeze",   "fence",         "recovery",
    "migrate",      "relocate", "error",         "disabled",
    "ignored"};

/// "pve1 (active, watchdog active, Tue ...)" -> "active"; "(old timestamp - dead?, ...)" -> "dead".
std::string state_of(std::string_view status) {
  size_t open = status.find('(');
  if (open == std::string_view::npos) return "unknown";
  std::string_view rest = status.substr(open + 1);
  std::string_view word = rest.substr(0, rest.find_first_of(",)"));
  if (word.find("dead") != std::string_view::npos) return "dead";
  return std::string(word);
}

void add_state_set(metrics::MetricSet& out, const Family& f,
                   std::span<const std::string_view> states, std::string_view node,
                   std::string_view current) {
  bool known = false;
  for (std::string_view s : states) {
    known = known || s == current;
    out.add(f, s == current ? 1 : 0, {node, s});
  }
  if (!known) out.add(f, 1, {node, current});
}

void render(const std::vector<pve::HaStatusEntry>& entries, metrics::MetricSet& out) {
  std::map<std::string, double> by_state;
  for (std::string_view s : k_resource_states) by_state[std::string(s)] = 0;
  for (const pve::HaStatusEntry& e : entries) {
    const std::string node = e.node.value_or("");
    if (e.type == "quorum" && e.quorate) {
      out.add(k_quorate, *e.quorate ? 1 : 0, {});
    } else if (e.type == "master") {
      add_state_set(out, k_manager, k_manager_states, node, state_of(e.status.value_or("")));
      if (e.timestamp_seconds)
        out.add(k_manager_ts, static_cast<double>(*e.timestamp_seconds), {node});
    } else if (e.type == "lrm") {
      add_state_set(out, k_lrm, k_lrm_states, node, state_of(e.status.value_or("")));
      if (e.timestamp_seconds) out.add(k_lrm_ts, static_cast<double>(*e.timestamp_seconds), {node});
    } else if (e.type == "fencing" && e.armed_state) {
      out.add(k_fencing, *e.armed_state == "armed" ? 1 : 0, {node});
    } else if (e.type == "service") {
      by_state[e.crm_state.value_or(e.state.value_or("unknown"))] += 1;
    }
  }
  for (std::string_view s : k_resource_states) out.add(k_resources, by_state[std::string(s)], {s});
  for (const auto& [state, count] : by_state) {
    bool fixed = false;
    for (std::string_view s : k_resource_states) fixed = fixed || s == state;
    if (!fixed) out.add(k_resources, count, {state});
  }
}

}  // namespace

Result<void> collect_ha(Scrape& scrape, metrics::MetricSet& out) {
  Result<std::vector<pve::HaStatusEntry>> entries =
      scrape.api().get_model("/cluster/ha/status/current", &pve::parse_ha_status);
  if (!entries) return fail(entries.error());
  render(*entries, out);
  return {};
}

}  // namespace pvex::collectors
