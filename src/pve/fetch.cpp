// The shared fetch layer of the PVE collectors.
#include "pve/fetch.hpp"

namespace pvex::pve {

Result<ClusterStatus> fetch_cluster_status(Session& api) {
  return api.get_model("/cluster/status", &parse_cluster_status);
}

Result<Resources> fetch_resources(Session& api) {
  return api.get_model("/cluster/resources", &parse_cluster_resources);
}

Result<std::shared_ptr<const Resources>> fetch_resources_shared(Session& api) {
  return api.get_parsed("/cluster/resources", &parse_cluster_resources);
}

Result<std::vector<ExportedMetric>> fetch_export_nodes(Session& api) {
  constexpr std::string_view k_path = "/cluster/metrics/export";
  Result<Answer> answer = api.get_answer(k_path);
  if (!answer) return fail(answer.error());
  std::optional<std::vector<ExportedMetric>> scanned =
      scan_metrics_export_nodes(*answer->bytes, answer->encoding == Encoding::gzip);
  Result<std::vector<ExportedMetric>> nodes =
      scanned ? Result<std::vector<ExportedMetric>>(std::move(*scanned))
              : api.get_model(k_path, &parse_metrics_export_nodes);
  api.release(k_path);  // the network collector is the answer's only reader
  return nodes;
}

std::vector<std::string> online_nodes(const ClusterStatus& status) {
  std::vector<std::string> nodes;
  for (const ClusterMember& m : status.members)
    if (m.online) nodes.push_back(m.name);
  return nodes;
}

std::string node_path(std::string_view node, std::string_view suffix) {
  std::string path = "/nodes/";
  path += node;
  path += suffix;
  return path;
}

void Failures::note(const Error& e) {
  if (!m_kind) m_kind = e.kind;
  if (!m_message.empty()) m_message += "; ";
  m_message += e.message;
}

Result<void> Failures::result() const {
  if (!m_kind) return {};
  return fail(error());
}

}  // namespace pvex::pve
