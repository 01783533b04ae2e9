// One scrape: run the enabled collectors concurrently, time them, keep partial data, log once.
#include "app/scrape.hpp"

#include <exception>
#include <thread>

#include <spdlog/spdlog.h>

namespace pvex::app {
namespace {

const metrics::Family k_success{"pve_exporter_collector_success",
                                "Whether the collector succeeded in this scrape (1) or not (0).",
                                metrics::Type::gauge, {"collector"}};
const metrics::Family k_duration{"pve_exporter_collector_duration_seconds",
                                 "How long the collector took in this scrape.", metrics::Type::gauge,
                                 {"collector"}};

struct Outcome {
  metrics::MetricSet set;
  Result<void> result;
  double seconds = 0;
};

Outcome run_one(const collectors::CollectorSpec& spec, collectors::Scrape& scrape) {
  Outcome o;
  const auto start = std::chrono::steady_clock::now();
  try {
    o.result = spec.collect(scrape, o.set);
  } catch (const std::exception& e) {
    o.result = fail(ErrorKind::internal, std::string("bug: exception escaped the collector: ") + e.what());
  } catch (...) {
    o.result = fail(ErrorKind::internal, "bug: unknown exception escaped the collector");
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o;
}

}  // namespace

std::vector<const collectors::CollectorSpec*> enabled_collectors(const config::Config& config, bool has_api) {
  std::vector<const collectors::CollectorSpec*> out;
  for (const collectors::CollectorSpec& spec : collectors::registry()) {
    auto it = config.collectors.find(std::string(spec.name));
    const bool on = it != config.collectors.end()
                        ? it->second
                        : !config.collectors_disable_defaults && spec.default_state == collectors::Default::enabled;
    if (!on) continue;
    if (spec.needs_api == collectors::NeedsApi::yes && !has_api) continue;
    out.push_back(&spec);
  }
  return out;
}

pve::Clock::time_point scrape_deadline(const config::Config& config, std::optional<double> header_timeout_s,
                                       pve::Clock::time_point now) {
  auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(config.scrape.timeout);
  if (header_timeout_s) {
    const auto from_header = std::chrono::milliseconds(static_cast<int64_t>(*header_timeout_s * 1000)) -
                             config.scrape.timeout_offset;
    budget = std::min(budget, from_header);
  }
  budget = std::max(budget, std::chrono::milliseconds(100));
  return now + budget;
}

metrics::MetricSet run_collectors(const std::vector<const collectors::CollectorSpec*>& specs,
                                  collectors::Scrape& scrape) {
  std::vector<Outcome> outcomes(specs.size());
  std::vector<std::thread> threads;
  threads.reserve(specs.size());
  // Collectors mostly wait on the API: one thread each; the last runs on this thread.
  for (size_t i = 0; i + 1 < specs.size(); ++i)
    threads.emplace_back([&, i] { outcomes[i] = run_one(*specs[i], scrape); });
  if (!specs.empty()) outcomes.back() = run_one(*specs.back(), scrape);
  for (std::thread& t : threads) t.join();

  metrics::MetricSet merged;
  metrics::MetricSet self;
  for (size_t i = 0; i < specs.size(); ++i) {
    Outcome& o = outcomes[i];
    const std::string_view name = specs[i]->name;
    if (!o.result) {
      if (o.result.error().kind == ErrorKind::not_found)
        spdlog::debug("collector {} found nothing to collect ({:.3f}s): {}", name, o.seconds, o.result.error().message);
      else
        spdlog::error("collector {} failed after {:.3f}s: {}", name, o.seconds, o.result.error().message);
    }
    self.add(k_success, o.result ? 1 : 0, {name});
    self.add(k_duration, o.seconds, {name});
    merged.merge(std::move(o.set));
  }
  merged.merge(std::move(self));
  return merged;
}

}  // namespace pvex::app
