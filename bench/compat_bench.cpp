// compat_bench: one /pve scrape (compatibility profile, cluster=1&node=1 by default) against
// pve-sim with 1,000 guests on the answering node and 20 ms API latency, through the real
// client. Reports wall time, API calls per scrape (the simulator's counter), series, bytes and
// the process's peak RSS. Needs build/tools/pve-sim/pve-sim.
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "app/multi_target.hpp"
#include "support/pve_sim.hpp"

namespace {

using pvex::testing::SimProcess;

constexpr const char* k_token = "prometheus@pve!bench=00000000-0000-4000-8000-000000000001";

SimProcess& sim() {
  static std::unique_ptr<SimProcess> s = [] {
    pvex::Result<SimProcess> started =
        SimProcess::start({"--nodes", "1", "--guests-per-node", "1000", "--latency-ms", "20", "--static", "--seed",
                           "3", "--token", k_token, "--threads", "96"});
    if (!started) {
      std::fprintf(stderr, "cannot start pve-sim: %s\n", started.error().message.c_str());
      std::exit(1);
    }
    std::fprintf(stderr, "pve-sim on port %d\n", started->port());
    return std::make_unique<SimProcess>(std::move(*started));
  }();
  return *s;
}

pvex::config::Config bench_config() {
  pvex::config::Config c;
  pvex::config::Module m;
  m.user = "prometheus@pve";
  m.token_name = "bench";
  m.token_value = "00000000-0000-4000-8000-000000000001";
  m.verify_ssl = false;
  m.timeout = std::chrono::seconds(30);
  c.modules["default"] = m;
  c.scrape.timeout = std::chrono::seconds(60);
  return c;
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

/// Args: cluster (0/1), node (0/1), requests in flight per target.
void BM_CompatScrape(benchmark::State& state) {
  SimProcess& s = sim();
  const pvex::config::Config config = bench_config();
  pvex::app::MultiTargetOptions options;
  options.max_in_flight = static_cast<size_t>(state.range(2));
  pvex::app::MultiTarget mt(config, options);
  pvex::http::Request req;
  req.params.emplace("target", "127.0.0.1:" + std::to_string(s.port()));
  req.params.emplace("cluster", std::to_string(state.range(0)));
  req.params.emplace("node", std::to_string(state.range(1)));
  mt.handle(req);  // warm-up: TLS handshakes and connection pool
  if (!s.reset()) state.SkipWithError("cannot reset the simulator's counters");
  size_t bytes = 0, series = 0;
  for (auto _ : state) {
    pvex::http::Response res = mt.handle(req);
    bytes = res.body.size();
    series = 0;
    for (size_t pos = 0; (pos = res.body.find('\n', pos)) != std::string::npos; ++pos)
      if (pos + 1 < res.body.size() && res.body[pos + 1] != '#') ++series;
    if (res.body.find("pve_exporter_target_up{") == std::string::npos ||
        res.body.find("} 0\npve_exporter_collector_success") != std::string::npos)
      state.SkipWithError("a collector failed");
  }
  pvex::Result<pvex::testing::SimStats> stats = s.stats();
  if (stats)
    state.counters["api_calls"] = static_cast<double>(stats->requests_total) / static_cast<double>(state.iterations());
  state.counters["series"] = static_cast<double>(series);
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

BENCHMARK(BM_CompatScrape)
    ->ArgNames({"cluster", "node", "in_flight"})
    ->Args({1, 1, 32})
    ->Args({1, 1, 8})
    ->Args({1, 0, 32})
    ->Args({0, 1, 32})
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
