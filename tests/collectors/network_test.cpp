// Golden and failure-path tests of the network collector over the PVE 8 and PVE 9 fixtures.
#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_network(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

using testing::FixtureApi;

TEST(NetworkCollector, Pve9MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_network, FixtureApi{"pve9-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("network_pve9.prom", r.text));
  for (const std::string& p : r.asked) EXPECT_EQ(p.find("/nodes/pve3/"), std::string::npos) << p;
}

TEST(NetworkCollector, Pve8MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_network, FixtureApi{"pve8-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("network_pve8.prom", r.text));
}

TEST(NetworkCollector, Api500FailsOnlyThisCollector) {
  FixtureApi api("pve9-three-nodes",
                 {{"/cluster/metrics/export", testing::http_500("/cluster/metrics/export")}});
  const std::string text = testing::run_through_runner({"cluster", "network"}, api);
  EXPECT_NE(text.find("pve_exporter_collector_success{collector=\"network\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_TRUE(testing::matches_golden("network_pve9_fail500.prom", text));
}

}  // namespace
}  // namespace pvex

namespace pvex {
namespace {

TEST(NetworkCollector, ReleaseWithoutMetricsExportHasNoNodeTraffic) {
  testing::FixtureApi api(
      "pve9-three-nodes",
      {{"/version",
        testing::body(R"({"data":{"version":"8.2.4","release":"8.2","repoid":"faa83925"}})")}});
  testing::CollectorRun r = testing::run_collector(collectors::collect_network, api);
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_EQ(r.text.find("pve_node_network_"), std::string::npos);
  for (const std::string& p : r.asked) EXPECT_NE(p, "/cluster/metrics/export");
  EXPECT_NE(r.text.find("pve_container_interface_receive_bytes_total{node=\"pve1\",type=\"lxc\","
                        "vmid=\"101\",name=\"dns01\",interface=\"veth101i0\"} 99887766\n"),
            std::string::npos);
}

TEST(NetworkCollector, NetstatTimeoutOnOneNode) {
  testing::FixtureApi api(
      "pve9-three-nodes",
      {{"/nodes/pve1/netstat",
        testing::Override{Error{ErrorKind::timeout, "GET /nodes/pve1/netstat: timed out"}, ""}}});
  testing::CollectorRun r = testing::run_collector(collectors::collect_network, api);
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::timeout);
  EXPECT_NE(r.text.find("pve_network_node_scrape_success{node=\"pve1\"} 0\n"), std::string::npos);
  EXPECT_NE(r.text.find("pve_network_node_scrape_success{node=\"pve2\"} 1\n"), std::string::npos);
  EXPECT_NE(r.text.find("pve_node_network_receive_bytes_total{node=\"pve1\"} 918273645512\n"),
            std::string::npos);
}

}  // namespace
}  // namespace pvex
