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

TEST(TextFormat, WriterInPiecesEqualsWriteForEveryPieceSize) {
  MetricSet set;
  set.add(k_plain, 1, {});
  for (int i = 0; i < 50; ++i) set.add(k_counter, i, {"eth" + std::to_string(i)});
  set.declare(k_empty);  // trailing family without samples
  for (Format format : {Format::prometheus_text, Format::openmetrics}) {
    std::string whole;
    write(set, format, whole);
    for (size_t piece :
         {size_t{1}, size_t{40}, size_t{333}, whole.size() - 1, whole.size(), size_t{1} << 20}) {
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
