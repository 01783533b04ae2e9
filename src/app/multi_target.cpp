// GET /pve: query parsing, the per-target client cache, running the profile, self-metrics.
#include "app/multi_target.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/scrape.hpp"
#include "compat/profile.hpp"
#include "metrics/text_format.hpp"
#include "pve/client.hpp"
#include "util/strings.hpp"

namespace pvex::app {
namespace {

const metrics::Family k_target_up{
    "pve_exporter_target_up",
    "Whether the PVE API of the target answered /cluster/status (1) or not (0).",
    metrics::Type::gauge,
    {"target", "module"}};
const metrics::Family k_scrape_duration{"pve_exporter_scrape_duration_seconds",
                                        "How long this scrape took, all collectors included.",
                                        metrics::Type::gauge,
                                        {}};
const metrics::Family k_api_requests{
    "pve_exporter_scrape_api_requests",
    "API requests this scrape started (each path once; memoised answers not counted).",
    metrics::Type::gauge,
    {}};

const metrics::Family k_collection_duration{
    "pve_collection_duration_seconds",
    "Duration of /pve collections by module (prometheus-pve-exporter's).",
    metrics::Type::summary,
    {"module"}};
const metrics::Family k_request_errors{
    "pve_request_errors_total",
    "/pve collections by module where a collector or the target failed.",
    metrics::Type::counter,
    {"module"}};

bool is_on(const std::optional<std::string>& value) {
  if (!value) return true;
  const std::string v = util::to_lower(util::trim(*value));
  return !(v.empty() || v == "0" || v == "false");
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  return std::none_of(host.begin(), host.end(), [](char c) {
    return c == '/' || c == '@' || c == '?' || c == '#' || c == '[' || c == ']' || c == '%' ||
           static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f;
  });
}

Result<int> parse_port(std::string_view text, std::string_view target) {
  std::optional<int64_t> p = util::parse_int(text);
  if (!p || *p < 1 || *p > 65535)
    return fail(ErrorKind::config, fmt::format("target \"{}\": invalid port", target));
  return static_cast<int>(*p);
}

/// The default ConnectFn: a pve::Client for the target with the module's credentials.
Result<pve::FetchFn> connect_client(const PveQuery& q, const config::Module& m,
                                    size_t max_in_flight) {
  config::ApiConfig api;
  api.host = q.host;
  api.port = q.port;
  if (!m.token_name.empty()) {
    api.token_id = m.user + "!" + m.token_name;
    api.token_secret = m.token_value;
  } else {
    api.user = m.user;
    api.password = m.password;
  }
  api.insecure_skip_verify = !m.verify_ssl;
  api.max_in_flight = max_in_flight;
  api.connect_timeout = std::min(api.connect_timeout, m.timeout);
  Result<std::shared_ptr<pve::Client>> client = pve::Client::create(api);
  if (!client) return fail(client.error());
  return (*client)->fetcher();
}

}  // namespace

Result<std::pair<std::string, int>> parse_target(std::string_view target) {
  std::string host;
  int port = 0;
  if (target.starts_with('[')) {
    const size_t close = target.find(']');
    if (close == std::string_view::npos)
      return fail(ErrorKind::config, fmt::format("target \"{}\": missing ]", target));
    host = std::string(target.substr(1, close - 1));
    std::string_view rest = target.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':')
        return fail(ErrorKind::config, fmt::format("target \"{}\": junk after ]", target));
      Result<int> p = parse_port(rest.substr(1), target);
      if (!p) return fail(p.error());
      port = *p;
    }
  } else if (const size_t colon = target.find(':');
             colon != std::string_view::npos &&
             target.find(':', colon + 1) == std::string_view::npos) {
    host = std::string(target.substr(0, colon));
    Result<int> p = parse_port(target.substr(colon + 1), target);
    if (!p) return fail(p.error());
    port = *p;
  } else {
    host = std::string(target);  // a name, an IPv4 address or a bare IPv6 address
  }
  if (!valid_host(host))
    return fail(ErrorKind::config, fmt::format("target \"{}\": invalid host", target));
  return std::pair{std::move(host), port};
}

Result<PveQuery> parse_pve_query(const http::Request& req, const config::Config& config) {
  PveQuery q;
  q.target = req.param("target").value_or("localhost");
  q.module = req.param("module").value_or("default");
  auto module = config.modules.find(q.module);
  if (module == config.modules.end()) {
    std::string known;
    for (const auto& [name, m] : config.modules) known += (known.empty() ? "" : ", ") + name;
    return fail(ErrorKind::config, fmt::format("unknown module \"{}\" (configured: {})", q.module,
                                               known.empty() ? "none" : known));
  }
  Result<std::pair<std::string, int>> target = parse_target(q.target);
  if (!target) return fail(target.error());
  q.host = target->first;
  q.port = target->second != 0 ? target->second : module->second.port.value_or(8006);
  q.cluster = is_on(req.param("cluster"));
  q.node = is_on(req.param("node"));
  const std::string profile = req.param("profile").value_or("pve-exporter");
  if (profile == "native")
    q.profile = Profile::native;
  else if (profile != "pve-exporter" && !profile.empty())
    return fail(ErrorKind::config,
                fmt::format("unknown profile \"{}\" (pve-exporter or native)", profile));
  return q;
}

