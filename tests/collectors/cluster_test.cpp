// Golden and failure-path tests of the cluster collector over the PVE 8 and PVE 9 fixtures.
#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_cluster(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

using testing::FixtureApi;

TEST(ClusterCollector, Pve9MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_cluster, FixtureApi{"pve9-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("cluster_pve9.prom", r.text));
  for (const std::string& p : r.asked) EXPECT_EQ(p.find("/nodes/pve3/"), std::string::npos) << p;
}

TEST(ClusterCollector, Pve8MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_cluster, FixtureApi{"pve8-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("cluster_pve8.prom", r.text));
}

TEST(ClusterCollector, Api500FailsOnlyThisCollector) {
  FixtureApi api("pve9-three-nodes", {{"/version", testing::http_500("/version")}});
  const std::string text = testing::run_through_runner({"cluster", "ha"}, api);
  EXPECT_NE(text.find("pve_exporter_collector_success{collector=\"cluster\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_TRUE(testing::matches_golden("cluster_pve9_fail500.prom", text));
}

}  // namespace
}  // namespace pvex
