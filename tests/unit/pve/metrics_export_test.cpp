// Tests of the /cluster/metrics/export parser (double envelope).
#include "pve/metrics_export.hpp"

#include <gtest/gtest.h>

#include "http/server.hpp"
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

TEST(ParseMetricsExport, IdPrefixKeepsTheSameItemsAsFilteringAfterwards) {
  const std::string body = testing::read_fixture("pve9-three-nodes", "/cluster/metrics/export");
  Result<std::vector<ExportedMetric>> all = parse_metrics_export(body);
  Result<std::vector<ExportedMetric>> nodes = parse_metrics_export_matching(body, "node/");
  ASSERT_TRUE(all.has_value() && nodes.has_value());
  std::vector<ExportedMetric> expected;
  for (const ExportedMetric& m : *all)
    if (m.id.starts_with("node/")) expected.push_back(m);
  ASSERT_FALSE(expected.empty());
  ASSERT_LT(expected.size(), all->size());
  EXPECT_EQ(*nodes, expected);
}

TEST(ParseMetricsExport, IdPrefixStillRejectsMalformedItemsElsewhere) {
  // Skipped items are validated like kept ones: the same errors as without a prefix.
  for (
      const char* body : {
          R"({"data":{"data":[{"id":"node/a","metric":"m","value":1},{"id":"qemu/1","metric":"m"}]}})",
          R"({"data":{"data":[{"id":"qemu/1","metric":{},"value":1}]}})",
          R"({"data":{"data":[{"id":"qemu/1","metric":"m","value":"x"}]}})",
          R"({"data":{"data":[{"id":{},"metric":"m","value":1}]}})",
          R"({"data":{"data":[3]}})",
      }) {
    Result<std::vector<ExportedMetric>> plain = parse_metrics_export(body);
    Result<std::vector<ExportedMetric>> filtered = parse_metrics_export_matching(body, "node/");
    ASSERT_FALSE(plain.has_value()) << body;
    ASSERT_FALSE(filtered.has_value()) << body;
    EXPECT_EQ(filtered.error().message, plain.error().message) << body;
  }
  EXPECT_EQ(
      parse_metrics_export_matching(R"({"data":{"data":[{"id":"qemu/1","metric":"m"}]}})", "node/")
          .error()
          .message,
      "/cluster/metrics/export[0]: missing field 'value'");
  // A numeric id is converted to text before the prefix test, as the unfiltered parse does.
  Result<std::vector<ExportedMetric>> numeric = parse_metrics_export_matching(
      R"({"data":{"data":[{"id":12,"metric":"m","value":1},{"id":22,"metric":"m","value":2}]}})",
      "1");
  ASSERT_TRUE(numeric.has_value());
  EXPECT_EQ(*numeric, (std::vector<ExportedMetric>{{"12", "m", 1, 0, "gauge"}}));
}

TEST(ParseMetricsExportNodes, SameItemsAsTheDomParse) {
  const std::string body = testing::read_fixture("pve9-three-nodes", "/cluster/metrics/export");
  Result<std::vector<ExportedMetric>> fast = parse_metrics_export_nodes(body);
  Result<std::vector<ExportedMetric>> dom = parse_metrics_export_matching(body, "node/");
  ASSERT_TRUE(fast.has_value() && dom.has_value());
  ASSERT_FALSE(fast->empty());
  EXPECT_EQ(*fast, *dom);
  // Conversions the On-Demand path does itself: numeric strings, integers beyond int64,
  // missing and null timestamp/type, duplicate keys (the first counts), other members.
  const char* body2 = R"({"extra":[1,{"a":2}],"data":{"n":1,"data":[
      {"id":"node/a","metric":"m","value":"2.5 ","timestamp":null,"type":null,"id":"x"},
      {"x":{"y":[1,2]},"id":"node/b","metric":"m","value":18446744073709551615},
      {"id":"qemu/1","metric":"m","value":1.5e3,"timestamp":"t"},
      {"id":"node/c","metric":"m","value":-3,"timestamp":7,"type":"derive"}]}})";
  Result<std::vector<ExportedMetric>> mixed = parse_metrics_export_nodes(body2);
  ASSERT_TRUE(mixed.has_value()) << mixed.error().message;
  EXPECT_EQ(*mixed, *parse_metrics_export_matching(body2, "node/"));
  EXPECT_EQ(*mixed,
            (std::vector<ExportedMetric>{{"node/a", "m", 2.5, 0, "gauge"},
                                         {"node/b", "m", 18446744073709551615.0, 0, "gauge"},
                                         {"node/c", "m", -3, 7, "derive"}}));
}

