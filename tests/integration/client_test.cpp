// The real libcurl client against pve-sim on loopback: auth, TLS, deadlines, retries,
// memoisation, the concurrency bound, in-flight sharing and bad answers, asserted through the
// simulator's request counters.
#include "pve/client.hpp"

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pve/cluster.hpp"
#include "pve/session.hpp"
#include "pve/version.hpp"
#include "support/pve_sim.hpp"

namespace pvex::pve {
namespace {

using namespace std::chrono_literals;
using testing::SimProcess;
using testing::SimStats;

constexpr const char* k_token = "monitor@pve!exporter=6c8b2c1e-5f1a-4a83-9d3b-2f1e0c7a9b11";
constexpr const char* k_secret = "6c8b2c1e-5f1a-4a83-9d3b-2f1e0c7a9b11";

SimProcess start_sim(std::vector<std::string> args) {
  args.insert(args.end(), {"--token", k_token, "--static", "--nodes", "3"});
  Result<SimProcess> sim = SimProcess::start(args);
  if (!sim) {
    ADD_FAILURE() << "pve-sim did not start: " << sim.error().message;
    std::abort();
  }
  return std::move(*sim);
}

config::ApiConfig token_config(const SimProcess& sim) {
  config::ApiConfig c;
  c.host = sim.host();
  c.port = sim.port();
  c.token_id = "monitor@pve!exporter";
  c.token_secret = k_secret;
  c.ca_file = sim.ca_file();
  return c;
}

std::shared_ptr<Client> make_client(const config::ApiConfig& c) {
  Result<std::shared_ptr<Client>> client = Client::create(c);
  EXPECT_TRUE(client.has_value()) << client.error().message;
  return *client;
}

uint64_t count(const SimProcess& sim, const std::string& api_path) {
  Result<SimStats> s = sim.stats();
  EXPECT_TRUE(s.has_value());
  auto it = s->paths.find("/api2/json" + api_path);
  return it == s->paths.end() ? 0 : it->second;
}

Clock::time_point in(std::chrono::milliseconds ms) {
  return Clock::now() + ms;
}

TEST(ClientSim, TokenAuthWithCaFile) {
  SimProcess sim = start_sim({});
  std::shared_ptr<Client> client = make_client(token_config(sim));
  Result<Body> body = client->get("/version", in(5s));
  ASSERT_TRUE(body.has_value()) << body.error().message;
  Result<Version> v = parse_version(**body);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(v->release.substr(0, 2), "9.");
  EXPECT_EQ(count(sim, "/version"), 1u);
  ClientStats stats = client->stats();
  ASSERT_EQ(stats.requests.size(), 1u);
  EXPECT_EQ(stats.requests[0], (ClientStats::Requests{"/version", "200", 1}));
  ASSERT_EQ(stats.latencies.size(), 1u);
  EXPECT_EQ(stats.latencies[0].count, 1u);
  EXPECT_EQ(stats.latencies[0].cumulative_counts.back(), 1u);
}

TEST(ClientSim, WrongTokenIsAnAuthErrorWithoutTheSecretAndNotRetried) {
  SimProcess sim = start_sim({});
  config::ApiConfig c = token_config(sim);
  c.token_secret = "wrong-secret-value";
  Result<Body> r = make_client(c)->get("/cluster/status", in(5s));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::auth);
  EXPECT_NE(r.error().message.find("GET /cluster/status: HTTP 401"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("monitor@pve!exporter"), std::string::npos);
  EXPECT_EQ(r.error().message.find("wrong-secret-value"), std::string::npos);
  EXPECT_EQ(count(sim, "/cluster/status"), 1u);
}

TEST(ClientSim, PasswordAuthLogsInOnceForManyRequests) {
  SimProcess sim = start_sim({"--user", "monitor@pve", "--password", "pw-123"});
  config::ApiConfig c = token_config(sim);
  c.token_id.clear();
  c.user = "monitor";
  c.realm = "pve";
  c.password = "pw-123";
  std::shared_ptr<Client> client = make_client(c);
  for (int i = 0; i < 3; ++i) {
    Result<Body> r = client->get("/cluster/status", in(5s));
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  EXPECT_EQ(sim.stats()->logins, 1u);
  EXPECT_EQ(count(sim, "/cluster/status"), 3u);
}

TEST(ClientSim, ExpiredTicketIsRenewedOnceOn401) {
  SimProcess sim =
      start_sim({"--user", "monitor@pve", "--password", "pw-123", "--ticket-lifetime-s", "1"});
  config::ApiConfig c = token_config(sim);
  c.token_id.clear();
  c.user = "monitor@pve";
  c.password = "pw-123";
  std::shared_ptr<Client> client = make_client(c);
  Result<Body> first = client->get("/version", in(5s));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  std::this_thread::sleep_for(2200ms);  // the 1 s ticket is now expired
  Result<Body> r = client->get("/version", in(5s));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(sim.stats()->logins, 2u);
  EXPECT_EQ(count(sim, "/version"), 3u);  // ok, 401, retried ok
}

TEST(ClientSim, WrongPasswordNamesTheUserAndBacksOff) {
  SimProcess sim = start_sim({"--user", "monitor@pve", "--password", "pw-123"});
  config::ApiConfig c = token_config(sim);
  c.token_id.clear();
  c.user = "monitor@pve";
  c.password = "not-the-password";
  std::shared_ptr<Client> client = make_client(c);
  for (int i = 0; i < 3; ++i) {
    Result<Body> r = client->get("/version", in(5s));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ErrorKind::auth);
    EXPECT_NE(r.error().message.find("authentication failed for user monitor@pve"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find("not-the-password"), std::string::npos);
  }
  EXPECT_EQ(count(sim, "/access/ticket"), 1u);  // one attempt per 10 s backoff window
  EXPECT_EQ(count(sim, "/version"), 0u);
}

TEST(ClientSim, UnverifiedCertificateSaysWhichOptionsFixIt) {
  SimProcess sim = start_sim({});
  config::ApiConfig c = token_config(sim);
  c.ca_file.clear();
  Result<Body> r = make_client(c)->get("/version", in(5s));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::tls);
  for (const char* option : {"`ca_file`", "`fingerprint`", "`insecure_skip_verify`"})
    EXPECT_NE(r.error().message.find(option), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find(k_secret), std::string::npos);
}

TEST(ClientSim, InsecureModeSkipsVerification) {
  SimProcess sim = start_sim({});
  config::ApiConfig c = token_config(sim);
  c.ca_file.clear();
  c.insecure_skip_verify = true;
  EXPECT_TRUE(make_client(c)->get("/version", in(5s)).has_value());
}

TEST(ClientSim, FingerprintPinRightAndWrong) {
  SimProcess sim = start_sim({});
  config::ApiConfig c = token_config(sim);
  c.ca_file.clear();
  c.fingerprint = sim.fingerprint();
  Result<Body> ok = make_client(c)->get("/version", in(5s));
  EXPECT_TRUE(ok.has_value()) << (ok ? "" : ok.error().message);

  std::string wrong = sim.fingerprint();
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  c.fingerprint = wrong;
  Result<Body> bad = make_client(c)->get("/version", in(5s));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ErrorKind::tls);
  EXPECT_NE(bad.error().message.find("does not match the pinned `fingerprint`"), std::string::npos)
      << bad.error().message;
}

TEST(ClientSim, HangingRequestEndsAtTheDeadline) {
  SimProcess sim = start_sim({"--fault", "/nodes/*/status=hang"});
  std::shared_ptr<Client> client = make_client(token_config(sim));
  Clock::time_point start = Clock::now();
  Result<Body> r = client->get("/nodes/pve1/status", in(400ms));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
  EXPECT_TRUE(r.error().message.starts_with("GET /nodes/pve1/status: timed out"))
      << r.error().message;
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_EQ(count(sim, "/nodes/pve1/status"), 1u);  // a timeout is not retried
}

TEST(ClientSim, SessionDeadlineFailsLaterRequests) {
  SimProcess sim = start_sim({"--fault", "/nodes/*/status=slow:600"});
  std::shared_ptr<Client> client = make_client(token_config(sim));
  Clock::time_point deadline = in(300ms);
  Session session(client->fetcher(), deadline);
  Result<Body> slow = session.get("/nodes/pve1/status");
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error().kind, ErrorKind::timeout);
  EXPECT_LT(Clock::now(), deadline + 200ms);      // the request ended with the deadline
  std::this_thread::sleep_until(deadline + 1ms);  // curl's timer may fire a hair early
  Result<Body> after = session.get("/version");
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().kind, ErrorKind::timeout);
  EXPECT_EQ(count(sim, "/version"), 0u);
}

