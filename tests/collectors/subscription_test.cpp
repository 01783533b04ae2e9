// Golden and failure-path tests of the subscription collector over the PVE 8 and PVE 9 fixtures.
#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_subscription(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

using testing::FixtureApi;

TEST(SubscriptionCollector, Pve9MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_subscription, FixtureApi("pve9-three-nodes"));
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("subscription_pve9.prom", r.text));
  for (const std::string& p : r.asked) EXPECT_EQ(p.find("/nodes/pve3/"), std::string::npos) << p;
}

TEST(SubscriptionCollector, Pve8MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_subscription, FixtureApi("pve8-three-nodes"));
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("subscription_pve8.prom", r.text));
}

TEST(SubscriptionCollector, Api500FailsOnlyThisCollector) {
  FixtureApi api("pve9-three-nodes",
                 {{"/nodes/pve2/subscription", testing::http_500("/nodes/pve2/subscription")}});
  const std::string text = testing::run_through_runner({"cluster", "subscription"}, api);
  EXPECT_NE(text.find("pve_exporter_collector_success{collector=\"subscription\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("pve_subscription_node_scrape_success{node=\"pve2\"} 0\n"),
            std::string::npos);
  EXPECT_TRUE(testing::matches_golden("subscription_pve9_fail500.prom", text));
}

}  // namespace
}  // namespace pvex
