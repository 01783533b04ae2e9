// Golden and failure-path tests of the zfs collector over the kstat fixture trees.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "collectors/collector.hpp"
#include "metrics/text_format.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_zfs(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

struct ZfsRun {
  Result<void> result;
  metrics::MetricSet out;
  std::string text;
};

ZfsRun run_zfs(const config::Config& cfg) {
  collectors::Scrape scrape(cfg, nullptr, pve::Clock::now() + std::chrono::seconds(5));
  ZfsRun r{{}, {}, {}};
  r.result = collectors::collect_zfs(scrape, r.out);
  metrics::write(r.out, metrics::Format::prometheus_text, r.text);
  return r;
}

ZfsRun run_zfs(const std::string& procfs) {
  config::Config cfg;
  cfg.zfs.procfs = procfs;
  return run_zfs(cfg);
}

/// A scratch procfs tree: <dir>/spl/kstat/zfs, removed at the end of the test.
class ScratchTree {
 public:
  ScratchTree() {
    char tmpl[] = "/tmp/pvex-zfs-test-XXXXXX";
    m_dir = ::mkdtemp(tmpl);
    std::filesystem::create_directories(root());
  }
  ~ScratchTree() { std::filesystem::remove_all(m_dir); }
  const std::string& procfs() const { return m_dir; }
  std::string root() const { return m_dir + "/spl/kstat/zfs"; }
  void write(const std::string& rel, std::string_view text) const {
    const std::filesystem::path p = root() + "/" + rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

 private:
  std::string m_dir;
};

double value_of(const metrics::MetricSet& set, std::string_view family, size_t i = 0) {
  const metrics::FamilySamples* fs = set.find(family);
  if (fs == nullptr || i >= fs->values.size()) return -1;
  return fs->values[i];
}

class ZfsGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(ZfsGolden, MatchesGoldenOutput) {
  ZfsRun r = run_zfs(testing::test_path(std::string("fixtures/kstat/") + GetParam()));
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden(std::string("zfs_") + GetParam() + ".prom", r.text));
}

INSTANTIATE_TEST_SUITE_P(Generations, ZfsGolden, ::testing::Values("2.0", "2.1", "2.2", "2.3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return "openzfs_" + n;
                         });

TEST(ZfsCollector, ArcCountersAndGaugesAreTypedByName) {
  ZfsRun r = run_zfs(testing::test_path("fixtures/kstat/2.3"));
  ASSERT_TRUE(r.result.has_value());
  EXPECT_EQ(value_of(r.out, "zfs_arc_hits_total"), 144195670);
  EXPECT_EQ(value_of(r.out, "zfs_arc_size_bytes"), 6329618304);
  EXPECT_EQ(value_of(r.out, "zfs_arc_c_max_bytes"), 6442450944);
  EXPECT_EQ(value_of(r.out, "zfs_arc_memory_available_bytes"), 7569677312);
  EXPECT_EQ(value_of(r.out, "zfs_arc_l2_read_bytes_total"), 30115971072);
  EXPECT_EQ(value_of(r.out, "zfs_arc_evict_l2_cached_bytes_total"), 61203447808);
  EXPECT_DOUBLE_EQ(value_of(r.out, "zfs_arc_pd_ratio"), 2631720478 / 4294967296.0);
  EXPECT_EQ(value_of(r.out, "zfs_dmu_tx_assigned_total"), 18234511);
  EXPECT_EQ(value_of(r.out, "zfs_fm_erpt_dropped_total"), 2);
  EXPECT_EQ(value_of(r.out, "zfs_zfetch_io_active"), 3);
  EXPECT_EQ(value_of(r.out, "zfs_zil_itx_metaslab_normal_write_bytes_total"), 38797312);
  EXPECT_EQ(r.out.find("zfs_arc_hits_total")->family.type, metrics::Type::counter);
  EXPECT_EQ(r.out.find("zfs_arc_size_bytes")->family.type, metrics::Type::gauge);
  EXPECT_EQ(r.out.find("zfs_arc_hash_elements_max")->family.type, metrics::Type::gauge);
}