TEST(ClientSim, RetriesServerErrorsButNot595Or4xx) {
  SimProcess sim =
      start_sim({"--fault", "/cluster/status=500", "--fault", "/cluster/resources=flaky:1",
                 "--fault", "/nodes/pve2/status=595", "--fault", "/cluster/ha/resources=404",
                 "--fault", "/cluster/backup=401", "--fault", "/version=503"});
  std::shared_ptr<Client> client = make_client(token_config(sim));

  Result<Body> r500 = client->get("/cluster/status", in(5s));
  ASSERT_FALSE(r500.has_value());
  EXPECT_EQ(r500.error().kind, ErrorKind::http);
  EXPECT_EQ(r500.error().message, "GET /cluster/status: HTTP 500: simulated fault");
  EXPECT_EQ(count(sim, "/cluster/status"), 3u);  // 1 + 2 retries

  EXPECT_FALSE(client->get("/version", in(5s)).has_value());
  EXPECT_EQ(count(sim, "/version"), 3u);

  Result<Body> flaky = client->get("/cluster/resources", in(5s));
  EXPECT_TRUE(flaky.has_value()) << flaky.error().message;
  EXPECT_EQ(count(sim, "/cluster/resources"), 2u);

  Result<Body> r595 = client->get("/nodes/pve2/status", in(5s));
  ASSERT_FALSE(r595.has_value());
  EXPECT_EQ(r595.error().kind, ErrorKind::http);
  EXPECT_TRUE(r595.error().message.starts_with("GET /nodes/pve2/status: HTTP 595"))
      << r595.error().message;
  EXPECT_EQ(count(sim, "/nodes/pve2/status"), 1u);

  Result<Body> r404 = client->get("/cluster/ha/resources", in(5s));
  ASSERT_FALSE(r404.has_value());
  EXPECT_EQ(r404.error().kind, ErrorKind::not_found);
  EXPECT_EQ(count(sim, "/cluster/ha/resources"), 1u);

  Result<Body> r401 = client->get("/cluster/backup", in(5s));
  ASSERT_FALSE(r401.has_value());
  EXPECT_EQ(r401.error().kind, ErrorKind::auth);
  EXPECT_EQ(count(sim, "/cluster/backup"), 1u);

  ClientStats stats = client->stats();
  auto requests = [&](std::string endpoint, std::string code) -> uint64_t {
    for (const ClientStats::Requests& r : stats.requests)
      if (r.endpoint == endpoint && r.code == code) return r.count;
    return 0;
  };
  EXPECT_EQ(requests("/cluster/status", "500"), 3u);
  EXPECT_EQ(requests("/cluster/resources", "500"), 1u);
  EXPECT_EQ(requests("/cluster/resources", "200"), 1u);
  EXPECT_EQ(requests("/nodes/{node}/status", "595"), 1u);
}

