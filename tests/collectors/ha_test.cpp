// Golden and failure-path tests of the ha collector over the PVE 8 and PVE 9 fixtures.
#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_ha(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

using testing::FixtureApi;

TEST(HaCollector, Pve9MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_ha, FixtureApi{"pve9-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("ha_pve9.prom", r.text));
  for (const std::string& p : r.asked) EXPECT_EQ(p.find("/nodes/pve3/"), std::string::npos) << p;
}

TEST(HaCollector, Pve8MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_ha, FixtureApi{"pve8-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("ha_pve8.prom", r.text));
}

TEST(HaCollector, Api500FailsOnlyThisCollector) {
  FixtureApi api("pve9-three-nodes",
                 {{"/cluster/ha/status/current", testing::http_500("/cluster/ha/status/current")}});
  const std::string text = testing::run_through_runner({"cluster", "ha"}, api);
  EXPECT_NE(text.find("pve_exporter_collector_success{collector=\"ha\"} 0\n"), std::string::npos)
      << text;
  EXPECT_TRUE(testing::matches_golden("ha_pve9_fail500.prom", text));
}

}  // namespace
}  // namespace pvex
