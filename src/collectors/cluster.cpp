// collectors/cluster.cpp: quorum, membership and the PVE version of the cluster.
#include <string>

#include "collectors/collector.hpp"
#include "pve/fetch.hpp"
#include "pve/version.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_quorate{
    "pve_cluster_quorate",
    "1 if the cluster has quorum (/cluster/status quorate); absent on a standalone node.",
    Type::gauge,
    {}};
const Family k_info{"pve_cluster_info",
                    "Cluster name (/cluster/status name); value 1, absent on a standalone node.",
                    Type::gauge,
                    {"cluster"}};
const Family k_config_version{"pve_cluster_config_version",
                              "Corosync configuration version (/cluster/status version).",
                              Type::gauge,
                              {}};
const Family k_nodes{"pve_cluster_nodes",
                     "Configured cluster members, offline ones included (/cluster/status nodes).",
                     Type::gauge,
                     {}};
const Family k_nodes_online{"pve_cluster_nodes_online",
                            "Members corosync reports online (/cluster/status).",
                            Type::gauge,
                            {}};
const Family k_node_online{"pve_cluster_node_online",
                           "1 if corosync reports the member online (/cluster/status online).",
                           Type::gauge,
                           {"node"}};
const Family k_node_id{"pve_cluster_node_id",
                       "Corosync node id of the member (/cluster/status nodeid).",
                       Type::gauge,
                       {"node"}};
const Family k_node_local{
    "pve_cluster_node_local",
    "1 for the member that answered the API requests (/cluster/status local).",
    Type::gauge,
    {"node"}};
const Family k_node_subscription{
    "pve_cluster_node_subscription_level",
    "Subscription level of the member (/cluster/status level): 1 for the current level, 0 for the "
    "others; none = no valid subscription.",
    Type::gauge,
    {"node", "level"}};
const Family k_version{"pve_version_info",
                       "pve-manager version of the answering node (/version); value 1.",
                       Type::gauge,
                       {"version", "release", "repoid"}};

constexpr std::string_view k_levels[] = {"none", "c", "b", "s", "p"};

void render(const pve::ClusterStatus& s, metrics::MetricSet& out) {
  if (s.cluster) {
    out.add(k_quorate, s.cluster->quorate ? 1 : 0, {});
    out.add(k_info, 1, {s.cluster->name});
    if (s.cluster->config_version)
      out.add(k_config_version, static_cast<double>(*s.cluster->config_version), {});
  }
  const double configured = s.cluster && s.cluster->nodes ? static_cast<double>(*s.cluster->nodes)
                                                          : static_cast<double>(s.members.size());
  out.add(k_nodes, configured, {});
  out.add(k_nodes_online, static_cast<double>(pve::online_nodes(s).size()), {});
  for (const pve::ClusterMember& m : s.members) {
    out.add(k_node_online, m.online ? 1 : 0, {m.name});
    if (m.node_id) out.add(k_node_id, static_cast<double>(*m.node_id), {m.name});
    out.add(k_node_local, m.local ? 1 : 0, {m.name});
    const std::string_view level =
        m.level.empty() ? std::string_view("none") : std::string_view(m.level);
    bool known = false;
    for (std::string_view l : k_levels) {
      known = known || l == level;
      out.add(k_node_subscription, l == level ? 1 : 0, {m.name, l});
    }
    if (!known) out.add(k_node_subscription, 1, {m.name, level});
  }
}

}  // namespace

Result<void> collect_cluster(Scrape& scrape, metrics::MetricSet& out) {
  pve::Failures failures;
  static const std::string k_paths[] = {"/cluster/status", "/version"};
  scrape.api().prefetch(k_paths);  // one wave; the answers are memoised for below
  Result<pve::ClusterStatus> status = pve::fetch_cluster_status(scrape.api());
  if (status)
    render(*status, out);
  else
    failures.note(status.error());

  Result<pve::Body> body = scrape.api().get("/version");
  Result<pve::Version> version = body ? pve::parse_version(**body) : fail(body.error());
  if (version)
    out.add(k_version, 1, {version->version, version->release, version->repoid});
  else
    failures.note(body ? Error{version.error().kind, "/version: " + version.error().message}
                       : version.error());
  return failures.result();
}

}  // namespace pvex::collectors
