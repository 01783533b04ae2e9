// pve_scrape_bench: full native scrapes (cluster, node, guest, storage, ha, network) against
// pve-sim through the real client: wall time, exporter CPU time, API calls, series, bytes, and
// the process's peak resident memory.
#include <sys/resource.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "app/scrape.hpp"
#include "collectors/collector.hpp"
#include "http/server.hpp"
#include "metrics/text_format.hpp"
#include "pve/client.hpp"
#include "pve/cluster.hpp"
#include "pve/fetch.hpp"
#include "pve/guests.hpp"
#include "pve/metrics_export.hpp"
#include "pve/netstat.hpp"
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

/// The six native API collectors against `sim`, with the benchmarks' token.
config::Config native_config(const testing::SimProcess& sim) {
  config::Config cfg;
  cfg.api.host = sim.host();
  cfg.api.port = sim.port();
  cfg.api.token_id = "bench@pve!bench";
  cfg.api.token_secret = "secret";
  cfg.api.ca_file = sim.ca_file();
  cfg.collectors_disable_defaults = true;
  for (const char* c : {"cluster", "guest", "ha", "network", "node", "storage"})
    cfg.collectors[c] = true;
  return cfg;
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
       "--latency-ms", std::to_string(latency), "--token", "bench@pve!bench=secret", "--static",
       // One server thread per keep-alive connection: with fewer threads than `in_flight`,
       // idle connections hold the simulator's threads and requests queue (as in
       // api_fetch_bench).
       "--threads", "128"});
  if (!sim) {
    state.SkipWithError(sim.error().message.c_str());
    return;
  }
  config::Config cfg = native_config(*sim);
  cfg.api.max_in_flight = in_flight;
  cfg.guests.per_drive = per_drive;
  Result<std::shared_ptr<pve::Client>> client = pve::Client::create(cfg.api);
  if (!client) {
    state.SkipWithError(client.error().message.c_str());
    return;
  }
  const std::vector<const collectors::CollectorSpec*> specs = app::enabled_collectors(cfg, true);

  // Warm-up scrape, untimed: the exporter keeps its connections between scrapes, and opening
  // `in_flight` TLS connections at once overflows the simulator's listen backlog (5), so some
  // SYNs are retransmitted after 1 s: without this the first iteration adds ~100 ms to the mean.
  {
    pve::Session warm((*client)->fetcher(), pve::Clock::now() + std::chrono::seconds(30),
                      in_flight);
    collectors::Scrape scrape(cfg, &warm, warm.deadline());
    (void)app::run_collectors(specs, scrape);
  }
  double cpu = 0, faults = 0, calls = 0, series = 0, bytes = 0, failed = 0;
  for (auto _ : state) {
    // The reset is a separate HTTPS request to the simulator (a new TLS connection): not part
    // of the scrape, so not timed.
    state.PauseTiming();
    (void)sim->reset();
    state.ResumeTiming();
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

/// The answers of one native scrape at 10 nodes x `per_node` guests, fetched once.
struct ScrapeBodies {
  std::vector<pve::Body> qemu, lxc, netstat;
  pve::Body resources, metrics_export;
};

Result<std::shared_ptr<pve::Client>> bench_client(const testing::SimProcess& sim) {
  config::ApiConfig api;
  api.host = sim.host();
  api.port = sim.port();
  api.token_id = "bench@pve!bench";
  api.token_secret = "secret";
  api.ca_file = sim.ca_file();
  return pve::Client::create(api);
}

struct SimAndClient {
  testing::SimProcess sim;
  std::shared_ptr<pve::Client> client;
};

/// pve-sim with 10 nodes x state.range(0) guests and a client for it; nullopt (the benchmark
/// skipped with the reason) when either fails.
std::optional<SimAndClient> start_sim_and_client(benchmark::State& state) {
  Result<testing::SimProcess> sim = testing::SimProcess::start(
      {"--nodes", "10", "--guests-per-node", std::to_string(state.range(0)), "--token",
       "bench@pve!bench=secret", "--static"});
  if (!sim) {
    state.SkipWithError(sim.error().message.c_str());
    return std::nullopt;
  }
  Result<std::shared_ptr<pve::Client>> client = bench_client(*sim);
  if (!client) {
    state.SkipWithError(client.error().message.c_str());
    return std::nullopt;
  }
  return SimAndClient{std::move(*sim), std::move(*client)};
}

std::vector<std::string> scrape_paths(int nodes) {
  std::vector<std::string> paths = {"/cluster/resources", "/cluster/metrics/export"};
  for (int n = 1; n <= nodes; ++n)
    for (const char* what : {"/qemu?full=1", "/lxc", "/netstat"})
      paths.push_back("/nodes/pve" + std::to_string(n) + what);
  return paths;
}

/// Fetch only: the 32 large answers of a 10-node scrape through the client (TLS, gzip, body
/// buffers) and a session, without parsing. args: guests per node.
void BM_FetchBodies(benchmark::State& state) {
  std::optional<SimAndClient> setup = start_sim_and_client(state);
  if (!setup) return;
  std::shared_ptr<pve::Client> client = setup->client;
  const std::vector<std::string> paths = scrape_paths(10);
  double cpu = 0, bytes = 0;
  for (auto _ : state) {
    const double cpu0 = cpu_seconds();
    pve::Session session(client->fetcher(), pve::Clock::now() + std::chrono::seconds(30), 16);
    bytes = 0;
    for (const Result<pve::Body>& b : session.get_all(paths)) {
      if (!b) {
        state.SkipWithError(b.error().message.c_str());
        return;
      }
      bytes += static_cast<double>((*b)->size());
    }
    cpu += cpu_seconds() - cpu0;
  }
  state.counters["cpu_ms"] = cpu / static_cast<double>(state.iterations()) * 1e3;
  state.counters["bytes"] = bytes;
}

/// Model building only: parses the answers the six native collectors read (qemu?full=1, lxc,
/// netstat per node, /cluster/resources, the node items of /cluster/metrics/export), fetched
/// once before timing. args: guests per node.
void BM_ParseModels(benchmark::State& state) {
  std::optional<SimAndClient> setup = start_sim_and_client(state);
  if (!setup) return;
  std::shared_ptr<pve::Client> client = setup->client;
  const std::vector<std::string> paths = scrape_paths(10);
  pve::Session session(client->fetcher(), pve::Clock::now() + std::chrono::seconds(30), 16);
  std::vector<Result<pve::Body>> bodies = session.get_all(paths);
  for (const Result<pve::Body>& b : bodies) {
    if (!b) {
      state.SkipWithError(b.error().message.c_str());
      return;
    }
  }
  size_t guests = 0;
  for (auto _ : state) {
    guests = 0;
    Result<pve::Resources> resources = pve::parse_cluster_resources(**bodies[0]);
    Result<std::vector<pve::ExportedMetric>> exported =
        pve::parse_metrics_export_matching(**bodies[1], "node/");
    bool ok = resources && exported;
    for (size_t i = 2; i + 2 < bodies.size(); i += 3) {
      Result<std::vector<pve::QemuStatus>> qemu = pve::parse_qemu_list(**bodies[i]);
      Result<std::vector<pve::LxcStatus>> lxc = pve::parse_lxc_list(**bodies[i + 1]);
      Result<std::vector<pve::NetstatEntry>> net = pve::parse_netstat(**bodies[i + 2]);
      ok = ok && qemu && lxc && net;
      if (qemu && lxc) guests += qemu->size() + lxc->size();
      benchmark::DoNotOptimize(qemu);
    }
    if (!ok) {
      state.SkipWithError("a parse failed");
      return;
    }
  }
  state.counters["guests"] = static_cast<double>(guests);
}

/// The exposition alone: one native scrape of 10 nodes x state.range(0) guests collected once
/// (untimed), then written again and again as the exporter sends it: 64 KiB pieces into one
/// reused buffer, gzipped when state.range(1) is 1. The guest families are generated, so each
/// iteration runs their generators over the parsed answers.
void BM_WriteExposition(benchmark::State& state) {
  Result<testing::SimProcess> sim = testing::SimProcess::start(
      {"--nodes", "10", "--guests-per-node", std::to_string(state.range(0)), "--token",
       "bench@pve!bench=secret", "--static", "--threads", "64"});
  if (!sim) {
    state.SkipWithError(sim.error().message.c_str());
    return;
  }
  const config::Config cfg = native_config(*sim);
  Result<std::shared_ptr<pve::Client>> client = pve::Client::create(cfg.api);
  if (!client) {
    state.SkipWithError(client.error().message.c_str());
    return;
  }
  const auto deadline = pve::Clock::now() + std::chrono::seconds(30);
  pve::Session session((*client)->fetcher(), deadline, cfg.api.max_in_flight);
  collectors::Scrape scrape(cfg, &session, deadline);
  const metrics::MetricSet set = app::run_collectors(app::enabled_collectors(cfg, true), scrape);
  const bool gzip = state.range(1) != 0;
  std::string piece, packed;
  piece.reserve(128 * 1024);
  double bytes = 0;
  for (auto _ : state) {
    metrics::Writer writer(set, metrics::Format::prometheus_text);
    std::optional<http::GzipStream> gz;
    if (gzip) gz.emplace();
    bytes = 0;
    for (bool more = true; more;) {
      piece.clear();
      more = writer.next(piece, 64 * 1024);
      if (gz) {
        packed.clear();
        (void)gz->write(piece, !more, packed);
        bytes += static_cast<double>(packed.size());
      } else {
        bytes += static_cast<double>(piece.size());
      }
    }
  }
  state.counters["bytes"] = bytes;
  state.counters["series"] = static_cast<double>(set.series_count());
}

Result<std::vector<pve::ExportedMetric>> export_nodes_dom(std::string_view json) {
  return pve::parse_metrics_export_matching(json, "node/");
}

/// One answer as the collectors read it: decoded from the memoised gzip answer and parsed in a
/// parse slot, over a session whose fetch function hands out answers fetched once before timing.
/// args: guests per node, parser (0: the export's node items with the DOM, 1: the same with
/// parse_metrics_export_nodes, 2: /cluster/resources, 3: one node's qemu?full=1, 4: the
/// qemu?full=1 lists of all 10 nodes with get_all_models, as fetch_per_node reads them, 5: the
/// export's node items with fetch_export_nodes, as the network collector reads them: scanned
/// while the gzip answer is decoded 256 KiB at a time).
void BM_ParseAnswer(benchmark::State& state) {
  std::optional<SimAndClient> setup = start_sim_and_client(state);
  if (!setup) return;
  const int which = static_cast<int>(state.range(1));
  const std::string path = which <= 1 || which == 5 ? "/cluster/metrics/export"
                           : which == 2             ? "/cluster/resources"
                                                    : "/nodes/pve1/qemu?full=1";
  std::vector<std::string> node_lists;
  for (int n = 1; n <= 10; ++n)
    node_lists.push_back("/nodes/pve" + std::to_string(n) + "/qemu?full=1");
  std::map<std::string, pve::Answer, std::less<>> answers;
  for (const std::string& p : which == 4 ? node_lists : std::vector<std::string>{path}) {
    Result<pve::Answer> answer =
        setup->client->get_answer(p, pve::Clock::now() + std::chrono::seconds(30));
    if (!answer) {
      state.SkipWithError(answer.error().message.c_str());
      return;
    }
    answers.emplace(p, *answer);
  }
  pve::FetchFn fetch = [&](std::string_view p, pve::Clock::time_point) -> Result<pve::Answer> {
    return answers.find(p)->second;
  };
  double cpu = 0;
  size_t items = 0;
  for (auto _ : state) {
    const double cpu0 = cpu_seconds();
    pve::Session session(fetch, pve::Clock::now() + std::chrono::seconds(30));
    bool ok = false;
    if (which == 5) {
      Result<std::vector<pve::ExportedMetric>> m = pve::fetch_export_nodes(session);
      ok = m.has_value();
      items = ok ? m->size() : 0;
    } else if (which == 0 || which == 1) {
      Result<std::vector<pve::ExportedMetric>> m = session.get_model(
          path, which == 0 ? &export_nodes_dom : &pve::parse_metrics_export_nodes);
      ok = m.has_value();
      items = ok ? m->size() : 0;
    } else if (which == 2) {
      Result<pve::Resources> m = session.get_model(path, &pve::parse_cluster_resources);
      ok = m.has_value();
      items = ok ? m->guests.size() : 0;
    } else if (which == 3) {
      Result<std::vector<pve::QemuStatus>> m = session.get_model(path, &pve::parse_qemu_list);
      ok = m.has_value();
      items = ok ? m->size() : 0;
    } else {
      ok = true;
      items = 0;
      for (const Result<std::vector<pve::QemuStatus>>& m :
           session.get_all_models(node_lists, &pve::parse_qemu_list)) {
        ok = ok && m.has_value();
        items += m ? m->size() : 0;
      }
    }
    cpu += cpu_seconds() - cpu0;
    if (!ok) {
      state.SkipWithError("the parse failed");
      return;
    }
  }
  state.counters["cpu_ms"] = cpu / static_cast<double>(state.iterations()) * 1e3;
  state.counters["items"] = static_cast<double>(items);
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

BENCHMARK(BM_FetchBodies)
    ->ArgNames({"guests_per_node"})
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(10);
BENCHMARK(BM_ParseModels)->ArgNames({"guests_per_node"})->Arg(1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAnswer)
    ->ArgNames({"guests_per_node", "parser"})
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->Args({1000, 2})
    ->Args({1000, 3})
    ->Args({1000, 4})
    ->Args({1000, 5})
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_WriteExposition)
    ->ArgNames({"guests_per_node", "gzip"})
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->Unit(benchmark::kMillisecond);

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
