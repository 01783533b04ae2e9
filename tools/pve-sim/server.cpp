// The request pipeline: count, delay, authenticate, inject faults, answer.
#include "server.hpp"

#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <zlib.h>

#include "json_writer.hpp"

namespace pvex::sim {

namespace {

constexpr std::string_view k_prefix = "/api2/json";
constexpr const char* k_json = "application/json;charset=UTF-8";

/// Decrements the in-flight gauge when a request ends, however it ends.
class InFlight {
 public:
  InFlight(std::atomic<uint64_t>& in_flight, std::atomic<uint64_t>& max) : m_in_flight(in_flight) {
    uint64_t now = ++m_in_flight;
    uint64_t seen = max.load();
    while (now > seen && !max.compare_exchange_weak(seen, now)) {
    }
  }
  ~InFlight() { --m_in_flight; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<uint64_t>& m_in_flight;
};

/// gzip of `data` (zlib with a gzip header); nullopt if zlib fails.
std::optional<std::string> gzip(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

/// Sets status and body; like PVE, bodies over 1024 bytes are gzipped when the client accepts it.
void send(const httplib::Request& req, httplib::Response& res, const ApiResponse& answer) {
  res.status = answer.status;
  if (answer.body.empty()) return;
  if (answer.body.size() > 1024 &&
      req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos) {
    if (std::optional<std::string> packed = gzip(answer.body)) {
      res.set_header("Content-Encoding", "gzip");
      res.set_content(std::move(*packed), k_json);
      return;
    }
  }
  res.set_content(answer.body, k_json);
}

}  // namespace

SimServer::SimServer(SimOptions options, Cluster cluster, std::vector<Fault> faults)
    : m_options(std::move(options)),
      m_cluster(std::move(cluster)),
      m_auth(m_options),
      m_faults(std::move(faults)) {}

SimTime SimServer::now() const {
  if (m_options.static_counters) return SimTime{k_static_epoch, 0};
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
  return SimTime{m_cluster.epoch0 + elapsed, elapsed};
}

bool SimServer::sleep_ms(long long ms) {
  std::unique_lock<std::mutex> lock(m_mutex);
  return !m_wake.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_shutdown; });
}

void SimServer::begin_shutdown() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_shutdown = true;
  }
  m_wake.notify_all();
}

void SimServer::install(httplib::Server& server) {
  server.Get("/_sim/stats", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(stats_json(), k_json);
  });
  server.Post("/_sim/reset", [this](const httplib::Request&, httplib::Response& res) {
    reset_stats();
    res.set_content("{}", k_json);
  });
  server.Get("/_sim/model", [this](const httplib::Request&, httplib::Response& res) {
    JsonWriter w;
    w.begin_object().field("cluster", m_cluster.name).field("pve_version", m_cluster.pve_version);
    w.key("nodes").begin_array();
    for (const Node& n : m_cluster.nodes) {
      w.begin_object()
          .field("name", n.name)
          .field("online", n.online ? 1 : 0)
          .key("storages")
          .begin_array();
      for (const Storage& s : n.storages) w.value(s.id);
      w.end_array().key("zfs_pools").begin_array();
      for (const ZfsPool& p : n.pools) w.value(p.name);
      w.end_array().end_object();
    }
    w.end_array().key("guests").begin_array();
    for (const Guest& g : m_cluster.guests) {
      bool qemu = g.type == GuestType::qemu;
      w.begin_object()
          .field("vmid", g.vmid)
          .field("node", m_cluster.nodes[g.node].name)
          .field("type", qemu ? "qemu" : "lxc")
          .field("status", g.running ? "running" : "stopped")
          .field("name", g.name)
          .field("template", g.is_template ? 1 : 0)
          .end_object();
    }
    w.end_array().end_object();
    res.set_content(w.str(), k_json);
  });
  server.Post(
      "/api2/json/access/ticket",
      [this](const httplib::Request& req, httplib::Response& res) { handle_login(req, res); });
  auto api = [this](const httplib::Request& req, httplib::Response& res) { handle_api(req, res); };
  server.Get("/api2/json/.*", api);
  server.Post("/api2/json/.*", api);
  server.Put("/api2/json/.*", api);
  server.Delete("/api2/json/.*", api);
  server.set_keep_alive_max_count(1000);
  // httplib writes headers and body separately: without this, Nagle plus the client's delayed
  // ACK hold every keep-alive answer back by ~40 ms (docs/performance.md).
  server.set_tcp_nodelay(true);
  server.set_default_headers({{"Server", "pve-api-daemon/3.0"}});
  if (m_options.verbose) {
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "%s %s -> %d (%zu bytes)\n", req.method.c_str(), req.path.c_str(),
                   res.status, res.body.size());
    });
  }
}

void SimServer::count(const std::string& path) {
  ++m_requests;
  std::lock_guard<std::mutex> lock(m_mutex);
  ++m_paths[path];
}

bool SimServer::answer_fault_early(const Fault* fault, const httplib::Request& req,
                                   httplib::Response& res) {
  if (fault == nullptr) return false;
  switch (fault->kind) {
    case FaultKind::status:
      if (fault->arg > 0) sleep_ms(fault->arg);
      if (fault->status == 500 || fault->status == 503 || fault->status == 404) {
        send(req, res, api_error(fault->status, "simulated fault"));
      } else {
        res.status = fault->status;  // 401 and 595 come with an empty body
      }
      return true;
    case FaultKind::hang:
      sleep_ms(60000);
      res.status = 504;
      return true;
    case FaultKind::slow:
      sleep_ms(fault->arg);
      return false;
    case FaultKind::malformed:
      res.status = 200;
      res.set_content("{\"data\":[{\"id\":\"node/pve1\",,\"status\":onl", k_json);
      return true;
    case FaultKind::flaky:
      send(req, res, api_error(500, "simulated flaky failure"));
      return true;
    case FaultKind::truncated:
    case FaultKind::big:
      return false;
  }
  return false;
}

