// The program: configuration, logging, the HTTP server and its handlers, signals, shutdown.
#include "app/exporter.hpp"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/logging.hpp"
#include "app/multi_target.hpp"
#include "app/scrape.hpp"
#include "config/load.hpp"
#include "http/auth.hpp"
#include "http/server.hpp"
#include "metrics/text_format.hpp"
#include "pve/client.hpp"
#include "util/version.hpp"

namespace pvex::app {
namespace {

const metrics::Family k_scrape_duration{"pve_exporter_scrape_duration_seconds",
                                        "How long this scrape took, all collectors included.",
                                        metrics::Type::gauge,
                                        {}};

/// Owns what lives for the whole run and serves the HTTP handlers.
class Exporter {
 public:
  Exporter(config::Config config, std::shared_ptr<pve::Client> client)
      : m_config(std::move(config)), m_client(std::move(client)), m_multi(m_config) {}

  http::Response pve(const http::Request& req) { return m_multi.handle(req); }

  bool has_api() const { return m_client != nullptr; }

  http::Response metrics(const http::Request& req) const {
    const auto start = pve::Clock::now();
    const pve::Clock::time_point deadline =
        scrape_deadline(m_config, req.scrape_timeout_seconds, start);
    std::unique_ptr<pve::Session> session;
    if (m_client)
      session =
          std::make_unique<pve::Session>(m_client->fetcher(), deadline, m_config.api.max_in_flight);
    collectors::Scrape scrape(m_config, session.get(), deadline, m_client.get());
    metrics::MetricSet set = run_collectors(enabled_collectors(m_config, has_api()), scrape);
    m_multi.add_self_metrics(set);
    set.add(k_scrape_duration, std::chrono::duration<double>(pve::Clock::now() - start).count(),
            {});

    const metrics::Format format = metrics::negotiate(req.accept);
    http::Response res;
    res.content_type = std::string(metrics::content_type(format));
    // Sent while it is written, 256 KiB at a time: a big cluster's exposition (tens of MB) never
    // exists whole, plain or gzipped; the set lives until the last piece is out.
    struct Exposition {
      // Declared first, destroyed last: after a scrape's sets are freed, hand the memory glibc
      // keeps back to the system, so a big cluster's scrape does not stay resident until the
      // next one (10,000 guests: RSS between scrapes 270-290 MB before, 20-55 MB with it).
      struct TrimAfter {
        ~TrimAfter() { malloc_trim(0); }
      } trim;
      metrics::MetricSet set;
      metrics::Writer writer;
      Exposition(metrics::MetricSet s, metrics::Format f)
          : trim(), set(std::move(s)), writer(set, f) {}
    };
    auto exposition = std::make_shared<Exposition>(std::move(set), format);
    res.stream = [exposition, format](std::string& out) {
      if (exposition->writer.next(out, 256 * 1024)) return true;
      metrics::write_eof(format, out);
      return false;
    };
    return res;
  }

  http::Response landing(const http::Request&) const {
    const BuildInfo& b = build_info();
    std::string collectors;
    for (const collectors::CollectorSpec* spec : enabled_collectors(m_config, has_api()))
      collectors += fmt::format("<li><code>{}</code>: {}</li>\n", spec->name, spec->help);
    http::Response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = fmt::format(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>PVE Exporter</title></head>\n"
        "<body>\n<h1>PVE Exporter</h1>\n<p>Prometheus exporter for Proxmox VE, version {} "
        "(revision {}).</p>\n"
        "<ul>\n<li><a href=\"{}\">Metrics</a></li>\n"
        "<li><a href=\"/pve?target=localhost&amp;module=default\">/pve multi-target scrape (module "
        "default)</a></li>\n"
        "<li><a href=\"/-/healthy\">Health</a></li>\n"
        "<li><a href=\"/-/ready\">Readiness</a></li>\n</ul>\n<h2>Enabled "
        "collectors</h2>\n<ul>\n{}</ul>\n"
        "</body></html>\n",
        b.version, b.revision.substr(0, 12), m_config.web.telemetry_path, collectors);
    return res;
  }

