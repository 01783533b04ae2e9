// The /pve endpoint end to end against pve-sim with the real API client: the golden compat
// exposition of a static scenario, each path fetched once, partial failures (offline node, one
// guest config, QDevice), password tickets reused across scrapes, an unreachable target.
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/multi_target.hpp"
#include "support/golden.hpp"
#include "support/pve_sim.hpp"

namespace pvex::app {
namespace {

using testing::SimProcess;

constexpr const char* k_token = "prometheus@pve!exporter=5e2b7c1a-0000-4000-8000-00000000beef";

/// TZ=UTC for the test (the subscription due date is local midnight), restored afterwards.
class ScopedUtc {
 public:
  ScopedUtc() {
    if (const char* old = std::getenv("TZ")) m_old = old;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  ~ScopedUtc() {
    if (m_old.empty())
      unsetenv("TZ");
    else
      setenv("TZ", m_old.c_str(), 1);
    tzset();
  }

 private:
  std::string m_old;
};

config::Config token_config() {
  config::Config c;
  config::Module m;
  m.user = "prometheus@pve";
  m.token_name = "exporter";
  m.token_value = "5e2b7c1a-0000-4000-8000-00000000beef";
  m.verify_ssl = false;  // the simulator's certificate is self-signed
  c.modules["default"] = m;
  return c;
}

SimProcess start_sim(std::vector<std::string> args) {
  args.insert(args.end(), {"--static", "--seed", "7", "--token", k_token});
  Result<SimProcess> sim = SimProcess::start(std::move(args));
  if (!sim) ADD_FAILURE() << sim.error().message;
  return std::move(*sim);
}

http::Request pve_request(const SimProcess& sim, std::string extra = {}) {
  http::Request r;
  r.method = "GET";
  r.path = "/pve";
  r.params.emplace("target", "127.0.0.1:" + std::to_string(sim.port()));
  std::istringstream in(extra);
  std::string kv;
  while (std::getline(in, kv, '&'))
    if (const size_t eq = kv.find('='); eq != std::string::npos)
      r.params.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  return r;
}

/// The body without the lines that change from run to run (durations, the target's port).
std::string stable(const std::string& body) {
  std::istringstream in(body);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.find("duration_seconds") != std::string::npos ||
        line.starts_with("pve_exporter_target_up{"))
      continue;
    out += line + "\n";
  }
  return out;
}

bool contains(const std::string& body, std::string_view what) {
  return body.find(what) != std::string::npos;
}

TEST(CompatSim, GoldenExpositionOfStaticScenario) {
  ScopedUtc utc;
  SimProcess sim = start_sim({"--nodes", "3", "--guests-per-node", "4", "--qdevice"});
  const config::Config config = token_config();
  MultiTarget mt(config);
  http::Response res = mt.handle(pve_request(sim));
  ASSERT_EQ(res.status, 200);
  EXPECT_TRUE(contains(res.body, "pve_exporter_target_up{target=\"127.0.0.1:" +
                                     std::to_string(sim.port()) + "\",module=\"default\"} 1\n"));
  EXPECT_FALSE(contains(res.body, "} 0\npve_exporter_collector_success")) << res.body;
  EXPECT_TRUE(testing::matches_golden("compat_sim_static.prom", stable(res.body)));

  // Every path once: the peer asks /cluster/status 8 times and /cluster/resources 3 times.
  Result<testing::SimStats> stats = sim.stats();
  ASSERT_TRUE(stats);
  for (const auto& [path, n] : stats->paths) EXPECT_EQ(n, 1u) << path;
  // 5 cluster paths + qemu, lxc lists + 4 guest configs + replication + subscription.
  EXPECT_EQ(stats->requests_total, 13u);
}

TEST(CompatSim, OfflineNodeIsReportedAndEverythingElseServed) {
  SimProcess sim = start_sim({"--nodes", "3", "--guests-per-node", "2", "--offline-nodes", "1"});
  MultiTarget mt(token_config());
  http::Response res = mt.handle(pve_request(sim));
  ASSERT_EQ(res.status, 200);
  EXPECT_TRUE(contains(res.body, "pve_up{id=\"node/pve3\"} 0\n"));
  EXPECT_TRUE(contains(res.body, "pve_up{id=\"node/pve1\"} 1\n"));
  EXPECT_TRUE(contains(res.body, "pve_ha_state{id=\"node/pve3\",state=\"online\"} 0\n"));
  for (const char* c : {"status", "resources", "config", "replication", "subscription"})
    EXPECT_TRUE(contains(
        res.body, "pve_exporter_collector_success{collector=\"" + std::string(c) + "\"} 1\n"))
        << c;
}

TEST(CompatSim, OneGuestConfigFailingAndQDeviceErroring) {
  SimProcess sim =
      start_sim({"--nodes", "2", "--guests-per-node", "3", "--fault",
                 "/nodes/pve1/*/100/config=500", "--fault", "/cluster/config/qdevice=500"});
  MultiTarget mt(token_config());
  http::Response res = mt.handle(pve_request(sim));
  ASSERT_EQ(res.status, 200);
  EXPECT_TRUE(contains(res.body, "pve_exporter_collector_success{collector=\"config\"} 0\n"));
  EXPECT_TRUE(contains(res.body, "pve_exporter_collector_success{collector=\"qdevice\"} 0\n"));
  EXPECT_TRUE(contains(res.body, "pve_exporter_collector_success{collector=\"resources\"} 1\n"));
  EXPECT_FALSE(contains(res.body, "pve_onboot_status{id=\"lxc/100\""));  // lxc in this seed
  EXPECT_TRUE(contains(res.body, "pve_onboot_status{id=\"qemu/101\""));
  EXPECT_FALSE(contains(res.body, "pve_qdevice_up{"));
  metrics::MetricSet self;
  mt.add_self_metrics(self);
  EXPECT_EQ(self.find("pve_request_errors_total")->values, std::vector<double>{1});
}

TEST(CompatSim, PasswordTicketIsReusedAcrossScrapesAndTargets) {
  SimProcess sim = start_sim(
      {"--nodes", "1", "--guests-per-node", "2", "--user", "monitor@pve", "--password", "s3cret"});
  config::Config config;
  config::Module m;
  m.user = "monitor@pve";
  m.password = "s3cret";
  m.verify_ssl = false;
  config.modules["pw"] = m;
  MultiTarget mt(config);
  for (int i = 0; i < 3; ++i) {
    http::Response res = mt.handle(pve_request(sim, "module=pw"));
    ASSERT_EQ(res.status, 200);
    EXPECT_TRUE(contains(res.body, ",module=\"pw\"} 1\n"));
  }
  Result<testing::SimStats> stats = sim.stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->logins, 1u);  // the peer logs in on every scrape
  EXPECT_EQ(mt.client_count(), 1u);
}

TEST(CompatSim, WrongTokenAndUnreachableTargetAre200WithTargetDown) {
  SimProcess sim = start_sim({"--nodes", "1", "--guests-per-node", "1"});
  config::Config config = token_config();
  config.modules["default"].token_value = "wrong";
  MultiTarget mt(config);
  http::Response res = mt.handle(pve_request(sim));
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(contains(res.body, ",module=\"default\"} 0\n"));
  EXPECT_FALSE(contains(res.body, "pve_up{"));

  http::Request r;
  r.params.emplace("target", "127.0.0.1:1");
  res = mt.handle(r);
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(
      contains(res.body, "pve_exporter_target_up{target=\"127.0.0.1:1\",module=\"default\"} 0\n"));
}

}  // namespace
}  // namespace pvex::app
