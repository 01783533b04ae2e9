// collectors/api.cpp: the exporter's requests to the PVE API, by endpoint template and status.
#include "collectors/collector.hpp"

namespace pvex::collectors {
namespace {

const metrics::Family k_requests{"pve_exporter_api_requests_total",
                                 "PVE API requests sent since start, by endpoint template and HTTP status "
                                 "(or timeout, tls, error); retries and logins included.",
                                 metrics::Type::counter, {"endpoint", "code"}};
const metrics::Family k_latency{"pve_exporter_api_request_duration_seconds",
                                "Latency of PVE API requests since start, by endpoint template.",
                                metrics::Type::histogram, {"endpoint"}};

void render(const pve::ClientStats& stats, metrics::MetricSet& out) {
  for (const pve::ClientStats::Requests& r : stats.requests)
    out.add(k_requests, static_cast<double>(r.count), {r.endpoint, r.code});
  const std::vector<double>& bounds = pve::latency_buckets();
  for (const pve::ClientStats::Latency& l : stats.latencies) {
    metrics::Distribution d;
    for (size_t i = 0; i < bounds.size() && i < l.cumulative_counts.size(); ++i)
      d.points.emplace_back(bounds[i], static_cast<double>(l.cumulative_counts[i]));
    d.sum = l.sum_seconds;
    d.count = static_cast<double>(l.count);
    out.add_distribution(k_latency, std::move(d), {l.endpoint});
  }
}

}  // namespace

Result<void> collect_api(Scrape& scrape, metrics::MetricSet& out) {
  if (scrape.client() == nullptr) return {};
  render(scrape.client()->stats(), out);
  return {};
}

}  // namespace pvex::collectors