void SimServer::distort(const Fault& fault, ApiResponse& answer) {
  if (answer.status != 200) return;
  if (fault.kind == FaultKind::truncated) {
    answer.body.resize(answer.body.size() / 2);
  } else if (fault.kind == FaultKind::big && answer.body.back() == '}' &&
             answer.body.size() + 13 < static_cast<size_t>(fault.arg)) {
    // {"data":...,"padding":"xxx"} keeps the answer valid JSON with the same data.
    size_t pad = static_cast<size_t>(fault.arg) - answer.body.size() - 13;
    answer.body.pop_back();
    answer.body += ",\"padding\":\"";
    answer.body.append(pad, 'x');
    answer.body += "\"}";
  }
}

void SimServer::handle_login(const httplib::Request& req, httplib::Response& res) {
  count(req.path);
  InFlight guard(m_in_flight, m_max_in_flight);
  if (m_options.latency_ms > 0) sleep_ms(m_options.latency_ms);
  const Fault* fault = m_faults.match("/access/ticket", req.path);
  if (answer_fault_early(fault, req, res)) return;
  LoginResult login = m_auth.login(req.get_param_value("username"), req.get_param_value("realm"),
                                   req.get_param_value("password"));
  if (!login.ok) {
    if (m_options.auth_fail_delay_ms > 0) sleep_ms(m_options.auth_fail_delay_ms);
    send(req, res, api_error(401, "authentication failure"));
    return;
  }
  ++m_logins;
  JsonWriter w;
  w.begin_object()
      .field("username", login.username)
      .field("ticket", login.ticket)
      .field("CSRFPreventionToken", login.csrf_token);
  if (!m_cluster.standalone) w.field("clustername", m_cluster.name);
  w.key("cap").begin_object();
  w.key("nodes").begin_object().field("Sys.Audit", 1).end_object();
  w.key("vms").begin_object().field("VM.Audit", 1).end_object();
  w.key("storage").begin_object().field("Datastore.Audit", 1).end_object();
  w.end_object().end_object();
  ApiResponse answer = ok(w.str());
  if (fault != nullptr) distort(*fault, answer);
  send(req, res, answer);
}

void SimServer::handle_api(const httplib::Request& req, httplib::Response& res) {
  count(req.path);
  InFlight guard(m_in_flight, m_max_in_flight);
  if (m_options.latency_ms > 0) sleep_ms(m_options.latency_ms);

  ApiRequest request;
  // The route pattern guarantees the prefix; "/api2/json/" alone becomes "/".
  request.path =
      req.path.size() > k_prefix.size() ? req.path.substr(k_prefix.size()) : std::string(1, '/');
  for (const auto& [k, v] : req.params) request.params.emplace(k, v);

  AuthVerdict verdict =
      m_auth.check(req.get_header_value("Authorization"), req.get_header_value("Cookie"));
  if (verdict != AuthVerdict::ok) {
    // PVE answers auth failures before any handler, with an empty body.
    if (m_options.auth_fail_delay_ms > 0) sleep_ms(m_options.auth_fail_delay_ms);
    res.status = 401;
    return;
  }

  const Fault* fault = m_faults.match(request.path, req.path);
  if (answer_fault_early(fault, req, res)) return;

  if (req.method != "GET") {
    send(req, res,
         api_error(501, fmt::format("Method '{} {}' not implemented", req.method, request.path)));
    return;
  }
  ApiResponse answer = route(request);
  if (answer.status == 595 && m_options.offline_delay_ms > 0) sleep_ms(m_options.offline_delay_ms);
  if (fault != nullptr) distort(*fault, answer);
  send(req, res, answer);
}

ApiResponse SimServer::route(const ApiRequest& request) {
  SimTime t = now();
  const std::string& p = request.path;
  if (p.rfind("/nodes/", 0) == 0) {
    size_t slash = p.find('/', 7);
    std::string name = p.substr(7, slash == std::string::npos ? std::string::npos : slash - 7);
    const Node* node = m_cluster.find_node(name);
    if (node == nullptr) {
      return api_error(500,
                       fmt::format("hostname lookup '{}' failed - failed to get address info for: "
                                   "{}: Name or service not known",
                                   name, name));
    }
    if (!node->online) return ApiResponse{595, ""};
    std::string_view rest =
        slash == std::string::npos ? std::string_view() : std::string_view(p).substr(slash + 1);
    if (std::optional<ApiResponse> a = answer_node(m_cluster, t, *node, rest, request)) return *a;
  } else if (std::optional<ApiResponse> a = answer_cluster(m_cluster, t, request)) {
    return *a;
  }
  return api_error(501, fmt::format("Method 'GET {}' not implemented", p));
}

std::string SimServer::stats_json() {
  JsonWriter w;
  w.begin_object()
      .field("requests_total", m_requests.load())
      .field("max_in_flight", m_max_in_flight.load())
      .field("in_flight", m_in_flight.load())
      .field("logins", m_logins.load());
  w.key("paths").begin_object();
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (const auto& [path, count] : m_paths) w.field(path, count);
  }
  w.end_object().end_object();
  return w.take();
}

void SimServer::reset_stats() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_paths.clear();
  }
  m_requests = 0;
  m_max_in_flight = m_in_flight.load();
  m_logins = 0;
  m_faults.reset();
}

}  // namespace pvex::sim
