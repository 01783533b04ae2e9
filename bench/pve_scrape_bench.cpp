// pve_scrape_bench: full native scrapes (cluster, node, guest, storage, ha, network) against
// pve-sim through the real client: wall time, exporter CPU time, API calls, series, bytes, and
// the process's peak resident memory.
#include <sys/resource.h>

#include <chrono>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "app/scrape.hpp"
#include "collectors/collector.hpp"
#include "metrics/text_format.hpp"
#include "pve/client.hpp"
#include "support/pve_sim.hpp"

namespace pvex {
namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_minflt);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

/// args: nodes, guests per node, latency in ms, requests in flight (client and session bound),
/// per-drive series on (1) or off (0).
void BM_NativeScrape(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int per_node = static_cast<int>(state.range(1));
  const int latency = static_cast<int>(state.range(2));
  const size_t in_flight = static_cast<size_t>(state.range(3));
  const bool per_drive = state.range(4) != 0;
  Result<testing::SimProcess> sim = testing::SimProcess::start(
      {"--nodes", std::to_string(nodes), "--guests-per-node", std::to_string(per_node),
       "--latency-ms", std::to_string(latency), "--token", "bench@pve!bench=secret", "--static"});
  if (!sim) {
    state.SkipWithError(sim.error().message.c_str());
    return;
  }
  config::Config cfg;
  cfg.api.host = sim->host();
  cfg.api.port = sim->port();
  cfg.api.token_id = "bench@pve!bench";
  cfg.api.token_secret = "secret";
  cfg.api.ca_file = sim->ca_file();
  cfg.api.max_in_flight = in_flight;
  cfg.guests.per_drive = per_drive;
  cfg.collectors_disable_defaults = true;
  for (const char* c : {"cluster", "guest", "ha", "network", "node", "storage"})
    cfg.collectors[c] = true;
  Result<std::shared_ptr<pve::Client>> client = pve::Client::create(cfg.api);
  if (!client) {
    state.SkipWithError(client.error().message.c_str());
    return;
  }
  const std::vector<const collectors::CollectorSpec*> specs = app::enabled_collectors(cfg, true);

  double cpu = 0, faults = 0, calls = 0, series = 0, bytes = 0, failed = 0;
  for (auto _ : state) {
    (void)sim->reset();
    const double cpu0 = cpu_seconds();
    const double faults0 = minor_faults();
    const auto deadline = pve::Clock::now() + std::chrono::seconds(30);
    pve::Session session((*client)->fetcher(), deadline, in_flight);
    collectors::Scrape scrape(cfg, &session, deadline);
    metrics::MetricSet set = app::run_collectors(specs, scrape);
    std::string text;
    metrics::write(set, metrics::Format::prometheus_text, text);
    cpu += cpu_seconds() - cpu0;
    faults += minor_faults() - faults0;
    series = static_cast<double>(set.series_count());
    bytes = static_cast<double>(text.size());
    const metrics::FamilySamples* ok = set.find("pve_exporter_collector_success");
    for (size_t i = 0; ok && i < ok->size(); ++i) failed += ok->values[i] == 0 ? 1 : 0;
    state.PauseTiming();
    Result<testing::SimStats> stats = sim->stats();
    calls = stats ? static_cast<double>(stats->requests_total) : -1;
    state.ResumeTiming();
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["cpu_ms"] = cpu / n * 1e3;
  state.counters["page_faults"] = faults / n;
  state.counters["api_calls"] = calls;
  state.counters["series"] = series;
  state.counters["bytes"] = bytes;
  state.counters["failed_collectors"] = failed / n;
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

BENCHMARK(BM_NativeScrape)
    ->ArgNames({"nodes", "guests_per_node", "latency_ms", "in_flight", "per_drive"})
    ->Args({10, 1, 0, 8, 1})
    ->Args({10, 100, 0, 8, 1})
    ->Args({10, 100, 20, 8, 1})
    ->Args({10, 100, 20, 16, 1})  // api.max_in_flight's default
    ->Args({10, 100, 20, 32, 1})
    ->Args({10, 100, 20, 64, 1})
    ->Args({10, 1000, 0, 8, 1})
    ->Args({10, 1000, 0, 8, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(10);

}  // namespace
}  // namespace pvex

BENCHMARK_MAIN();
