// collectors/certificates.cpp: validity of the TLS certificates each online node serves.
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "pve/certificates.hpp"
#include "pve/fetch.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_node_success{
    "pve_certificates_node_scrape_success",
    "1 if the node's /nodes/{node}/certificates/info answered in this scrape, else 0; "
    "only nodes corosync reports online.",
    Type::gauge,
    {"node"}};
const Family k_not_after{
    "pve_node_certificate_not_after_timestamp_seconds",
    "Time after which a node certificate is no longer valid (certificates/info notafter).",
    Type::gauge,
    {"node", "filename"}};
const Family k_not_before{
    "pve_node_certificate_not_before_timestamp_seconds",
    "Time before which a node certificate is not yet valid (certificates/info notbefore).",
    Type::gauge,
    {"node", "filename"}};

void render(std::string_view node, const std::vector<pve::Certificate>& certs,
            metrics::MetricSet& out) {
  for (const pve::Certificate& c : certs) {
    if (c.not_after_seconds)
      out.add(k_not_after, static_cast<double>(*c.not_after_seconds), {node, c.filename});
    if (c.not_before_seconds)
      out.add(k_not_before, static_cast<double>(*c.not_before_seconds), {node, c.filename});
  }
}

}  // namespace

Result<void> collect_certificates(Scrape& scrape, metrics::MetricSet& out) {
  Result<pve::ClusterStatus> status = pve::fetch_cluster_status(scrape.api());
  if (!status) return fail(status.error());
  std::vector<pve::NodeAnswer<std::vector<pve::Certificate>>> answers = pve::fetch_per_node(
      scrape.api(), pve::online_nodes(*status), "/certificates/info", &pve::parse_certificates);
  pve::Failures failures;
  for (const pve::NodeAnswer<std::vector<pve::Certificate>>& a : answers) {
    out.add(k_node_success, a.value ? 1 : 0, {a.node});
    if (a.value)
      render(a.node, *a.value, out);
    else
      failures.note(a.value.error());
  }
  return failures.result();
}

}  // namespace pvex::collectors