TEST(ZfsCollector, UnknownFieldsUseTheFallbackRule) {
  ZfsRun r = run_zfs(testing::test_path("fixtures/kstat/2.3"));
  // zstd compress_level_invalid is not in the tables: zstd falls back to counter.
  const metrics::FamilySamples* fs = r.out.find("zfs_zstd_compress_level_invalid_total");
  ASSERT_NE(fs, nullptr);
  EXPECT_EQ(fs->family.type, metrics::Type::counter);
  EXPECT_NE(fs->family.help.find("fallback"), std::string::npos);
  // ddt log_flush_rate ends in _rate: a gauge.
  const metrics::FamilySamples* rate = r.out.find("zfs_pool_ddt_log_flush_rate");
  ASSERT_NE(rate, nullptr);
  EXPECT_EQ(rate->family.type, metrics::Type::gauge);
}

TEST(ZfsCollector, PoolStateIsAStateSetIncludingSuspended) {
  ScratchTree t;
  t.write("rpool/state", "SUSPENDED\n");
  ZfsRun r = run_zfs(t.procfs());
  ASSERT_TRUE(r.result.has_value());
  EXPECT_NE(r.text.find("zfs_pool_state{pool=\"rpool\",state=\"suspended\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("zfs_pool_state{pool=\"rpool\",state=\"online\"} 0\n"), std::string::npos);
  EXPECT_EQ(r.out.find("zfs_pool_state")->size(), 10u);
}

TEST(ZfsCollector, UnknownPoolStateGetsItsOwnSeries) {
  ScratchTree t;
  t.write("rpool/state", "WEIRD\n");
  ZfsRun r = run_zfs(t.procfs());
  EXPECT_NE(r.text.find("zfs_pool_state{pool=\"rpool\",state=\"weird\"} 1\n"), std::string::npos);
  EXPECT_EQ(r.out.find("zfs_pool_state")->size(), 11u);
}

TEST(ZfsCollector, NoZfsMeansNoSeriesAndSuccess) {
  ScratchTree t;
  std::filesystem::remove_all(t.procfs() + "/spl");
  ZfsRun r = run_zfs(t.procfs());
  EXPECT_TRUE(r.result.has_value());
  EXPECT_EQ(r.out.series_count(), 0u);
  EXPECT_EQ(r.text, "");
}

TEST(ZfsCollector, MalformedFileIsSkippedAndReported) {
  ScratchTree t;
  t.write("arcstats", "name                            type data\nhits 4 1\n");  // no header
  t.write("zil",
          "9 1 0x01 1 272 1 2\nname                            type data\n"
          "zil_commit_count                4    7\n");
  ZfsRun r = run_zfs(t.procfs());
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::parse);
  EXPECT_NE(r.result.error().message.find("arcstats: missing kstat header line"),
            std::string::npos);
  EXPECT_EQ(value_of(r.out, "zfs_zil_commit_count_total"), 7);
  EXPECT_EQ(r.out.find("zfs_arc_hits_total"), nullptr);
}

TEST(ZfsCollector, TruncatedAndHugeValuesDoNotCrash) {
  ScratchTree t;
  t.write("zil",
          "9 1 0x01 3 816 1 2\nname                            type data\n"
          "zil_commit_count                4    18446744073709537686\n"
          "zil_itx_count                   4    99999999999999999999999\n"
          "zil_itx_copied_bytes            4    12a\n"
          "zil_itx_needcopy_bytes          4");
  ZfsRun r = run_zfs(t.procfs());
  EXPECT_TRUE(r.result.has_value());
  EXPECT_EQ(value_of(r.out, "zfs_zil_commit_count_total"), 18446744073709537686.0);
  EXPECT_EQ(r.out.find("zfs_zil_itx_count_total"), nullptr);
  EXPECT_EQ(r.out.find("zfs_zil_itx_copied_bytes_total"), nullptr);
  EXPECT_EQ(r.out.series_count(), 1u);
}

TEST(ZfsCollector, DatasetFilterAppliesToObjsets) {
  config::Config cfg;
  cfg.zfs.procfs = testing::test_path("fixtures/kstat/2.2");
  cfg.zfs.dataset_exclude = "rpool/data/.*";
  ZfsRun r = run_zfs(cfg);
  ASSERT_TRUE(r.result.has_value());
  const metrics::FamilySamples* fs = r.out.find("zfs_dataset_reads_total");
  ASSERT_NE(fs, nullptr);
  ASSERT_EQ(fs->size(), 1u);
  EXPECT_EQ(fs->labels_of(0)[1], "rpool/ROOT/pve-1");
  EXPECT_EQ(fs->values[0], 9133718);
}