MultiTarget::MultiTarget(const config::Config& config, Options options, ConnectFn connect)
    : m_config(config),
      m_options(options),
      m_connect(connect ? std::move(connect) : ConnectFn(&connect_client)) {
  for (const auto& [name, m] : m_config.modules) m_stats[name];
}

MultiTarget::~MultiTarget() = default;

size_t MultiTarget::client_count() const {
  std::lock_guard lock(m_mutex);
  return m_clients.size();
}

Result<pve::FetchFn> MultiTarget::fetch_for(const PveQuery& q, const config::Module& module) {
  std::lock_guard lock(m_mutex);
  const Key key{q.host, q.port, q.module};
  auto it = m_clients.find(key);
  if (it == m_clients.end()) {
    Result<pve::FetchFn> fetch = m_connect(q, module, m_options.max_in_flight);
    if (!fetch) return fail(fetch.error());
    if (m_clients.size() >= std::max<size_t>(1, m_options.max_targets)) {
      auto oldest = std::min_element(
          m_clients.begin(), m_clients.end(),
          [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
      m_clients.erase(oldest);  // scrapes still using it hold their own copy
    }
    it = m_clients.emplace(key, Entry{std::move(*fetch), 0}).first;
  }
  it->second.last_used = ++m_tick;
  // The module's timeout bounds each request, as the peer's does.
  return pve::FetchFn([fetch = it->second.fetch, timeout = module.timeout](
                          std::string_view path, pve::Clock::time_point deadline) {
    return fetch(path, std::min(deadline, pve::Clock::now() + timeout));
  });
}

void MultiTarget::record(const std::string& module, double seconds, bool error) {
  std::lock_guard lock(m_mutex);
  Stats& s = m_stats[module];
  s.seconds_sum += seconds;
  ++s.count;
  if (error) ++s.errors;
}

void MultiTarget::add_self_metrics(metrics::MetricSet& out) const {
  std::lock_guard lock(m_mutex);
  for (const auto& [module, s] : m_stats)
    out.add_distribution(k_collection_duration, {{}, s.seconds_sum, static_cast<double>(s.count)},
                         {module});
  for (const auto& [module, s] : m_stats)
    out.add(k_request_errors, static_cast<double>(s.errors), {module});
}

http::Response MultiTarget::handle(const http::Request& req) {
  const auto start = pve::Clock::now();
  Result<PveQuery> q = parse_pve_query(req, m_config);
  if (!q) return http::Response{400, "text/plain; charset=utf-8", q.error().message + "\n", {}, {}};
  const config::Module& module = m_config.modules.at(q->module);
  const pve::Clock::time_point deadline =
      scrape_deadline(m_config, req.scrape_timeout_seconds, start);

  metrics::MetricSet set;
  bool up = false;
  bool failed = false;
  size_t requests = 0;
  Result<pve::FetchFn> fetch = fetch_for(*q, module);
  if (!fetch) {
    spdlog::error("/pve target={} module={}: {}", q->target, q->module, fetch.error().message);
  } else {
    pve::Session session(*fetch, deadline, m_options.max_in_flight);
    // Every collector but `version` starts from /cluster/status: if it fails, the target is
    // down for this scrape and nothing else is asked (no wait on further timeouts).
    Result<pve::Body> probe = session.get("/cluster/status");
    up = probe.has_value();
    if (!up) {
      spdlog::warn("/pve target={} module={} is unreachable: {}", q->target, q->module,
                   probe.error().message);
    } else {
      std::vector<const collectors::CollectorSpec*> specs;
      if (q->profile == Profile::native) {
        for (const collectors::CollectorSpec* spec : enabled_collectors(m_config, true))
          if (spec->needs_api == collectors::NeedsApi::yes) specs.push_back(spec);
      } else {
        specs = compat::enabled_collectors(m_config, q->cluster, q->node);
      }
      collectors::Scrape scrape(m_config, &session, deadline);
      set = run_collectors(specs, scrape);
      if (const metrics::FamilySamples* success = set.find("pve_exporter_collector_success"))
        failed = std::any_of(success->values.begin(), success->values.end(),
                             [](double v) { return v == 0; });
    }
    requests = session.fetch_count();
  }
  const double seconds = std::chrono::duration<double>(pve::Clock::now() - start).count();
  set.add(k_target_up, up ? 1 : 0, {q->target, q->module});
  set.add(k_api_requests, static_cast<double>(requests), {});
  set.add(k_scrape_duration, seconds, {});
  record(q->module, seconds, !up || failed);

  const metrics::Format format = metrics::negotiate(req.accept);
  http::Response res;
  res.content_type = std::string(metrics::content_type(format));
  res.body.reserve(64 * 1024);
  metrics::write(set, format, res.body);
  metrics::write_eof(format, res.body);
  return res;
}

}  // namespace pvex::app