 private:
  config::Config m_config;
  std::shared_ptr<pve::Client> m_client;  // null: no PVE target configured
  MultiTarget m_multi;                    // GET /pve and the peer's self-metrics
};

int serve(const config::Config& config) {
  // Signals are taken by sigwait() on this thread; every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::shared_ptr<pve::Client> client;
  if (config.api.host.empty()) {
    spdlog::info("no PVE host configured (api.host / PVE_HOST): PVE collectors are off");
  } else {
    Result<std::shared_ptr<pve::Client>> created = pve::Client::create(config.api);
    if (!created) {
      spdlog::error("PVE API client: {}", created.error().message);
      return 1;
    }
    client = std::move(*created);
    if (config.api.insecure_skip_verify)
      spdlog::warn("TLS certificate verification of the PVE API is off (api.insecure_skip_verify)");
    spdlog::info("PVE target {}", client->base_url());
  }
  Result<http::Security> security = http::make_security(config.web);
  if (!security) {
    spdlog::error("web config: {}", security.error().message);
    return 1;
  }
  if (security->cert_file.empty() && !config.server_certfile.empty()) {
    // The peer's --server.certfile/--server.keyfile: HTTPS without a web config file.
    security->cert_file = config.server_certfile;
    security->key_file = config.server_keyfile;
  }
  const bool tls = !security->cert_file.empty();
  auto exporter = std::make_shared<Exporter>(config, client);

  std::string names;
  for (const collectors::CollectorSpec* spec : enabled_collectors(config, exporter->has_api()))
    names += (names.empty() ? "" : ",") + std::string(spec->name);
  const BuildInfo& b = build_info();
  spdlog::info("starting pve-exporter version={} revision={} collectors={}", b.version, b.revision,
               names);

  http::Routes routes;
  routes.metrics = [exporter](const http::Request& r) { return exporter->metrics(r); };
  routes.landing = [exporter](const http::Request& r) { return exporter->landing(r); };
  routes.pve = [exporter](const http::Request& r) { return exporter->pve(r); };
  routes.ready = [] { return true; };
  Result<std::unique_ptr<http::Server>> server =
      http::Server::start(config.web, std::move(routes), std::move(*security));
  if (!server) {
    spdlog::error("{}", server.error().message);
    return 1;
  }
  std::string addresses;
  const std::vector<int> ports = (*server)->ports();
  for (size_t i = 0; i < ports.size(); ++i) {
    Result<config::ListenAddress> la = config::parse_listen_address(config.web.listen_addresses[i]);
    addresses += fmt::format("{}{}:{}", addresses.empty() ? "" : " ",
                             la->host.empty() ? "*" : la->host, ports[i]);
  }
  spdlog::info("listening on {} metrics_path={} tls={}", addresses, config.web.telemetry_path,
               tls ? "on" : "off");
  sd_notify(0, "READY=1");

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down (grace {}ms)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
               config.web.shutdown_grace.count());
  sd_notify(0, "STOPPING=1");
  if (!(*server)->stop(config.web.shutdown_grace))
    spdlog::warn("in-flight requests did not finish within the grace period");
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  // Scrapes allocate a lot for a short time on several threads; glibc's default of one arena
  // per thread (8 x cores) keeps that memory resident between scrapes. Two arenas measured half
  // the peak RSS at 1,000 and 10,000 guests (docs/performance.md) at no measurable CPU cost,
  // one arena another 2 MB less at 10,000 guests (49.7 -> 47.7 MB, scripts/scrape-ab.sh): the
  // threads mostly wait for the API, and at most two parse at once.
  mallopt(M_ARENA_MAX, 1);
  // Blocks of 256 KiB and more (answers, parser buffers, row vectors) get their own mappings,
  // unmapped when freed. glibc's default threshold grows with every such block freed (up to
  // 32 MiB), after which they come from the heap and stay resident until malloc_trim after the
  // answer: a scrape's peak then adds up every big buffer it ever used. 10,000 guests
  // (scripts/scrape-load.sh): peak 95 -> 52 MB at the same CPU; a fixed threshold also keeps
  // the page faults it saves from depending on the scrape before.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  Result<config::Loaded> loaded = config::load(argc, argv);
  if (!loaded) {
    std::fprintf(stderr, "pve-exporter: invalid configuration:\n");
    for (std::string_view line : std::vector<std::string>{loaded.error().message})
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    return 1;
  }
  switch (loaded->action) {
    case config::Action::help:
    case config::Action::version:
      std::fputs(loaded->output.c_str(), stdout);
      return 0;
    case config::Action::check:
      std::fputs(loaded->output.c_str(), stdout);
      for (const std::string& w : loaded->warnings)
        std::fprintf(stderr, "warning: %s\n", w.c_str());
      std::fputs("configuration is valid\n", stdout);
      return 0;
    case config::Action::run:
      break;
  }
  setup_logging(loaded->config.log.level, loaded->config.log.format);
  for (const std::string& w : loaded->warnings) spdlog::warn("{}", w);
  return serve(loaded->config);
}

}  // namespace pvex::app
