// Golden and failure-path tests of the replication collector over the PVE 8 and PVE 9 fixtures.
#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_replication(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

using testing::FixtureApi;

TEST(ReplicationCollector, Pve9MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_replication, FixtureApi("pve9-three-nodes"));
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("replication_pve9.prom", r.text));
  for (const std::string& p : r.asked) EXPECT_EQ(p.find("/nodes/pve3/"), std::string::npos) << p;
}

TEST(ReplicationCollector, Pve8MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_replication, FixtureApi("pve8-three-nodes"));
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("replication_pve8.prom", r.text));
}

TEST(ReplicationCollector, Api500FailsOnlyThisCollector) {
  FixtureApi api("pve9-three-nodes",
                 {{"/nodes/pve2/replication", testing::http_500("/nodes/pve2/replication")}});
  const std::string text = testing::run_through_runner({"cluster", "replication"}, api);
  EXPECT_NE(text.find("pve_exporter_collector_success{collector=\"replication\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("pve_replication_node_scrape_success{node=\"pve2\"} 0\n"), std::string::npos);
  EXPECT_TRUE(testing::matches_golden("replication_pve9_fail500.prom", text));
}

}  // namespace
}  // namespace pvex

namespace pvex {
namespace {

TEST(ReplicationCollector, NeverAndUnscheduledTimesAreAbsent) {
  testing::CollectorRun r = testing::run_collector(collectors::collect_replication,
                                                   testing::FixtureApi("pve9-three-nodes"));
  EXPECT_NE(r.text.find("pve_replication_failed_syncs{node=\"pve1\",job=\"100-0\",vmid=\"100\","
                        "target=\"pve2\"} 6\n"),
            std::string::npos);
  EXPECT_EQ(r.text.find("pve_replication_next_sync_timestamp_seconds{node=\"pve2\""),
            std::string::npos);
  EXPECT_NE(
      r.text.find(
          "pve_replication_enabled{node=\"pve2\",job=\"103-0\",vmid=\"103\",target=\"pve1\"} 0\n"),
      std::string::npos);
}

}  // namespace
}  // namespace pvex