TEST(ParseMetricsExportNodes, UnusualItemsGetTheDomParsesResultOrError) {
  // Each of these leaves the On-Demand path; the answer is exactly the DOM parse's.
  for (const char* body : {
           R"({"data":{"data":[{"id":"node\/a","metric":"m","value":1}]}})",  // escapes
           R"({"data":{"data":[{"id":"node/a","metric":"m","value":1,"timestamp":1.9}]}})",
           R"({"data":{"data":[{"id":"node/a","metric":"m","value":true}]}})",  // bool value
           R"({"data":{"data":[{"id":"node/a","metric":7,"value":1}]}})",       // numeric metric
           R"({"data":{"data":[{"id":"node/a","metric":"m","value":1,"type":5}]}})",
       }) {
    Result<std::vector<ExportedMetric>> fast = parse_metrics_export_nodes(body);
    Result<std::vector<ExportedMetric>> dom = parse_metrics_export_matching(body, "node/");
    ASSERT_TRUE(fast.has_value()) << body;
    ASSERT_TRUE(dom.has_value()) << body;
    EXPECT_EQ(*fast, *dom) << body;
  }
  EXPECT_EQ(
      parse_metrics_export_nodes(R"({"data":{"data":[{"id":"node\/a","metric":"m","value":1}]}})")
          ->front()
          .id,
      "node/a");
  for (
      const char* body : {
          R"({"data":{"data":[{"id":"node/a","metric":"m","value":1},{"id":"qemu/1","metric":"m"}]} })",  // not PVE's shape: no scan
          R"({"data":{"data":[{"id":"qemu/1","metric":{},"value":1}]}})",
          R"({"data":{"data":[{"id":"qemu/1","metric":"m","value":"x"}]}})",
          R"({"data":{"data":[{"id":null,"metric":"m","value":1}]}})",
          R"({"data":{"data":[3]}})",
          R"({"data":{"data":{}}})",
          R"({"data":[]})",
          R"({"data":{"data":[]}} x)",
          R"({"data":{"data":[{"id":"node/a","metric":"m","value":1}]})",
      }) {
    Result<std::vector<ExportedMetric>> fast = parse_metrics_export_nodes(body);
    Result<std::vector<ExportedMetric>> dom = parse_metrics_export_matching(body, "node/");
    ASSERT_FALSE(fast.has_value()) << body;
    ASSERT_FALSE(dom.has_value()) << body;
    EXPECT_EQ(fast.error().kind, ErrorKind::parse) << body;
    EXPECT_EQ(fast.error().message, dom.error().message) << body;
  }
}

TEST(ParseMetricsExportNodes, ScanFindsTheNodeItemsOfPveShapedAnswers) {
  // The shape PVE writes: the node items are found by their ids, the other items are not read,
  // so a malformed guest item does not hide the nodes' traffic (the DOM parse fails on it).
  const std::string body =
      R"({"data":{"data":[{"id":"qemu/1","metric":"m"},)"
      R"({"metric":"net_in","id":"node/a","value":5,"timestamp":9,"type":"derive"},)"
      R"({"id":"storage/a/node","metric":"node/x","value":1},)"
      R"({"id":"node/b","metric":"mem_used","value":2.5,"note":"node/again"}]}})";
  Result<std::vector<ExportedMetric>> nodes = parse_metrics_export_nodes(body);
  ASSERT_TRUE(nodes.has_value()) << nodes.error().message;
  EXPECT_EQ(*nodes, (std::vector<ExportedMetric>{{"node/a", "net_in", 5, 9, "derive"},
                                                 {"node/b", "mem_used", 2.5, 0, "gauge"}}));
  EXPECT_FALSE(parse_metrics_export_matching(body, "node/").has_value());
  // A node item the scan cannot read as a flat item sends the answer to the exact parse.
  for (const char* bad : {
           R"({"data":{"data":[{"id":"node/a","metric":"m","value":{"x":1}}]}})",
           R"({"data":{"data":[{"id":"node/a","metric":"m"}]}})",
           R"({"data":{"data":[{"id":"node/a","metric":"m","value":[1]}]}})",
           R"({"data":{"data":[{"id":"node/a","metric":"m","value":1}{"id":"node/b"}]}})",
       }) {
    Result<std::vector<ExportedMetric>> scanned = parse_metrics_export_nodes(bad);
    Result<std::vector<ExportedMetric>> dom = parse_metrics_export_matching(bad, "node/");
    ASSERT_FALSE(dom.has_value()) << bad;
    ASSERT_FALSE(scanned.has_value()) << bad;
    EXPECT_EQ(scanned.error().message, dom.error().message) << bad;
  }
  // Invalid UTF-8 anywhere fails stage 1: the exact parse reports it.
  std::string invalid = R"({"data":{"data":[{"id":"node/a","metric":"m","value":1},)";
  invalid += "{\"id\":\"qemu/1\",\"metric\":\"\xff\",\"value\":1}]}}";
  EXPECT_FALSE(parse_metrics_export_nodes(invalid).has_value());
}