TEST(ZfsCollector, BadDatasetPatternIsAConfigError) {
  config::Config cfg;
  cfg.zfs.procfs = testing::test_path("fixtures/kstat/2.2");
  cfg.zfs.dataset_include = "([";
  ZfsRun r = run_zfs(cfg);
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::config);
}

TEST(ZfsCollector, DatasetNamesWithSpacesAreKept) {
  ZfsRun r = run_zfs(testing::test_path("fixtures/kstat/2.3"));
  EXPECT_NE(
      r.text.find("zfs_dataset_reads_total{pool=\"tank\",dataset=\"tank/my data\"} 1826743\n"),
      std::string::npos);
}

TEST(ZfsCollector, DmuTxAssignIsACumulativeHistogramWithStableBuckets) {
  ZfsRun r = run_zfs(testing::test_path("fixtures/kstat/2.3"));
  const metrics::FamilySamples* fs = r.out.find("zfs_pool_dmu_tx_assign_seconds");
  ASSERT_NE(fs, nullptr);
  const metrics::Distribution& d = fs->distributions[0];
  ASSERT_EQ(d.points.size(), 42u);  // 1 ns .. 2^41 ns
  EXPECT_DOUBLE_EQ(d.points[10].first, 1024e-9);
  EXPECT_EQ(d.points[10].second, 1288);
  EXPECT_EQ(d.points[11].second, 1288 + 402211);
  EXPECT_EQ(d.points.back().second, d.count);
  EXPECT_EQ(d.count, 1288 + 402211 + 1133877 + 211003 + 40122 + 9001 + 1200 + 88 + 5);
}

TEST(ZfsCollector, TxgsGiveLastSyncedAndSyncTimeSummary) {
  ZfsRun r = run_zfs(testing::test_path("fixtures/kstat/2.2"));
  EXPECT_EQ(value_of(r.out, "zfs_pool_txg_last_synced"), 2417735);
  const metrics::FamilySamples* fs = r.out.find("zfs_pool_txg_duration_seconds");
  ASSERT_NE(fs, nullptr);
  ASSERT_EQ(fs->size(), 4u);
  EXPECT_EQ(fs->labels_of(3)[1], "sync");
  const metrics::Distribution& sync = fs->distributions[3];
  EXPECT_EQ(sync.count, 5);                              // committed rows only
  EXPECT_DOUBLE_EQ(sync.points[0].second, 0.212345677);  // median
  EXPECT_DOUBLE_EQ(sync.points[3].second, 0.237037033);  // max
}

TEST(ZfsCollector, VanishedObjsetIsSilentlySkipped) {
  ScratchTree t;
  t.write("rpool/state", "ONLINE\n");
  // A dangling symlink: listed by readdir, ENOENT on open, like a file removed meanwhile.
  std::filesystem::create_symlink(t.root() + "/rpool/gone", t.root() + "/rpool/objset-0x99");
  ZfsRun r = run_zfs(t.procfs());
  EXPECT_TRUE(r.result.has_value());
  EXPECT_EQ(r.out.find("zfs_dataset_reads_total"), nullptr);
}

}  // namespace
}  // namespace pvex

namespace pvex {
namespace {

TEST(ZfsDocs, EveryGoldenFamilyIsDocumented) {
  const std::string docs = testing::read_test_file("../docs/zfs.md");
  for (const char* golden : {"zfs_2.0.prom", "zfs_2.1.prom", "zfs_2.2.prom", "zfs_2.3.prom",
                             "zfs_zpool.prom", "zfs_zpool_datasets.prom", "zfs_pve.prom"}) {
    std::istringstream in(testing::read_test_file(std::string("golden/") + golden));
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("# TYPE ", 0) != 0) continue;
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_NE(docs.find("`" + name + "`"), std::string::npos) << name << " from " << golden;
    }
  }
}

}  // namespace
}  // namespace pvex
