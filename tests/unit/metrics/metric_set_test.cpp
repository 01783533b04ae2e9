// Tests for MetricSet: grouping, label checks, duplicates, merging.
#include "metrics/metric_set.hpp"

#include <gtest/gtest.h>

namespace pvex::metrics {
namespace {

const Family k_a{"pvex_a", "A.", Type::gauge, {"node"}};
const Family k_b{"pvex_b_total", "B.", Type::counter, {}};
const Family k_h{"pvex_h_seconds", "H.", Type::histogram, {}};

TEST(MetricSet, GroupsSamplesByFamilyInInsertionOrder) {
  MetricSet set;
  set.add(k_a, 1, {"n1"});
  set.add(k_b, 2, {});
  set.add(k_a, 3, {"n2"});
  ASSERT_EQ(set.families().size(), 2u);
  EXPECT_EQ(set.families()[0]->family.name, "pvex_a");
  EXPECT_EQ(set.families()[0]->values, (std::vector<double>{1, 3}));
  EXPECT_EQ(set.families()[0]->label_values, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(set.series_count(), 3u);
  EXPECT_TRUE(set.problems().empty());
}

TEST(MetricSet, WrongLabelCountIsDroppedAndReported) {
  MetricSet set;
  set.add(k_a, 1, {"n1", "extra"});
  set.add(k_b, 1, {"unexpected"});
  EXPECT_EQ(set.series_count(), 0u);
  const std::vector<std::string> p = set.problems();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "pvex_a: 2 label values for 1 label names");
  EXPECT_EQ(p[1], "pvex_b_total: 1 label values for 0 label names");
}

TEST(MetricSet, DuplicateSeriesAreReported) {
  MetricSet set;
  set.add(k_a, 1, {"n1"});
  set.add(k_a, 2, {"n1"});
  const std::vector<std::string> p = set.problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "pvex_a: duplicate series {\"n1\",}");
}

TEST(MetricSet, FamilyRedefinedDifferentlyIsReported) {
  MetricSet set;
  set.add(k_a, 1, {"n1"});
  const Family other{"pvex_a", "Other help.", Type::gauge, {"node"}};
  set.add(other, 1, {"n2"});
  ASSERT_EQ(set.problems().size(), 1u);
  EXPECT_EQ(set.series_count(), 1u);
}

TEST(MetricSet, ValueOnHistogramAndDistributionOnGaugeAreReported) {
  MetricSet set;
  set.add(k_h, 1, {});
  set.add_distribution(k_a, Distribution{}, {"n"});
  EXPECT_EQ(set.problems().size(), 2u);
  EXPECT_EQ(set.series_count(), 0u);
}

TEST(MetricSet, MergeAppendsSamplesOfTheSameFamily) {
  MetricSet a, b;
  a.add(k_a, 1, {"n1"});
  b.add(k_a, 2, {"n2"});
  b.add(k_b, 5, {});
  a.merge(std::move(b));
  ASSERT_EQ(a.families().size(), 2u);
  EXPECT_EQ(a.find("pvex_a")->values, (std::vector<double>{1, 2}));
  EXPECT_EQ(a.find("pvex_b_total")->values, (std::vector<double>{5}));
  EXPECT_TRUE(a.problems().empty());
}

}  // namespace
}  // namespace pvex::metrics

namespace pvex::metrics {
namespace {

const Family k_state{"pvex_state", "State.", Type::gauge, {"pool", "state"}};
constexpr std::string_view k_states[] = {"ONLINE", "DEGRADED", "FAULTED"};

TEST(MetricSet, StateSetHasOneSeriesPerStateLowerCased) {
  MetricSet set;
  set.add_state_set(k_state, k_states, "DEGRADED", {"tank"});
  const FamilySamples* fs = set.find("pvex_state");
  ASSERT_NE(fs, nullptr);
  EXPECT_EQ(fs->values, (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(fs->label_values,
            (std::vector<std::string>{"tank", "online", "tank", "degraded", "tank", "faulted"}));
}

TEST(MetricSet, StateSetKeepsAnUnknownStateAndIgnoresAnEmptyOne) {
  MetricSet set;
  set.add_state_set(k_state, k_states, "SUSPENDED", {"a"});
  set.add_state_set(k_state, k_states, "", {"b"});
  const FamilySamples* fs = set.find("pvex_state");
  ASSERT_NE(fs, nullptr);
  EXPECT_EQ(fs->values, (std::vector<double>{0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(fs->labels_of(3)[1], "suspended");
  EXPECT_TRUE(set.problems().empty());
}

}  // namespace
}  // namespace pvex::metrics
