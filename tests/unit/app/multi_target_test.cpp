// GET /pve: query rules (defaults, 0/false/empty, unknown module -> 400), an unreachable target
// -> 200 with pve_exporter_target_up 0, the client cache, module timeouts and self-metrics.
#include "app/multi_target.hpp"

#include <atomic>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/scrape.hpp"
#include "metrics/text_format.hpp"
#include "unit/compat/compat_fetch.hpp"

namespace pvex::app {
namespace {

config::Config make_config() {
  config::Config c;
  config::Module m;
  m.user = "prometheus@pve";
  m.token_name = "exporter";
  m.token_value = "secret";
  c.modules["default"] = m;
  m.port = 8443;
  m.timeout = std::chrono::milliseconds(1500);
  c.modules["other"] = m;
  return c;
}

http::Request request(std::multimap<std::string, std::string> params) {
  http::Request r;
  r.method = "GET";
  r.path = "/pve";
  r.params = std::move(params);
  return r;
}

struct Connects {
  std::vector<std::string> calls;  // host:port/module per connect
};

/// A ConnectFn answering from the pve9-three-nodes fixtures and counting connects.
MultiTarget::ConnectFn fixture_connect(Connects& connects) {
  return [&connects](const PveQuery& q, const config::Module&, size_t) -> Result<pve::FetchFn> {
    connects.calls.push_back(q.host + ":" + std::to_string(q.port) + "/" + q.module);
    return testing::compat_fetch("pve9-three-nodes");
  };
}

bool contains(const std::string& body, std::string_view what) {
  return body.find(what) != std::string::npos;
}

// ---- query parameters -------------------------------------------------------------------------

TEST(PveQuery, Defaults) {
  Result<PveQuery> q = parse_pve_query(request({}), make_config());
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->target, "localhost");
  EXPECT_EQ(q->host, "localhost");
  EXPECT_EQ(q->port, 8006);
  EXPECT_EQ(q->module, "default");
  EXPECT_TRUE(q->cluster);
  EXPECT_TRUE(q->node);
  EXPECT_EQ(q->profile, Profile::compat);
}

TEST(PveQuery, ZeroFalseAndEmptyMeanOff) {
  for (const char* off : {"0", "false", "False", "FALSE", ""}) {
    Result<PveQuery> q = parse_pve_query(request({{"cluster", off}, {"node", off}}), make_config());
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->cluster) << off;
    EXPECT_FALSE(q->node) << off;
  }
  for (const char* on : {"1", "true", "yes", "2"}) {
    Result<PveQuery> q = parse_pve_query(request({{"cluster", on}, {"node", "0"}}), make_config());
    ASSERT_TRUE(q);
    EXPECT_TRUE(q->cluster) << on;
    EXPECT_FALSE(q->node) << on;
  }
}

TEST(PveQuery, PortFromTargetThenModuleThenDefault) {
  Result<PveQuery> q = parse_pve_query(
      request({{"target", "pve1.example.com:8007"}, {"module", "other"}}), make_config());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->host, "pve1.example.com");
  EXPECT_EQ(q->port, 8007);
  q = parse_pve_query(request({{"target", "pve1"}, {"module", "other"}}), make_config());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->port, 8443);
  q = parse_pve_query(request({{"target", "[2001:db8::1]:9000"}}), make_config());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->host, "2001:db8::1");
  EXPECT_EQ(q->port, 9000);
  q = parse_pve_query(request({{"target", "2001:db8::1"}}), make_config());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->host, "2001:db8::1");
  EXPECT_EQ(q->port, 8006);
}

TEST(PveQuery, UnknownModuleIsAnErrorNamingIt) {
  Result<PveQuery> q = parse_pve_query(request({{"module", "nosuch"}}), make_config());
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().message.find("unknown module \"nosuch\""), std::string::npos);
  EXPECT_NE(q.error().message.find("default, other"), std::string::npos);
}

TEST(PveQuery, BadTargetsAndProfiles) {
  for (const char* t :
       {"pve1:0", "pve1:99999", "pve1:abc", "[::1", "[::1]x", "a/b", "user@pve1", "", "pve 1"})
    EXPECT_FALSE(parse_pve_query(request({{"target", t}}), make_config())) << t;
  EXPECT_FALSE(parse_pve_query(request({{"profile", "nope"}}), make_config()));
  Result<PveQuery> q = parse_pve_query(request({{"profile", "native"}}), make_config());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->profile, Profile::native);
}

// ---- the handler --------------------------------------------------------------------------------