TEST(ClientSim, OfflineNodeIs595) {
  SimProcess sim = start_sim({"--offline-nodes", "1"});
  Result<Body> r = make_client(token_config(sim))->get("/nodes/pve3/status", in(5s));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().message.starts_with("GET /nodes/pve3/status: HTTP 595"))
      << r.error().message;
  EXPECT_EQ(count(sim, "/nodes/pve3/status"), 1u);
}

TEST(ClientSim, SessionMemoisesConcurrentAsks) {
  SimProcess sim = start_sim({"--latency-ms", "50"});
  std::shared_ptr<Client> client = make_client(token_config(sim));
  Session session(client->fetcher(), in(5s));
  std::vector<std::future<Result<Body>>> asks;
  for (int i = 0; i < 5; ++i)
    asks.push_back(
        std::async(std::launch::async, [&] { return session.get("/cluster/resources"); }));
  for (auto& a : asks) {
    Result<Body> r = a.get();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(parse_cluster_resources(**r).has_value());
  }
  EXPECT_EQ(count(sim, "/cluster/resources"), 1u);
}

TEST(ClientSim, InFlightRequestsAreSharedBetweenSessions) {
  SimProcess sim = start_sim({"--latency-ms", "300"});
  std::shared_ptr<Client> client = make_client(token_config(sim));
  Session a(client->fetcher(), in(5s));
  Session b(client->fetcher(), in(5s));
  auto fa = std::async(std::launch::async, [&] { return a.get("/cluster/resources"); });
  std::this_thread::sleep_for(50ms);
  auto fb = std::async(std::launch::async, [&] { return b.get("/cluster/resources"); });
  Result<Body> ra = fa.get();
  Result<Body> rb = fb.get();
  ASSERT_TRUE(ra.has_value() && rb.has_value());
  EXPECT_EQ(**ra, **rb);
  EXPECT_EQ(count(sim, "/cluster/resources"), 1u);
  // Not a cache: a later scrape asks again.
  Session c(client->fetcher(), in(5s));
  ASSERT_TRUE(c.get("/cluster/resources").has_value());
  EXPECT_EQ(count(sim, "/cluster/resources"), 2u);
}

