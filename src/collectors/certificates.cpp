// collectors/certificates.cpp: validity of the TLS certificates each online node serves.
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/per_node.hpp"
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
  return collect_per_online_node(scrape, "/certificates/info", &pve::parse_certificates,
                                 k_node_success, out,
                                 [](std::string_view node, const auto& model,
                                    metrics::MetricSet& set) { render(node, model, set); });
}

}  // namespace pvex::collectors
