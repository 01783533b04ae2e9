// Tests of the ZFS field typing tables and the naming rule.
#include "zfs/fields.hpp"

#include <gtest/gtest.h>

namespace pvex::zfs {
namespace {

const FileSpec& spec(std::string_view file) {
  for (const FileSpec& s : global_files())
    if (s.file == file) return s;
  ADD_FAILURE() << "no spec " << file;
  return global_files()[0];
}

std::string name_of(const FileSpec& s, std::string_view field) {
  return metric_name(s, field, classify(s, field));
}

TEST(Classify, ArcFieldsByName) {
  EXPECT_EQ(classify(spec("arcstats"), "hits"), (FieldType{Kind::counter, Unit::none, true}));
  EXPECT_EQ(classify(spec("arcstats"), "c_max"), (FieldType{Kind::gauge, Unit::bytes, true}));
  EXPECT_EQ(classify(spec("arcstats"), "pd"), (FieldType{Kind::gauge, Unit::fraction, true}));
  EXPECT_EQ(classify(spec("arcstats"), "l2_read_bytes"),
            (FieldType{Kind::counter, Unit::bytes, true}));
  EXPECT_EQ(classify(spec("arcstats"), "hash_elements_max"),
            (FieldType{Kind::gauge, Unit::none, true}));
}

TEST(Classify, IndexedRowsAreKnown) {
  EXPECT_TRUE(classify(spec("dbufstats"), "cache_level_11_bytes").known);
  EXPECT_TRUE(classify(spec("abdstats"), "scatter_order_3").known);
  EXPECT_EQ(classify(spec("dnodestats"), "dnode_move_recheck1").kind, Kind::counter);
}

TEST(Classify, FallbackRule) {
  // Mixed file: unknown fields are gauges; all-counter file: counters; bytes by suffix.
  EXPECT_EQ(classify(spec("arcstats"), "new_thing"), (FieldType{Kind::gauge, Unit::none, false}));
  EXPECT_EQ(classify(spec("arcstats"), "new_thing_size"),
            (FieldType{Kind::gauge, Unit::bytes, false}));
  EXPECT_EQ(classify(spec("zil"), "zil_new_bytes"), (FieldType{Kind::counter, Unit::bytes, false}));
  EXPECT_EQ(classify(ddt_spec(), "log_flush_rate").kind, Kind::gauge);
}

TEST(MetricName, UnitsSuffixesAndPrefixStripping) {
  EXPECT_EQ(name_of(spec("arcstats"), "hits"), "zfs_arc_hits_total");
  EXPECT_EQ(name_of(spec("arcstats"), "size"), "zfs_arc_size_bytes");
  EXPECT_EQ(name_of(spec("arcstats"), "memory_all_bytes"), "zfs_arc_memory_all_bytes");
  EXPECT_EQ(name_of(spec("arcstats"), "meta"), "zfs_arc_meta_ratio");
  EXPECT_EQ(name_of(spec("dmu_tx"), "dmu_tx_assigned"), "zfs_dmu_tx_assigned_total");
  EXPECT_EQ(name_of(spec("fm"), "erpt-dropped"), "zfs_fm_erpt_dropped_total");
  EXPECT_EQ(name_of(spec("dbufstats"), "cache_size_bytes_max"), "zfs_dbuf_cache_size_bytes_max");
  EXPECT_EQ(name_of(objset_spec(), "nread"), "zfs_dataset_nread_bytes_total");
  EXPECT_EQ(name_of(spec("dbufstats"), "cache_count"), "zfs_dbuf_cache_buffers");
  EXPECT_EQ(name_of(spec("arcstats"), "new_thing_count"), "zfs_arc_new_thing_count_value");
  EXPECT_EQ(name_of(spec("zil"), "zil_commit_count"), "zfs_zil_commit_count_total");
  EXPECT_EQ(name_of(iostats_spec(), "trim_bytes_written"), "zfs_pool_trim_bytes_written_total");
}

TEST(Tables, NoFieldIsBothCounterAndGauge) {
  for (const FileSpec& s : global_files())
    for (std::string_view c : s.counters)
      for (std::string_view g : s.gauges) EXPECT_NE(c, g) << s.file;
}

}  // namespace
}  // namespace pvex::zfs
