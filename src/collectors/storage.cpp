// collectors/storage.cpp: every storage of every online node: size, usage, state, type, content.
#include <algorithm>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/per_node.hpp"
#include "pve/fetch.hpp"
#include "pve/storage.hpp"
#include "util/strings.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const std::vector<std::string> k_ns{"node", "storage"};

const Family k_node_success{"pve_storage_node_scrape_success",
                            "1 if the node's /nodes/{node}/storage answered in this scrape, else "
                            "0; only nodes corosync reports online.",
                            Type::gauge,
                            {"node"}};
const Family k_size{"pve_storage_size_bytes",
                    "Storage size as the plugin reports it (total); active storages only.",
                    Type::gauge, k_ns};
const Family k_used{"pve_storage_used_bytes", "Used bytes (used); active storages only.",
                    Type::gauge, k_ns};
const Family k_avail{"pve_storage_available_bytes",
                     "Available bytes (avail); active storages only.", Type::gauge, k_ns};
const Family k_active{"pve_storage_active",
                      "1 if the storage is accessible from the node right now (active).",
                      Type::gauge, k_ns};
const Family k_enabled{"pve_storage_enabled", "1 if the storage is enabled on the node (enabled).",
                       Type::gauge, k_ns};
const Family k_shared{"pve_storage_shared", "1 if the storage is shared between nodes (shared).",
                      Type::gauge, k_ns};
const Family k_info{"pve_storage_info",
                    "Storage plugin type (type) and allowed content types, sorted and "
                    "comma-separated (content); value 1.",
                    Type::gauge,
                    {"node", "storage", "type", "content"}};

std::string sorted_content(std::string_view content) {
  std::vector<std::string_view> parts = util::split_any(content, ", ");
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (std::string_view p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

void render(std::string_view node, const std::vector<pve::StorageStatus>& storages,
            metrics::MetricSet& out) {
  for (const pve::StorageStatus& s : storages) {
    const std::initializer_list<std::string_view> l = {node, s.storage};
    if (s.active) {
      if (s.total_bytes) out.add(k_size, static_cast<double>(*s.total_bytes), l);
      if (s.used_bytes) out.add(k_used, static_cast<double>(*s.used_bytes), l);
      if (s.avail_bytes) out.add(k_avail, static_cast<double>(*s.avail_bytes), l);
    }
    out.add(k_active, s.active ? 1 : 0, l);
    out.add(k_enabled, s.enabled ? 1 : 0, l);
    out.add(k_shared, s.shared ? 1 : 0, l);
    out.add(k_info, 1, {node, s.storage, s.type, sorted_content(s.content)});
  }
}

}  // namespace

Result<void> collect_storage(Scrape& scrape, metrics::MetricSet& out) {
  return collect_per_online_node(scrape, "/storage", &pve::parse_node_storage, k_node_success, out,
                                 [](std::string_view node, const auto& model,
                                    metrics::MetricSet& set) { render(node, model, set); });
}

}  // namespace pvex::collectors