/// An export answer as PVE writes it: `nodes` nodes with a few metrics each among `guests`
/// guests' items, ids and metrics in the order pvestatd's cache gives them.
std::string synthetic_export(int nodes, int guests) {
  std::string json = "{\"data\":{\"data\":[";
  bool first = true;
  auto item = [&](const std::string& id, const std::string& metric, const std::string& value,
                  const char* type) {
    if (!first) json += ',';
    first = false;
    json += "{\"timestamp\":1755600000,\"metric\":\"" + metric + "\",\"type\":\"" + type +
            "\",\"value\":" + value + ",\"id\":\"" + id + "\"}";
  };
  for (int g = 0; g < guests; ++g) {
    item("qemu/" + std::to_string(100 + g), "cpu_current", "0.25", "gauge");
    item("qemu/" + std::to_string(100 + g), "net_in", std::to_string(g * 1000), "derive");
    if (g % (guests / nodes + 1) == 0) {
      const std::string node = "node/pve" + std::to_string(g % nodes + 1) + "-" + std::to_string(g);
      item(node, "net_in", std::to_string(g + 5), "derive");
      item(node, "uptime", "864000", "gauge");
    }
    item("storage/pve1/local-" + std::to_string(g), "disk_used", "12345", "gauge");
  }
  return json + "]}}";
}

TEST(ScanMetricsExportNodes, StreamedScanEqualsTheExactParseForEveryPieceSize) {
  for (const std::string& body :
       {testing::read_fixture("pve9-three-nodes", "/cluster/metrics/export"),
        synthetic_export(10, 3000)}) {
    Result<std::vector<ExportedMetric>> exact = parse_metrics_export_matching(body, "node/");
    ASSERT_TRUE(exact.has_value());
    ASSERT_FALSE(exact->empty());
    const std::string gz = *http::gzip(body);
    // Pieces that cut ids, needles and items anywhere, and one piece for everything.
    for (size_t piece :
         {size_t{1}, size_t{3}, size_t{37}, size_t{1000}, size_t{65536}, body.size() + 1}) {
      std::optional<std::vector<ExportedMetric>> scanned =
          scan_metrics_export_nodes(gz, true, piece);
      ASSERT_TRUE(scanned.has_value()) << piece;
      EXPECT_EQ(*scanned, *exact) << piece;
    }
    EXPECT_EQ(scan_metrics_export_nodes(body, false), *exact);
  }
}

TEST(ScanMetricsExportNodes, UnusualOrCorruptAnswersAreLeftToTheExactParse) {
  const std::string good = synthetic_export(3, 50);
  const std::string gz = *http::gzip(good);
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  EXPECT_EQ(scan_metrics_export_nodes(corrupt, true, 100), std::nullopt);
  EXPECT_EQ(scan_metrics_export_nodes(gz.substr(0, gz.size() - 10), true, 100), std::nullopt);
  for (std::string bad : {
           good.substr(0, good.size() - 1),                  // no end
           std::string(" ") + good.substr(1),                // not the envelope
           good.substr(0, 500) + "\\/" + good.substr(500),   // a backslash
           good.substr(0, 300) + "\xff" + good.substr(300),  // invalid UTF-8
           std::string(R"({"data":{"data":[{"id":"qemu/1","metric":"m","value":1}]}})"),  // no node
       }) {
    for (size_t piece : {size_t{5}, size_t{256}, bad.size()})
      EXPECT_EQ(scan_metrics_export_nodes(*http::gzip(bad), true, piece), std::nullopt)
          << bad.substr(0, 40) << " " << piece;
  }
}

}  // namespace
}  // namespace pvex::pve