TEST(ClientSim, ConcurrencyIsBoundedPerClient) {
  SimProcess sim = start_sim({"--latency-ms", "60"});
  config::ApiConfig c = token_config(sim);
  c.max_in_flight = 3;
  std::shared_ptr<Client> client = make_client(c);
  Session session(client->fetcher(), in(10s), 16);
  std::vector<std::string> paths;
  for (const char* node : {"pve1", "pve2", "pve3"})
    for (const char* what : {"status", "lxc", "storage", "netstat"})
      paths.push_back(std::string("/nodes/") + node + "/" + what);
  std::vector<Result<Body>> results = session.get_all(paths);
  for (const Result<Body>& r : results) EXPECT_TRUE(r.has_value()) << r.error().message;
  Result<SimStats> stats = sim.stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_LE(stats->max_in_flight, 3u);
  EXPECT_GE(stats->max_in_flight, 2u);
  EXPECT_EQ(stats->requests_total, paths.size());
}

TEST(ClientSim, OversizedAnswerIsAnError) {
  SimProcess sim = start_sim({"--fault", "/cluster/resources=big:3000000"});
  config::ApiConfig c = token_config(sim);
  c.max_response_bytes = 1000000;
  Result<Body> r = make_client(c)->get("/cluster/resources", in(5s));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::io);
  EXPECT_EQ(r.error().message, "GET /cluster/resources: response too large (> 1000000 bytes)");
  EXPECT_EQ(count(sim, "/cluster/resources"), 1u);
}

TEST(ClientSim, MalformedAndTruncatedAnswersFailInTheParser) {
  SimProcess sim = start_sim(
      {"--fault", "/cluster/resources=malformed", "--fault", "/cluster/status=truncated"});
  std::shared_ptr<Client> client = make_client(token_config(sim));
  Result<Body> malformed = client->get("/cluster/resources", in(5s));
  ASSERT_TRUE(malformed.has_value());
  Result<Resources> res = parse_cluster_resources(**malformed);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().kind, ErrorKind::parse);
  Result<Body> truncated = client->get("/cluster/status", in(5s));
  ASSERT_TRUE(truncated.has_value());
  EXPECT_EQ(parse_cluster_status(**truncated).error().kind, ErrorKind::parse);
}

TEST(ClientSim, KeepsConnectionsAcrossScrapes) {
  SimProcess sim = start_sim({});
  config::ApiConfig c = token_config(sim);
  c.max_in_flight = 2;
  std::shared_ptr<Client> client = make_client(c);
  for (int scrape = 0; scrape < 3; ++scrape) {
    Session s(client->fetcher(), in(5s));
    std::vector<std::string> paths = {"/version", "/cluster/status", "/cluster/resources"};
    for (const Result<Body>& r : s.get_all(paths)) ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  EXPECT_EQ(sim.stats()->requests_total, 9u);
  EXPECT_GE(client->stats().connections_opened, 1u);
  EXPECT_LE(client->stats().connections_opened, 2u);  // one per pooled handle at most
}

}  // namespace
}  // namespace pvex::pve
