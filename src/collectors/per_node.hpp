// The common shape of a collector that makes one call per online node: fetch the cluster view,
// fetch `/nodes/<node><suffix>` for every online node in parallel, report a per-node success
// series, render what answered, and fail (keeping the rest) if any node did not.
#pragma once

#include <string_view>

#include "collectors/collector.hpp"
#include "pve/cluster.hpp"
#include "pve/fetch.hpp"

namespace pvex::collectors {

/// `render(node, model, out)` is called for every node that answered; `node_success` is a
/// gauge with the single label `node`.
template <class T, class Render>
Result<void> collect_per_online_node(Scrape& scrape, std::string_view suffix,
                                     Result<T> (*parse)(std::string_view json),
                                     const metrics::Family& node_success, metrics::MetricSet& out,
                                     Render render) {
  Result<pve::ClusterStatus> status = pve::fetch_cluster_status(scrape.api());
  if (!status) return fail(status.error());
  std::vector<pve::NodeAnswer<T>> answers =
      pve::fetch_per_node(scrape.api(), pve::online_nodes(*status), suffix, parse);
  pve::Failures failures;
  for (const pve::NodeAnswer<T>& a : answers) {
    out.add(node_success, a.value ? 1 : 0, {a.node});
    if (a.value)
      render(a.node, *a.value, out);
    else
      failures.note(a.value.error());
  }
  return failures.result();
}

}  // namespace pvex::collectors
