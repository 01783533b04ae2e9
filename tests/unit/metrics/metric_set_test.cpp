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
  EXPECT_EQ(set.families()[0]->labels_of(0)[0], "n1");
  EXPECT_EQ(set.families()[0]->labels_of(1)[0], "n2");
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
  std::vector<std::string> labels;
  for (size_t i = 0; i < fs->size(); ++i)
    for (std::string_view l : fs->labels_of(i)) labels.emplace_back(l);
  EXPECT_EQ(labels,
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

namespace pvex::metrics {
namespace {

const Family k_guest{"pvex_guest_cpu", "Guest.", Type::gauge, {"node", "vmid"}};
const Family k_drive{"pvex_drive_bytes", "Drive.", Type::gauge, {"node", "vmid", "device"}};

std::vector<std::string> labels_as_strings(const FamilySamples& fs, size_t i) {
  std::vector<std::string> out;
  for (std::string_view l : fs.labels_of(i)) out.emplace_back(l);
  return out;
}

TEST(MetricSet, EqualLabelTuplesAreStoredOnce) {
  MetricSet set;
  set.add(k_guest, 1, {"pve1", "100"});
  set.add(k_a, 2, {"pve1"});
  set.add(k_drive, 3, {"pve1", "100", "scsi0"});
  set.add(k_drive, 4, {"pve1", "100", "scsi0"});  // same tuple as the previous sample
  const FamilySamples* drive = set.find("pvex_drive_bytes");
  ASSERT_NE(drive, nullptr);
  EXPECT_EQ(drive->label_refs[0], drive->label_refs[1]);
  EXPECT_EQ(labels_as_strings(*drive, 1), (std::vector<std::string>{"pve1", "100", "scsi0"}));
  // A value equal to the one at the same position of the previous tuple shares its characters.
  const FamilySamples* guest = set.find("pvex_guest_cpu");
  EXPECT_EQ(guest->labels_of(0)[0].data(), set.find("pvex_a")->labels_of(0)[0].data());
  EXPECT_EQ(labels_as_strings(*set.find("pvex_a"), 0), (std::vector<std::string>{"pve1"}));
}

TEST(MetricSet, LabelValuesAreCopiedNotReferenced) {
  MetricSet set;
  std::string buffer = "first";
  set.add(k_a, 1, {buffer});
  buffer = "second";  // same storage, new content: must not alias the stored value
  set.add(k_a, 2, {buffer});
  buffer.assign(1000, 'x');  // larger than a label chunk
  set.add(k_a, 3, {buffer});
  set.add(k_a, 4, {""});
  buffer.clear();
  const FamilySamples* fs = set.find("pvex_a");
  EXPECT_EQ(fs->labels_of(0)[0], "first");
  EXPECT_EQ(fs->labels_of(1)[0], "second");
  EXPECT_EQ(fs->labels_of(2)[0], std::string(1000, 'x'));
  EXPECT_EQ(fs->labels_of(3)[0], "");
  EXPECT_TRUE(set.problems().empty());
}

TEST(MetricSet, MergedLabelsSurviveTheSourceSet) {
  MetricSet a;
  a.add(k_guest, 1, {"pve1", "100"});
  {
    MetricSet b;
    for (int i = 0; i < 5000; ++i) b.add(k_guest, i, {"pve2", std::to_string(1000 + i)});
    b.add(k_drive, 7, {"pve2", "1000", "virtio0"});
    a.merge(std::move(b));
  }  // b is gone: its label characters must live on in a
  a.add(k_guest, 9, {"pve3", "300"});
  const FamilySamples* guest = a.find("pvex_guest_cpu");
  ASSERT_EQ(guest->size(), 5002u);
  EXPECT_EQ(labels_as_strings(*guest, 0), (std::vector<std::string>{"pve1", "100"}));
  EXPECT_EQ(labels_as_strings(*guest, 4000), (std::vector<std::string>{"pve2", "4999"}));
  EXPECT_EQ(labels_as_strings(*guest, 5001), (std::vector<std::string>{"pve3", "300"}));
  EXPECT_EQ(labels_as_strings(*a.find("pvex_drive_bytes"), 0),
            (std::vector<std::string>{"pve2", "1000", "virtio0"}));
  EXPECT_TRUE(a.problems().empty());
}

TEST(MetricSet, AMovedFromSetCanBeFilledAgain) {
  MetricSet a;
  a.add(k_a, 1, {"n1"});
  MetricSet b(std::move(a));
  a.add(k_a, 2, {"n2"});  // NOLINT(bugprone-use-after-move): reuse after move is allowed
  EXPECT_EQ(a.find("pvex_a")->labels_of(0)[0], "n2");
  EXPECT_EQ(b.find("pvex_a")->labels_of(0)[0], "n1");
  MetricSet c;
  c.merge(std::move(a));
  c.merge(std::move(a));  // merging an emptied set adds nothing
  EXPECT_EQ(c.series_count(), 1u);
}

}  // namespace
}  // namespace pvex::metrics

namespace pvex::metrics {
namespace {

TEST(MetricSet, AFamilyAtTheAddressOfADestroyedOneIsNotMistakenForIt) {
  MetricSet set;
  alignas(Family) unsigned char storage[sizeof(Family)];
  auto* first = new (storage) Family{"pvex_first", "First.", Type::gauge, {"node"}};
  set.add(*first, 1, {"n1"});
  first->~Family();
  auto* second = new (storage) Family{"pvex_second", "Second.", Type::counter, {"node"}};
  set.add(*second, 2, {"n1"});
  second->~Family();
  ASSERT_EQ(set.families().size(), 2u);
  EXPECT_EQ(set.find("pvex_first")->values, (std::vector<double>{1}));
  EXPECT_EQ(set.find("pvex_second")->values, (std::vector<double>{2}));
  EXPECT_TRUE(set.problems().empty());
}

}  // namespace
}  // namespace pvex::metrics

namespace pvex::metrics {
namespace {

TEST(MetricSet, EscapeNeedIsKnownPerStoredValueAcrossSharingAndMerging) {
  MetricSet a, b;
  a.add(k_guest, 1, {"pve1", "plain"});
  a.add(k_guest, 2, {"pve1", "with \"quote\""});  // shares "pve1" with the previous tuple
  b.add(k_guest, 3, {"back\\slash", "new\nline"});
  a.merge(std::move(b));
  const FamilySamples* fs = a.find("pvex_guest_cpu");
  ASSERT_EQ(fs->size(), 3u);
  const LabelStore& store = *fs->store;
  EXPECT_FALSE(store.needs_escape(fs->label_refs[0]));
  EXPECT_FALSE(store.needs_escape(fs->label_refs[0] + 1));
  EXPECT_FALSE(store.needs_escape(fs->label_refs[1]));
  EXPECT_TRUE(store.needs_escape(fs->label_refs[1] + 1));
  EXPECT_TRUE(store.needs_escape(fs->label_refs[2]));
  EXPECT_TRUE(store.needs_escape(fs->label_refs[2] + 1));
}

}  // namespace
}  // namespace pvex::metrics

namespace pvex::metrics {
namespace {

TEST(MetricSet, TuplesNeverStraddleALabelBlock) {
  // 16,384 views per block: three-label tuples of distinct values cross a block boundary at
  // tuple 5,461; every tuple must still read back whole.
  MetricSet set;
  for (int i = 0; i < 12000; ++i)
    set.add(k_drive, i, {"n" + std::to_string(i), std::to_string(i), "d" + std::to_string(i % 7)});
  const FamilySamples* fs = set.find("pvex_drive_bytes");
  ASSERT_EQ(fs->size(), 12000u);
  for (size_t i :
       {size_t{0}, size_t{5460}, size_t{5461}, size_t{5462}, size_t{10922}, size_t{11999}}) {
    const std::string n = std::to_string(i);
    EXPECT_EQ(labels_as_strings(*fs, i),
              (std::vector<std::string>{"n" + n, n, "d" + std::to_string(i % 7)}))
        << i;
  }
}

TEST(MetricSet, MergedFamiliesKeepTheirLabelsAndLaterSamplesJoinThem) {
  MetricSet a, b, c;
  b.add(k_guest, 1, {"pve2", "200"});
  const LabelStore* b_store = b.find("pvex_guest_cpu")->store;
  a.merge(std::move(b));
  // Moved as it was: no copy of its labels.
  EXPECT_EQ(a.find("pvex_guest_cpu")->store, b_store);
  // A later sample for that family, added to the merged set, and one merged from another set.
  a.add(k_guest, 2, {"pve3", "300"});
  c.add(k_guest, 3, {"pve4", "400"});
  a.merge(std::move(c));
  const FamilySamples* fs = a.find("pvex_guest_cpu");
  ASSERT_EQ(fs->size(), 3u);
  EXPECT_EQ(labels_as_strings(*fs, 0), (std::vector<std::string>{"pve2", "200"}));
  EXPECT_EQ(labels_as_strings(*fs, 1), (std::vector<std::string>{"pve3", "300"}));
  EXPECT_EQ(labels_as_strings(*fs, 2), (std::vector<std::string>{"pve4", "400"}));
  a.merge(std::move(a));  // merging a set into itself changes nothing
  EXPECT_EQ(a.series_count(), 3u);
  EXPECT_TRUE(a.problems().empty());
}

}  // namespace
}  // namespace pvex::metrics

namespace pvex::metrics {
namespace {

const Family k_g{"pvex_g", "G.", Type::gauge, {"node", "vmid", "dev"}};
const std::vector<std::string> k_prefix_names{"node", "vmid"};

LabelPrefix prefix(std::string_view node, std::string_view vmid) {
  const std::string_view v[] = {node, vmid};
  return LabelPrefix(k_prefix_names, v);
}

TEST(MetricSet, GeneratedSamplesAreCountedAndStoredOnlyWhenRead) {
  auto prefixes = std::make_shared<std::vector<LabelPrefix>>();
  prefixes->push_back(prefix("pve1", "100"));
  prefixes->push_back(prefix("pve\"2", "101"));
  MetricSet set;
  set.add(k_g, 5, {"pve0", "99", "sda"});
  set.add_generated(k_g, {2, [prefixes](size_t row, SampleSink& sink) {
                            sink((*prefixes)[row], {"scsi0"}, static_cast<double>(row));
                            if (row == 1) sink((*prefixes)[row], {"scsi1"}, 42);
                          }});
  EXPECT_EQ(set.series_count(), 4u);
  EXPECT_EQ(set.families()[0]->size(), 1u);  // counting did not store them
  EXPECT_EQ(set.families()[0]->generated.size(), 1u);
  const FamilySamples* g = set.find("pvex_g");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->generated.empty());
  EXPECT_EQ(g->values, (std::vector<double>{5, 0, 1, 42}));
  EXPECT_EQ(std::vector<std::string_view>(g->labels_of(2).begin(), g->labels_of(2).end()),
            (std::vector<std::string_view>{"pve\"2", "101", "scsi0"}));
  EXPECT_EQ(set.series_count(), 4u);
  EXPECT_TRUE(set.problems().empty());
}

TEST(MetricSet, MistakesOfGeneratorsAreReported) {
  MetricSet set;
  set.add_generated(k_g, {1, [](size_t, SampleSink& sink) {
                            sink(prefix("pve1", "100"), 1);  // a label short
                            const std::vector<std::string> wrong{"vmid", "node"};
                            const std::string_view v[] = {"100", "pve1"};
                            sink(LabelPrefix(wrong, v), {"sda"}, 2);  // names in another order
                            sink(prefix("pve1", "100"), {"sda"}, 3);
                            sink(prefix("pve1", "100"), {"sda"}, 4);  // duplicate
                          }});
  set.add_generated(k_h, {1, [](size_t, SampleSink&) {}});
  const std::vector<std::string> problems = set.problems();
  ASSERT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0], "pvex_h_seconds: generated values for a histogram");
  EXPECT_EQ(problems[1], "pvex_g: 2 label values for 3 label names");
  EXPECT_EQ(problems[2], "pvex_g: generated label prefix names vmid where the family has node");
  EXPECT_EQ(problems[3], "pvex_g: duplicate series {\"pve1\",\"100\",\"sda\",}");
  EXPECT_EQ(set.find("pvex_g")->values, (std::vector<double>{3, 4}));
}

TEST(MetricSet, MergeKeepsGeneratedSamples) {
  MetricSet a, b;
  a.add(k_g, 1, {"pve1", "1", "a"});
  b.add_generated(k_g, {3, [](size_t row, SampleSink& sink) {
                          sink(prefix("pve2", std::to_string(row)), {"b"},
                               10.0 + static_cast<double>(row));
                        }});
  MetricSet c;
  c.add_generated(k_a, {1, [](size_t, SampleSink& sink) {
                          const std::vector<std::string> names{"node"};
                          const std::string_view v[] = {"n"};
                          sink(LabelPrefix(names, v), 7);
                        }});
  a.merge(std::move(b));
  a.merge(std::move(c));
  EXPECT_EQ(a.series_count(), 5u);
  EXPECT_EQ(a.find("pvex_g")->values, (std::vector<double>{1, 10, 11, 12}));
  EXPECT_EQ(a.find("pvex_a")->values, (std::vector<double>{7}));
  EXPECT_TRUE(a.problems().empty());
  EXPECT_EQ(b.series_count(), 0u);
}

}  // namespace
}  // namespace pvex::metrics
