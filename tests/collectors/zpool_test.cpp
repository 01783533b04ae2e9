// Golden and failure-path tests of the zpool collector with fake zpool/zfs executables.
#include <gtest/gtest.h>

#include "collectors/collector.hpp"
#include "metrics/text_format.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_zpool(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

struct ZpoolRun {
  Result<void> result;
  metrics::MetricSet out;
  std::string text;
};

config::Config fake_config(std::string_view zpool = "zpool") {
  config::Config cfg;
  cfg.zfs.zpool_command = testing::test_path("fixtures/zfs/bin/" + std::string(zpool));
  cfg.zfs.zfs_command = testing::test_path("fixtures/zfs/bin/zfs");
  cfg.zfs.command_timeout = std::chrono::milliseconds(5000);
  return cfg;
}

ZpoolRun run_zpool(const config::Config& cfg) {
  collectors::Scrape scrape(cfg, nullptr, pve::Clock::now() + std::chrono::seconds(10));
  ZpoolRun r{{}, {}, {}};
  r.result = collectors::collect_zpool(scrape, r.out);
  metrics::write(r.out, metrics::Format::prometheus_text, r.text);
  return r;
}

TEST(ZpoolCollector, PoolsAndVdevsMatchGolden) {
  ZpoolRun r = run_zpool(fake_config());
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("zfs_zpool.prom", r.text));
}

TEST(ZpoolCollector, DatasetsWhenEnabledAndFiltered) {
  config::Config cfg = fake_config();
  cfg.zfs.datasets = true;
  cfg.zfs.dataset_exclude = "rpool/ROOT.*";
  ZpoolRun r = run_zpool(cfg);
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("zfs_zpool_datasets.prom", r.text));
  EXPECT_EQ(r.text.find("pve-1"), std::string::npos);
  EXPECT_NE(r.text.find("zfs_dataset_volume_size_bytes{pool=\"rpool\",dataset=\"rpool/data/"
                        "vm-100-disk-0\"} 34359738368\n"),
            std::string::npos);
}

TEST(ZpoolCollector, DatasetsOffByDefault) {
  ZpoolRun r = run_zpool(fake_config());
  EXPECT_EQ(r.out.find("zfs_dataset_used_bytes"), nullptr);
}

TEST(ZpoolCollector, MissingBinaryIsSilentSuccess) {
  config::Config cfg;
  cfg.zfs.zpool_command = "/nonexistent/sbin/zpool";
  ZpoolRun r = run_zpool(cfg);
  EXPECT_TRUE(r.result.has_value());
  EXPECT_EQ(r.text, "");
}

TEST(ZpoolCollector, FailingCommandReportsItsStderr) {
  ZpoolRun r = run_zpool(fake_config("zpool-fail"));
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::io);
  EXPECT_NE(r.result.error().message.find("exit status 1: Permission denied the ZFS utilities"),
            std::string::npos);
  EXPECT_EQ(r.out.series_count(), 0u);
}

TEST(ZpoolCollector, HangingCommandTimesOut) {
  config::Config cfg = fake_config("zpool-hang");
  cfg.zfs.command_timeout = std::chrono::milliseconds(300);
  ZpoolRun r = run_zpool(cfg);
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::timeout);
}

TEST(ZpoolCollector, NoPoolsNoSeries) {
  ZpoolRun r = run_zpool(fake_config("zpool-empty"));
  EXPECT_TRUE(r.result.has_value());
  EXPECT_EQ(r.out.series_count(), 0u);
}

}  // namespace
}  // namespace pvex
