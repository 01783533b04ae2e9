// Tests for the exposition writers: escaping, numbers, ordering, OpenMetrics details, negotiation.
#include "metrics/text_format.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <gtest/gtest.h>

#include "support/golden.hpp"

namespace pvex::metrics {
namespace {

const Family k_gauge{"pvex_test_temperature_celsius",
                     "A gauge with \"quotes\", a \\ and\na newline.",
                     Type::gauge,
                     {"node", "note"}};
const Family k_counter{
    "pvex_test_received_bytes_total", "Bytes received.", Type::counter, {"interface"}};
const Family k_plain{"pvex_test_up", "Whether it is up.", Type::gauge, {}};
const Family k_hist{"pvex_test_latency_seconds", "Latency.", Type::histogram, {"endpoint"}};
const Family k_summary{"pvex_test_duration_seconds", "Duration.", Type::summary, {"module"}};
const Family k_empty{"pvex_test_never", "Never gets samples.", Type::gauge, {}};

MetricSet sample_set() {
  MetricSet set;
  set.declare(k_empty);
  set.add(k_gauge, 21.5, {"pve1", "back\\slash \"quoted\"\nnewline"});
  set.add(k_gauge, std::nan(""), {"pve2", ""});
  set.add(k_counter, 1234567890123, {"eth0"});
  set.add(k_counter, std::numeric_limits<double>::infinity(), {"eth1"});
  set.add(k_plain, -std::numeric_limits<double>::infinity(), {});
  set.add_distribution(k_hist, Distribution{{{0.005, 1}, {0.1, 3}, {1, 7}}, 2.5, 9}, {"/version"});
  set.add_distribution(k_summary, Distribution{{{0.5, 0.2}, {0.99, 0.9}}, 4.25, 12}, {"default"});
  return set;
}

TEST(TextFormat, PrometheusTextMatchesGolden) {
  std::string out;
  write(sample_set(), Format::prometheus_text, out);
  write_eof(Format::prometheus_text, out);
  EXPECT_TRUE(testing::matches_golden("writer/sample.prom", out));
}

TEST(TextFormat, OpenMetricsMatchesGolden) {
  std::string out;
  write(sample_set(), Format::openmetrics, out);
  write_eof(Format::openmetrics, out);
  EXPECT_TRUE(testing::matches_golden("writer/sample.om", out));
}

TEST(TextFormat, OpenMetricsStripsTotalFromCounterMetadataAndEndsWithEof) {
  MetricSet set;
  set.add(k_counter, 5, {"eth0"});
  std::string out;
  write(set, Format::openmetrics, out);
  write_eof(Format::openmetrics, out);
  EXPECT_EQ(out,
            "# HELP pvex_test_received_bytes Bytes received.\n"
            "# TYPE pvex_test_received_bytes counter\n"
            "# UNIT pvex_test_received_bytes bytes\n"
            "pvex_test_received_bytes_total{interface=\"eth0\"} 5\n"
            "# EOF\n");
}

TEST(TextFormat, FamilyWithoutSamplesIsNotWritten) {
  MetricSet set;
  set.declare(k_empty);
  std::string out;
  write(set, Format::prometheus_text, out);
  EXPECT_EQ(out, "");
}

std::string value_text(double v) {
  std::string s;
  append_value(v, s);
  return s;
}

TEST(AppendValue, SpecialValues) {
  EXPECT_EQ(value_text(std::nan("")), "NaN");
  EXPECT_EQ(value_text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(value_text(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(AppendValue, IntegersWithoutExponentUpTo2To53) {
  EXPECT_EQ(value_text(0), "0");
  EXPECT_EQ(value_text(-0.0), "0");
  EXPECT_EQ(value_text(42), "42");
  EXPECT_EQ(value_text(-17), "-17");
  EXPECT_EQ(value_text(1e15), "1000000000000000");
  EXPECT_EQ(value_text(9007199254740992.0), "9007199254740992");
}

TEST(AppendValue, ShortestRoundTrip) {
  EXPECT_EQ(value_text(0.1), "0.1");
  EXPECT_EQ(value_text(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(value_text(2.5e-7), "2.5e-07");
  EXPECT_EQ(value_text(1e300), "1e+300");
  for (double v : {0.1, 1.0 / 3.0, 123.456, 6.02214076e23, 5e-324}) {
    EXPECT_EQ(std::strtod(value_text(v).c_str(), nullptr), v) << value_text(v);
  }
}

TEST(Escaping, LabelValues) {
  std::string s;
  append_escaped_label("a\\b\"c\nd", s);
  EXPECT_EQ(s, "a\\\\b\\\"c\\nd");
}

TEST(Escaping, HelpKeepsQuotesInTextButEscapesThemInOpenMetrics) {
  std::string text, om;
  append_escaped_help("say \"hi\"\\\n", Format::prometheus_text, text);
  append_escaped_help("say \"hi\"\\\n", Format::openmetrics, om);
  EXPECT_EQ(text, "say \"hi\"\\\\\\n");
  EXPECT_EQ(om, "say \\\"hi\\\"\\\\\\n");
}

TEST(Negotiate, DefaultsToText) {
  EXPECT_EQ(negotiate(""), Format::prometheus_text);
  EXPECT_EQ(negotiate("*/*"), Format::prometheus_text);
  EXPECT_EQ(negotiate("text/plain;version=0.0.4"), Format::prometheus_text);
}

TEST(Negotiate, PrometheusDefaultAcceptHeaderGetsOpenMetrics) {
  EXPECT_EQ(negotiate("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                      "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            Format::openmetrics);
  EXPECT_EQ(negotiate("application/openmetrics-text"), Format::openmetrics);
}

TEST(Negotiate, RespectsQValues) {
  EXPECT_EQ(negotiate("application/openmetrics-text;q=0.2,text/plain;q=0.9"),
            Format::prometheus_text);
  EXPECT_EQ(negotiate("application/openmetrics-text;version=0.0.1"), Format::prometheus_text);
}

TEST(ContentType, PerFormat) {
  EXPECT_EQ(content_type(Format::prometheus_text), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(content_type(Format::openmetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

}  // namespace
}  // namespace pvex::metrics

namespace pvex::metrics {
namespace {

/// Writes `set` with Writer::next(piece) until it says it is done: every piece but the last
/// holds at least `piece` bytes, the pieces join to `whole`, and the writer stays finished.
void expect_pieces_make_whole(const MetricSet& set, Format format, size_t piece,
                              const std::string& whole) {
  Writer writer(set, format);
  std::string joined;
  size_t calls = 0;
  for (bool more = true; more && calls < 10000; ++calls) {
    const size_t before = joined.size();
    more = writer.next(joined, piece);
    if (more) {
      EXPECT_GE(joined.size() - before, std::min(piece, whole.size())) << "piece " << piece;
    }
  }
  EXPECT_EQ(joined, whole) << "piece " << piece;
  EXPECT_FALSE(writer.next(joined, piece));  // stays finished
  EXPECT_EQ(joined, whole);
}

TEST(TextFormat, WriterInPiecesEqualsWriteForEveryPieceSize) {
  MetricSet set;
  set.add(k_plain, 1, {});
  for (int i = 0; i < 50; ++i) set.add(k_counter, i, {"eth" + std::to_string(i)});
  set.declare(k_empty);  // trailing family without samples
  for (Format format : {Format::prometheus_text, Format::openmetrics}) {
    std::string whole;
    write(set, format, whole);
    for (size_t piece :
         {size_t{1}, size_t{40}, size_t{333}, whole.size() - 1, whole.size(), size_t{1} << 20})
      expect_pieces_make_whole(set, format, piece, whole);
  }
}

TEST(TextFormat, WriterOfAnEmptySetWritesNothing) {
  MetricSet set;
  set.declare(k_empty);
  Writer writer(set, Format::prometheus_text);
  std::string out;
  EXPECT_FALSE(writer.next(out, 10));
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace pvex::metrics

namespace pvex::metrics {
namespace {

// Generated samples: a family produced at write time from a model must write exactly what the
// same samples added one by one write.
const Family k_guest{"pvex_test_guest_bytes", "Per guest.", Type::gauge, {"node", "vmid", "name"}};
const Family k_drive{"pvex_test_drive_ops_total",
                     "Per drive.",
                     Type::counter,
                     {"node", "vmid", "name", "device", "operation"}};
const std::vector<std::string> k_guest_labels{"node", "vmid", "name"};

struct TestGuest {
  std::string node, vmid, name;
  double bytes;
  std::vector<std::pair<std::string, double>> drives;  // device, reads
};

std::vector<TestGuest> test_guests() {
  return {{"pve1", "100", "web \"one\"\\x\nz", 1.5, {{"scsi0", 10}, {"scsi1", 11}}},
          {"pve1", "101", "idle", std::nan(""), {}},
          {"pve2", "102", "", 1e300, {{"virtio0", 0}}}};
}

MetricSet stored_guests() {
  MetricSet set;
  for (const TestGuest& g : test_guests()) {
    set.add(k_guest, g.bytes, {g.node, g.vmid, g.name});
    for (const auto& [dev, reads] : g.drives) {
      set.add(k_drive, reads, {g.node, g.vmid, g.name, dev, "read"});
      set.add(k_drive, reads * 2, {g.node, g.vmid, g.name, dev, "wr\"ite"});
    }
  }
  return set;
}

struct Model {
  std::vector<TestGuest> guests = test_guests();
  std::vector<LabelPrefix> prefixes;
  Model() {
    for (const TestGuest& g : guests) {
      const std::string_view values[] = {g.node, g.vmid, g.name};
      prefixes.emplace_back(k_guest_labels, values);
    }
  }
};

MetricSet generated_guests() {
  auto model = std::make_shared<const Model>();
  MetricSet set;
  set.add_generated(k_guest, {model->guests.size(), [model](size_t row, SampleSink& sink) {
                                sink(model->prefixes[row], model->guests[row].bytes);
                              }});
  set.add_generated(k_drive, {model->guests.size(), [model](size_t row, SampleSink& sink) {
                                for (const auto& [dev, reads] : model->guests[row].drives) {
                                  sink(model->prefixes[row], {dev, "read"}, reads);
                                  sink(model->prefixes[row], {dev, "wr\"ite"}, reads * 2);
                                }
                              }});
  return set;  // the model lives on in the generators only
}

TEST(TextFormat, GeneratedSamplesWriteExactlyLikeStoredOnes) {
  for (Format format : {Format::prometheus_text, Format::openmetrics}) {
    std::string stored, generated;
    write(stored_guests(), format, stored);
    write(generated_guests(), format, generated);
    EXPECT_EQ(generated, stored);
  }
  std::string text;
  write(generated_guests(), Format::prometheus_text, text);
  EXPECT_NE(text.find("pvex_test_guest_bytes{node=\"pve1\",vmid=\"100\",name=\"web "
                      "\\\"one\\\"\\\\x\\nz\"} 1.5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("pvex_test_drive_ops_total{node=\"pve2\",vmid=\"102\",name=\"\",device=\"virtio0\","
                "operation=\"wr\\\"ite\"} 0\n"),
      std::string::npos)
      << text;
}

TEST(TextFormat, PlainExtrasWriteLikeCheckedOnes) {
  // plain(): the caller vouches that the extras need no escaping; the text is the same as with
  // the checking call, and a materialised set stores the same values.
  auto model = std::make_shared<const Model>();
  auto make = [&](bool plain) {
    MetricSet set;
    set.add_generated(k_drive, {model->guests.size(), [model, plain](size_t row, SampleSink& sink) {
                                  for (const auto& [dev, reads] : model->guests[row].drives) {
                                    if (plain)
                                      sink.plain(model->prefixes[row], {dev, "read"}, reads);
                                    else
                                      sink(model->prefixes[row], {dev, "read"}, reads);
                                  }
                                }});
    return set;
  };
  for (Format format : {Format::prometheus_text, Format::openmetrics}) {
    std::string plain, checked;
    write(make(true), format, plain);
    write(make(false), format, checked);
    EXPECT_EQ(plain, checked);
    EXPECT_NE(plain.find("device=\"scsi1\",operation=\"read\"} 11\n"), std::string::npos);
  }
  MetricSet plain_set = make(true);
  const FamilySamples* found = plain_set.find("pvex_test_drive_ops_total");
  ASSERT_NE(found, nullptr);
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ(found->labels_of(2)[3], "virtio0");
  EXPECT_TRUE(label_needs_escape("a\"b"));
  EXPECT_TRUE(label_needs_escape("a\\b"));
  EXPECT_TRUE(label_needs_escape("a\nb"));
  EXPECT_FALSE(label_needs_escape("scsi0"));
  EXPECT_FALSE(label_needs_escape(""));
}

TEST(TextFormat, GeneratedFamilyWithoutSamplesWritesNoMetadata) {
  MetricSet set;
  set.add(k_plain, 1, {});
  set.add_generated(k_guest, {3, [](size_t, SampleSink&) {}});
  std::string out;
  write(set, Format::prometheus_text, out);
  EXPECT_EQ(out,
            "# HELP pvex_test_up Whether it is up.\n# TYPE pvex_test_up gauge\npvex_test_up 1\n");
}

TEST(TextFormat, StoredAndGeneratedSamplesOfOneFamilyInPieces) {
  // Stored samples first, then each generator in order; every piece size gives the same text.
  auto model = std::make_shared<const Model>();
  MetricSet set;
  set.add(k_guest, 7, {"pve0", "1", "first"});
  for (int part = 0; part < 3; ++part)
    set.add_generated(k_guest, {model->guests.size(), [model, part](size_t row, SampleSink& sink) {
                                  sink(model->prefixes[row], part * 10 + static_cast<double>(row));
                                }});
  set.add(k_plain, 1, {});
  std::string whole;
  write(set, Format::prometheus_text, whole);
  EXPECT_EQ(whole.find("pvex_test_guest_bytes{node=\"pve0\",vmid=\"1\",name=\"first\"} 7\n"),
            whole.find("# TYPE pvex_test_guest_bytes gauge\n") + 35);
  EXPECT_NE(whole.find("name=\"\"} 22\n# HELP pvex_test_up"), std::string::npos) << whole;
  for (size_t piece : {size_t{1}, size_t{50}, size_t{200}, whole.size()})
    expect_pieces_make_whole(set, Format::prometheus_text, piece, whole);
}

TEST(TextFormat, LinesLongerThanTheWritersGrowthStepAndNoPrefix) {
  // Label values of 100 KB (stored) and 40 KB (a generated extra, with escapes), and generated
  // samples whose labels all come as extras (an empty prefix): whole and in pieces alike.
  const std::string big(100'000, 'x');
  std::string extra(40'000, 'y');
  extra[20'000] = '"';
  const Family wide{"pvex_test_wide", "Wide labels.", Type::gauge, {"a", "b"}};
  auto model = std::make_shared<const std::string>(extra);
  MetricSet generated;
  generated.add(wide, 1, {big, "s"});
  generated.add_generated(wide, {2, [model](size_t row, SampleSink& sink) {
                                   sink(LabelPrefix(), {row == 0 ? "g" : *model, "t"}, 2);
                                 }});
  MetricSet stored;
  stored.add(wide, 1, {big, "s"});
  stored.add(wide, 2, {"g", "t"});
  stored.add(wide, 2, {extra, "t"});
  std::string whole, expected;
  write(generated, Format::prometheus_text, whole);
  write(stored, Format::prometheus_text, expected);
  EXPECT_EQ(whole, expected);
  EXPECT_NE(whole.find("pvex_test_wide{a=\"g\",b=\"t\"} 2\n"), std::string::npos);
  EXPECT_NE(whole.find(std::string(19'999, 'y') + "\\\"y"), std::string::npos);
  EXPECT_GT(whole.size(), 140'000u);
  for (size_t piece : {size_t{1}, size_t{1000}, size_t{70'000}})
    expect_pieces_make_whole(generated, Format::prometheus_text, piece, whole);
}

TEST(TextFormat, LabelPrefixEscapesOnceAndReadsBack) {
  const std::string_view values[] = {"pve1", "a\"b\\c\nd"};
  const std::vector<std::string> names{"node", "name"};
  LabelPrefix p(names, values);
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.text(), "node=\"pve1\",name=\"a\\\"b\\\\c\\nd\"");
  const std::vector<std::pair<std::string, std::string>> expected{{"node", "pve1"},
                                                                  {"name", "a\"b\\c\nd"}};
  EXPECT_EQ(p.labels(), expected);
  EXPECT_EQ(LabelPrefix().text(), "");
  EXPECT_TRUE(LabelPrefix().labels().empty());
}

}  // namespace
}  // namespace pvex::metrics
