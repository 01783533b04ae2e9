// The PVE collectors' shared fetch layer: the cluster view (status + resources) and the
// per-online-node calls, all through the scrape's memoised session.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pve/cluster.hpp"
#include "pve/metrics_export.hpp"
#include "pve/session.hpp"
#include "util/result.hpp"

namespace pvex::pve {

/// GET /cluster/status, parsed. Memoised by the session, so every collector may call it.
Result<ClusterStatus> fetch_cluster_status(Session& api);

/// GET /cluster/resources, parsed.
Result<Resources> fetch_resources(Session& api);

/// GET /cluster/resources, parsed once per session and shared by the collectors that read it
/// (10^4 guests make it megabytes).
Result<std::shared_ptr<const Resources>> fetch_resources_shared(Session& api);

/// GET /cluster/metrics/export, the nodes' items only (parse_metrics_export_nodes' result),
/// scanned while the answer is decoded piece by piece (it is the largest answer of a big
/// cluster: 8.5 MB of JSON for 10^4 guests, of which ~150 items are the nodes'); an unusual
/// answer is decoded whole and parsed in a parse slot for the exact result or error. For the
/// network collector, the answer's only reader: it is released afterwards (Session::release).
Result<std::vector<ExportedMetric>> fetch_export_nodes(Session& api);

/// The members /cluster/status reports online, in its order. Only these get /nodes/{n}/...
/// requests: an offline node would hang for up to 30 s and end in 595.
std::vector<std::string> online_nodes(const ClusterStatus& status);

/// `/nodes/<node><suffix>`, e.g. node_path("pve1", "/qemu?full=1").
std::string node_path(std::string_view node, std::string_view suffix);

/// One node's answer to a per-node call: the parsed model, or why there is none.
template <class T>
struct NodeAnswer {
  std::string node;
  Result<T> value;
};

/// GETs `/nodes/<node><suffix>` for every node in parallel (bounded by the session) and
/// parses each answer with `parse` as soon as it arrives, in the worker that fetched it and in
/// one of the session's parse slots, so a node's JSON is gone before the slower nodes answer.
/// Errors are per node and name the path.
/// `only_reader`: as Session::get_all_models (each answer freed right after its parse).
template <class T>
std::vector<NodeAnswer<T>> fetch_per_node(Session& api, const std::vector<std::string>& nodes,
                                          std::string_view suffix,
                                          Result<T> (*parse)(std::string_view json),
                                          bool only_reader = false) {
  std::vector<std::string> paths;
  paths.reserve(nodes.size());
  for (const std::string& n : nodes) paths.push_back(node_path(n, suffix));
  std::vector<Result<T>> models = api.get_all_models(paths, parse, only_reader);
  std::vector<NodeAnswer<T>> out;
  out.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) out.push_back({nodes[i], std::move(models[i])});
  return out;
}

/// Collects the failures of a collector that went on after them; the first failure's kind
/// becomes the collector's error kind, the messages are joined with "; ".
class Failures {
 public:
  void note(const Error& e);
  bool any() const { return m_kind.has_value(); }
  /// An error describing every failure; only meaningful when any().
  Error error() const { return Error{*m_kind, m_message}; }
  /// {} when nothing failed, else error().
  Result<void> result() const;

 private:
  std::optional<ErrorKind> m_kind;
  std::string m_message;
};

}  // namespace pvex::pve