TEST(MultiTarget, UnknownModuleAnswers400PlainText) {
  Connects connects;
  MultiTarget mt(make_config(), {}, fixture_connect(connects));
  http::Response res = mt.handle(request({{"module", "nosuch"}}));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "text/plain; charset=utf-8");
  EXPECT_TRUE(contains(res.body, "unknown module \"nosuch\""));
  EXPECT_TRUE(connects.calls.empty());
}

TEST(MultiTarget, ServesTheProfileWithItsOwnStatusSeries) {
  Connects connects;
  MultiTarget mt(make_config(), {}, fixture_connect(connects));
  http::Response res = mt.handle(request({{"target", "pve1"}}));
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(contains(res.body, "pve_up{id=\"node/pve1\"} 1\n"));
  EXPECT_TRUE(
      contains(res.body, "pve_onboot_status{id=\"qemu/100\",node=\"pve1\",type=\"qemu\"} 1\n"));
  EXPECT_TRUE(contains(res.body, "pve_exporter_target_up{target=\"pve1\",module=\"default\"} 1\n"));
  EXPECT_TRUE(contains(res.body, "pve_exporter_collector_success{collector=\"subscription\"} 1\n"));
  EXPECT_TRUE(contains(res.body, "pve_exporter_scrape_api_requests 12\n"));
  EXPECT_EQ(connects.calls, std::vector<std::string>{"pve1:8006/default"});
}

TEST(MultiTarget, ClusterOffRunsOnlyNodeCollectors) {
  Connects connects;
  MultiTarget mt(make_config(), {}, fixture_connect(connects));
  http::Response res = mt.handle(request({{"target", "pve1"}, {"cluster", "0"}, {"node", "1"}}));
  EXPECT_EQ(res.status, 200);
  EXPECT_FALSE(contains(res.body, "pve_up{"));
  EXPECT_TRUE(contains(res.body, "pve_subscription_info{"));
  res = mt.handle(request({{"target", "pve1"}, {"cluster", "1"}, {"node", "false"}}));
  EXPECT_TRUE(contains(res.body, "pve_up{"));
  EXPECT_FALSE(contains(res.body, "pve_subscription_info{"));
}

TEST(MultiTarget, FailingCollectorIsVisibleAndTheRestServed) {
  config::Config config = make_config();
  MultiTarget mt(
      config, {}, [](const PveQuery&, const config::Module&, size_t) -> Result<pve::FetchFn> {
        return testing::compat_fetch("pve9-three-nodes", {{"/nodes/pve1/qemu/100/config",
                                                           Error{ErrorKind::http, "HTTP 500"}}});
      });
  http::Response res = mt.handle(request({}));
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(contains(res.body, "pve_exporter_collector_success{collector=\"config\"} 0\n"));
  EXPECT_TRUE(
      contains(res.body, "pve_exporter_target_up{target=\"localhost\",module=\"default\"} 1\n"));
  EXPECT_TRUE(
      contains(res.body, "pve_onboot_status{id=\"lxc/101\",node=\"pve1\",type=\"lxc\"} 0\n"));
  metrics::MetricSet self;
  mt.add_self_metrics(self);
  const metrics::FamilySamples* errors = self.find("pve_request_errors_total");
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ(errors->values[0], 1);  // "default" sorts first
}

TEST(MultiTarget, UnreachableTargetIs200WithTargetUpZero) {
  std::atomic<int> calls{0};
  MultiTarget mt(
      make_config(), {},
      [&calls](const PveQuery&, const config::Module&, size_t) -> Result<pve::FetchFn> {
        return pve::FetchFn(
            [&calls](std::string_view path, pve::Clock::time_point) -> Result<pve::Body> {
              ++calls;
              return fail(ErrorKind::io, "GET " + std::string(path) + ": connection refused");
            });
      });
  http::Response res = mt.handle(request({{"target", "127.0.0.1:1"}}));
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(
      contains(res.body, "pve_exporter_target_up{target=\"127.0.0.1:1\",module=\"default\"} 0\n"));
  EXPECT_FALSE(contains(res.body, "pve_up{"));
  EXPECT_EQ(calls.load(), 1);  // only the probe; nothing else waits on a dead target
}

TEST(MultiTarget, ClientThatCannotBeCreatedIs200WithTargetUpZero) {
  MultiTarget mt(make_config(), {},
                 [](const PveQuery&, const config::Module&, size_t) -> Result<pve::FetchFn> {
                   return fail(ErrorKind::config, "bad");
                 });
  http::Response res = mt.handle(request({}));
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(
      contains(res.body, "pve_exporter_target_up{target=\"localhost\",module=\"default\"} 0\n"));
  EXPECT_EQ(mt.client_count(), 0u);
}

