// Golden and failure-path tests of the node collector over the PVE 8 and PVE 9 fixtures.
#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_node(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

using testing::FixtureApi;

TEST(NodeCollector, Pve9MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_node, FixtureApi{"pve9-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("node_pve9.prom", r.text));
  for (const std::string& p : r.asked) EXPECT_EQ(p.find("/nodes/pve3/"), std::string::npos) << p;
}

TEST(NodeCollector, Pve8MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_node, FixtureApi{"pve8-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("node_pve8.prom", r.text));
}

TEST(NodeCollector, Api500FailsOnlyThisCollector) {
  FixtureApi api("pve9-three-nodes",
                 {{"/nodes/pve2/status", testing::http_500("/nodes/pve2/status")}});
  const std::string text = testing::run_through_runner({"cluster", "node"}, api);
  EXPECT_NE(text.find("pve_exporter_collector_success{collector=\"node\"} 0\n"), std::string::npos)
      << text;
  EXPECT_TRUE(testing::matches_golden("node_pve9_fail500.prom", text));
}

}  // namespace
}  // namespace pvex

namespace pvex {
namespace {

TEST(NodeCollector, OfflineAndFailedNodesAreDownWithNothingElse) {
  testing::FixtureApi api("pve9-three-nodes",
                          {{"/nodes/pve2/status", testing::http_500("/nodes/pve2/status")}});
  testing::CollectorRun r = testing::run_collector(collectors::collect_node, api);
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::http);
  EXPECT_NE(r.text.find("pve_node_up{node=\"pve2\"} 0\n"), std::string::npos);
  EXPECT_NE(r.text.find("pve_node_up{node=\"pve3\"} 0\n"), std::string::npos);
  EXPECT_NE(r.text.find("pve_node_up{node=\"pve1\"} 1\n"), std::string::npos);
  EXPECT_NE(r.text.find("pve_node_memory_total_bytes{node=\"pve1\"} 67285377024\n"),
            std::string::npos);
  EXPECT_EQ(r.text.find("pve_node_memory_total_bytes{node=\"pve2\"}"), std::string::npos);
  EXPECT_TRUE(r.out.problems().empty());
}

TEST(NodeCollector, ClusterStatusFailureFailsWithoutSeries) {
  testing::FixtureApi api("pve9-three-nodes",
                          {{"/cluster/status", testing::http_500("/cluster/status")}});
  testing::CollectorRun r = testing::run_collector(collectors::collect_node, api);
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.out.series_count(), 0u);
  EXPECT_EQ(r.asked, std::vector<std::string>{"/cluster/status"});
}

}  // namespace
}  // namespace pvex
