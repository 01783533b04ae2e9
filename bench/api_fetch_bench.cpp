// API fetch benchmark: the wall time to fetch everything a full scrape needs from pve-sim
// (10 nodes, 1,000 guests, 20 ms latency per request), per client max_in_flight.
// Wave 1: /cluster/status (which nodes are online). Wave 2, all at once: /cluster/resources,
// /version, /cluster/metrics/export and per online node status, qemu?full=1, lxc, storage,
// netstat (what the collectors of one scrape ask for, concurrently).
// Counters: requests per scrape, and ratio = wall time / ideal, where ideal = 2 waves x latency
// (the critical path with unbounded concurrency).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pve/client.hpp"
#include "pve/cluster.hpp"
#include "pve/session.hpp"
#include "support/pve_sim.hpp"

namespace {

using namespace pvex;
constexpr const char* k_token = "monitor@pve!bench=bench-secret";

testing::SimProcess& sim(int latency_ms) {
  static std::map<int, std::unique_ptr<testing::SimProcess>> sims;
  std::unique_ptr<testing::SimProcess>& s = sims[latency_ms];
  if (s) return *s;
  s = [latency_ms] {
    Result<testing::SimProcess> p = testing::SimProcess::start(
        {"--nodes", "10", "--guests-per-node", "100", "--latency-ms", std::to_string(latency_ms),
         "--token", k_token, "--static", "--threads", "128"});
    if (!p) {
      std::fprintf(stderr, "pve-sim: %s\n", p.error().message.c_str());
      std::exit(1);
    }
    return std::make_unique<testing::SimProcess>(std::move(*p));
  }();
  return *s;
}

/// One full scrape's fetches; returns false on any error.
bool fetch_scrape(pve::Client& client, size_t parallel) {
  pve::Session session(client.fetcher(), pve::Clock::now() + std::chrono::seconds(30), parallel);
  Result<pve::Body> first = session.get("/cluster/status");
  if (!first) return false;
  Result<pve::ClusterStatus> status = pve::parse_cluster_status(**first);
  if (!status) return false;
  std::vector<std::string> wave2 = {"/cluster/resources", "/version", "/cluster/metrics/export"};
  for (const pve::ClusterMember& m : status->members) {
    if (!m.online) continue;
    for (const char* what : {"status", "qemu?full=1", "lxc", "storage", "netstat"})
      wave2.push_back("/nodes/" + m.name + "/" + what);
  }
  for (const Result<pve::Body>& r : session.get_all(wave2))
    if (!r) return false;
  return true;
}

void BM_ApiFetchFullScrape(benchmark::State& state) {
  const int latency_ms = static_cast<int>(state.range(1));
  testing::SimProcess& s = sim(latency_ms);
  config::ApiConfig api;
  api.host = s.host();
  api.port = s.port();
  api.token_id = "monitor@pve!bench";
  api.token_secret = "bench-secret";
  api.ca_file = s.ca_file();
  api.max_in_flight = static_cast<size_t>(state.range(0));
  Result<std::shared_ptr<pve::Client>> client = pve::Client::create(api);
  if (!client) {
    state.SkipWithError(client.error().message.c_str());
    return;
  }
  fetch_scrape(**client, 64);  // warm-up: connections and TLS sessions
  uint64_t before = s.stats()->requests_total;
  for (auto _ : state) {
    if (!fetch_scrape(**client, 64)) {
      state.SkipWithError("a request failed");
      return;
    }
  }
  uint64_t requests = s.stats()->requests_total - before;
  state.counters["requests"] =
      benchmark::Counter(static_cast<double>(requests) / static_cast<double>(state.iterations()));
  state.counters["ideal_ms"] = 2.0 * latency_ms;
  state.counters["connections"] = static_cast<double>((*client)->stats().connections_opened);
}

BENCHMARK(BM_ApiFetchFullScrape)
    ->ArgNames({"max_in_flight", "latency_ms"})
    ->Args({4, 20})
    ->Args({8, 20})
    ->Args({16, 20})
    ->Args({32, 20})
    ->Args({64, 20})
    ->Args({8, 0})
    ->Args({16, 0})
    ->Args({32, 0})
    ->Args({64, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