TEST(MultiTarget, ClientsAreReusedPerTargetPortModuleAndBounded) {
  Connects connects;
  MultiTarget mt(make_config(), MultiTargetOptions{2, 8}, fixture_connect(connects));
  mt.handle(request({{"target", "a"}}));
  mt.handle(request({{"target", "a"}}));
  mt.handle(request({{"target", "a:8006"}}));  // same host and port
  EXPECT_EQ(connects.calls.size(), 1u);
  mt.handle(request({{"target", "a"}, {"module", "other"}}));  // other module: own client
  EXPECT_EQ(connects.calls.size(), 2u);
  mt.handle(request({{"target", "a"}}));  // "a/default" is now the most recent
  mt.handle(request({{"target", "b"}}));  // evicts the least recently used: "a/other"
  EXPECT_EQ(mt.client_count(), 2u);
  mt.handle(request({{"target", "a"}}));
  EXPECT_EQ(connects.calls.size(), 3u);
  mt.handle(request({{"target", "a"}, {"module", "other"}}));
  EXPECT_EQ(connects.calls, (std::vector<std::string>{"a:8006/default", "a:8443/other",
                                                      "b:8006/default", "a:8443/other"}));
}

TEST(MultiTarget, ModuleTimeoutBoundsEveryRequest) {
  std::vector<pve::Clock::duration> budgets;
  std::mutex mutex;
  MultiTarget mt(
      make_config(), {},
      [&](const PveQuery&, const config::Module&, size_t) -> Result<pve::FetchFn> {
        pve::FetchFn base = testing::compat_fetch("pve9-three-nodes");
        return pve::FetchFn([&, base](std::string_view path, pve::Clock::time_point deadline) {
          std::lock_guard lock(mutex);
          budgets.push_back(deadline - pve::Clock::now());
          return base(path, deadline);
        });
      });
  mt.handle(request({{"module", "other"}}));  // timeout 1.5 s, scrape timeout 10 s
  ASSERT_FALSE(budgets.empty());
  for (pve::Clock::duration d : budgets) EXPECT_LE(d, std::chrono::milliseconds(1500));
}

TEST(MultiTarget, SelfMetricsByModule) {
  Connects connects;
  MultiTarget mt(make_config(), {}, fixture_connect(connects));
  mt.handle(request({}));
  mt.handle(request({}));
  metrics::MetricSet self;
  mt.add_self_metrics(self);
  const metrics::FamilySamples* duration = self.find("pve_collection_duration_seconds");
  ASSERT_NE(duration, nullptr);
  EXPECT_EQ(duration->family.type, metrics::Type::summary);
  ASSERT_EQ(duration->size(), 2u);  // every configured module, even before its first scrape
  EXPECT_EQ(duration->labels_of(0)[0], "default");
  EXPECT_EQ(duration->distributions[0].count, 2);
  EXPECT_GT(duration->distributions[0].sum, 0);
  EXPECT_EQ(duration->distributions[1].count, 0);
  const metrics::FamilySamples* errors = self.find("pve_request_errors_total");
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ(errors->family.type, metrics::Type::counter);
  EXPECT_EQ(errors->values, (std::vector<double>{0, 0}));
  std::string text;
  metrics::write(self, metrics::Format::prometheus_text, text);
  EXPECT_TRUE(contains(text, "# TYPE pve_collection_duration_seconds summary\n"));
  EXPECT_TRUE(contains(text, "pve_collection_duration_seconds_count{module=\"default\"} 2\n"));
  EXPECT_TRUE(contains(text, "pve_collection_duration_seconds_count{module=\"other\"} 0\n"));
  EXPECT_TRUE(contains(text, "pve_request_errors_total{module=\"other\"} 0\n"));
}

TEST(MultiTarget, NativeProfileRunsTheNativeApiCollectors) {
  Connects connects;
  const config::Config config = make_config();
  MultiTarget mt(config, {}, fixture_connect(connects));
  http::Response res = mt.handle(request({{"profile", "native"}}));
  EXPECT_EQ(res.status, 200);
  EXPECT_FALSE(contains(res.body, "pve_up{"));
  EXPECT_FALSE(contains(res.body, "pve_onboot_status{"));
  for (const collectors::CollectorSpec* spec : enabled_collectors(config, true)) {
    const bool expected = spec->needs_api == collectors::NeedsApi::yes;
    EXPECT_EQ(contains(res.body, "pve_exporter_collector_success{collector=\"" +
                                     std::string(spec->name) + "\"}"),
              expected)
        << spec->name;
  }
}

}  // namespace
}  // namespace pvex::app
