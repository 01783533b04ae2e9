// Tests of the /cluster/metrics/export parser (double envelope).
#include "pve/metrics_export.hpp"

#include <gtest/gtest.h>

#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

TEST(ParseMetricsExport, DoubleEnvelopeFixture) {
  Result<std::vector<ExportedMetric>> m =
      parse_metrics_export(testing::read_fixture("pve9-three-nodes", "/cluster/metrics/export"));
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_FALSE(m->empty());
  EXPECT_EQ((*m)[0], (ExportedMetric{"node/pve1", "uptime", 864000, 1755600000, "gauge"}));
  EXPECT_EQ((*m)[1], (ExportedMetric{"node/pve1", "net_in", 918273645512.0, 1755600000, "derive"}));
  EXPECT_EQ(m->back(),
            (ExportedMetric{"storage/pve2/nas-backup", "disk_used", 0, 1755600002, "gauge"}));
}

TEST(ParseMetricsExport, SingleEnvelopeIsAnError) {
  Result<std::vector<ExportedMetric>> m = parse_metrics_export(R"({"data":[]})");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().message, "/cluster/metrics/export: data is a array, expected an object");
  EXPECT_EQ(parse_metrics_export(R"({"data":{}})").error().message,
            "/cluster/metrics/export: data has no 'data' array (expected a double envelope)");
}

TEST(ParseMetricsExport, EdgeCases) {
  EXPECT_TRUE(parse_metrics_export(R"({"data":{"data":[]}})")->empty());
  Result<std::vector<ExportedMetric>> m = parse_metrics_export(
      R"({"data":{"data":[{"id":"qemu/1","metric":"cpu_current","value":"0.5","timestamp":"7"}]}})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ((*m)[0], (ExportedMetric{"qemu/1", "cpu_current", 0.5, 7, "gauge"}));
  EXPECT_EQ(parse_metrics_export(R"({"data":{"data":[{"id":"x","metric":"m"}]}})").error().message,
            "/cluster/metrics/export[0]: missing field 'value'");
  EXPECT_EQ(parse_metrics_export(R"({"data":{"data":[)").error().kind, ErrorKind::parse);
}

}  // namespace
}  // namespace pvex::pve
