// Golden and failure-path tests of the pve_zfs collector over API fixtures.
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "collectors/collector.hpp"
#include "metrics/text_format.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_pve_zfs(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

/// Serves tests/fixtures/zfs/api/<path>.json; paths in `failing` answer like an offline node.
pve::FetchFn fixture_fetch(std::set<std::string> failing) {
  return [failing = std::move(failing)](std::string_view path,
                                        pve::Clock::time_point) -> Result<pve::Body> {
    if (failing.count(std::string(path)) != 0)
      return fail(ErrorKind::http, "GET " + std::string(path) + ": HTTP 595 Connection timed out");
    const std::string file = testing::test_path("fixtures/zfs/api" + std::string(path) + ".json");
    std::ifstream in(file);
    if (!in) return fail(ErrorKind::http, "GET " + std::string(path) + ": HTTP 501 no such uri");
    std::stringstream ss;
    ss << in.rdbuf();
    return std::make_shared<const std::string>(ss.str());
  };
}

struct PveZfsRun {
  Result<void> result;
  metrics::MetricSet out;
  std::string text;
  size_t fetches = 0;
};

PveZfsRun run(std::set<std::string> failing = {}) {
  config::Config cfg;
  const auto deadline = pve::Clock::now() + std::chrono::seconds(5);
  pve::Session session(fixture_fetch(std::move(failing)), deadline);
  collectors::Scrape scrape(cfg, &session, deadline);
  PveZfsRun r{{}, {}, {}, 0};
  r.result = collectors::collect_pve_zfs(scrape, r.out);
  metrics::write(r.out, metrics::Format::prometheus_text, r.text);
  r.fetches = session.fetch_count();
  return r;
}

TEST(PveZfsCollector, EveryOnlineNodeMatchesGolden) {
  PveZfsRun r = run();
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("zfs_pve.prom", r.text));
  EXPECT_EQ(r.fetches, 1u + 2u + 3u);  // status, two lists, three pools; offline pve2 never asked
  EXPECT_EQ(r.text.find("pve2"), std::string::npos);
}

TEST(PveZfsCollector, AbbreviatedErrorCountersBecomeZeroOrOne) {
  PveZfsRun r = run();
  EXPECT_NE(r.text.find("pve_zfs_vdev_errors_present{node=\"pve3\",pool=\"tank\",vdev=\"tank/"
                        "raidz1-0/ata-WDC_WD40EFRX_WD-AAA1-part1\",kind=\"checksum\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("pve_zfs_vdev_errors_present{node=\"pve3\",pool=\"tank\",vdev=\"tank/"
                        "raidz1-0/ata-WDC_WD40EFRX_WD-AAA2-part1\",kind=\"write\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("pve_zfs_pool_data_errors{node=\"pve3\",pool=\"tank\"} 3\n"),
            std::string::npos);
}

TEST(PveZfsCollector, OneNodeDownOthersStillReported) {
  PveZfsRun r = run({"/nodes/pve3/disks/zfs"});
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::http);
  EXPECT_NE(
      r.result.error().message.find("/nodes/pve3/disks/zfs: GET /nodes/pve3/disks/zfs: HTTP 595"),
      std::string::npos);
  EXPECT_NE(r.text.find("pve_zfs_pool_size_bytes{node=\"pve1\",pool=\"rpool\"} 1992864825344\n"),
            std::string::npos);
  EXPECT_EQ(r.text.find("node=\"pve3\""), std::string::npos);
}

TEST(PveZfsCollector, FailedPoolDetailKeepsTheSummary) {
  PveZfsRun r = run({"/nodes/pve3/disks/zfs/tank"});
  ASSERT_FALSE(r.result.has_value());
  EXPECT_NE(r.text.find("pve_zfs_pool_health{node=\"pve3\",pool=\"tank\",state=\"degraded\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(r.text.find("vdev=\"tank"), std::string::npos);
  EXPECT_NE(r.text.find("pve_zfs_vdev_state{node=\"pve3\",pool=\"rpool\",vdev=\"rpool/"
                        "ata-SSD1-part3\",state=\"online\"} 1\n"),
            std::string::npos);
}

TEST(PveZfsCollector, ClusterStatusFailureFailsTheCollector) {
  PveZfsRun r = run({"/cluster/status"});
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.out.series_count(), 0u);
}

}  // namespace
}  // namespace pvex
