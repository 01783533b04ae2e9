// Golden and failure-path tests of the certificates collector over the PVE 8 and PVE 9 fixtures.
#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_certificates(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

using testing::FixtureApi;

TEST(CertificatesCollector, Pve9MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_certificates, FixtureApi("pve9-three-nodes"));
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("certificates_pve9.prom", r.text));
  for (const std::string& p : r.asked) EXPECT_EQ(p.find("/nodes/pve3/"), std::string::npos) << p;
}

TEST(CertificatesCollector, Pve8MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_certificates, FixtureApi("pve8-three-nodes"));
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("certificates_pve8.prom", r.text));
}

TEST(CertificatesCollector, Api500FailsOnlyThisCollector) {
  FixtureApi api("pve9-three-nodes", {{"/nodes/pve2/certificates/info",
                                       testing::http_500("/nodes/pve2/certificates/info")}});
  const std::string text = testing::run_through_runner({"cluster", "certificates"}, api);
  EXPECT_NE(text.find("pve_exporter_collector_success{collector=\"certificates\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("pve_certificates_node_scrape_success{node=\"pve2\"} 0\n"),
            std::string::npos);
  EXPECT_TRUE(testing::matches_golden("certificates_pve9_fail500.prom", text));
}

}  // namespace
}  // namespace pvex
