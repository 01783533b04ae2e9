// Golden and failure-path tests of the guest collector over the PVE 8 and PVE 9 fixtures.
#include <gtest/gtest.h>

#include "collectors/guest_filter.hpp"
#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

#include <algorithm>

namespace pvex::collectors {
Result<void> collect_guest(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

using testing::FixtureApi;

TEST(GuestCollector, Pve9MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_guest, FixtureApi{"pve9-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("guest_pve9.prom", r.text));
  for (const std::string& p : r.asked) EXPECT_EQ(p.find("/nodes/pve3/"), std::string::npos) << p;
}

TEST(GuestCollector, Pve8MatchesGolden) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_guest, FixtureApi{"pve8-three-nodes"});
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("guest_pve8.prom", r.text));
}

TEST(GuestCollector, Api500FailsOnlyThisCollector) {
  FixtureApi api("pve9-three-nodes",
                 {{"/nodes/pve2/qemu?full=1", testing::http_500("/nodes/pve2/qemu?full=1")}});
  const std::string text = testing::run_through_runner({"cluster", "guest"}, api);
  EXPECT_NE(text.find("pve_exporter_collector_success{collector=\"guest\"} 0\n"), std::string::npos)
      << text;
  EXPECT_TRUE(testing::matches_golden("guest_pve9_fail500.prom", text));
}

}  // namespace
}  // namespace pvex

namespace pvex {
namespace {

using testing::FixtureApi;

bool has(const std::string& text, std::string_view line) {
  return text.find(line) != std::string::npos;
}

TEST(GuestCollector, StoppedGuestHasStatusSizesAndInfoOnly) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"));
  EXPECT_TRUE(has(r.text,
                  "pve_guest_memory_size_bytes{node=\"pve1\",type=\"qemu\",vmid=\"102\",name="
                  "\"tmpl-debian\"} 2147483648\n"));
  EXPECT_TRUE(has(r.text,
                  "pve_guest_status{node=\"pve1\",type=\"qemu\",vmid=\"102\",name=\"tmpl-debian\","
                  "status=\"stopped\"} 1\n"));
  for (std::string_view family :
       {"pve_guest_uptime_seconds", "pve_guest_cpu_usage_ratio", "pve_guest_memory_used_bytes",
        "pve_guest_memory_host_bytes", "pve_guest_network_receive_bytes_total"}) {
    EXPECT_FALSE(has(r.text, std::string(family) + "{node=\"pve1\",type=\"qemu\",vmid=\"102\""))
        << family;
    EXPECT_FALSE(has(r.text, std::string(family) + "{node=\"pve2\",type=\"lxc\",vmid=\"104\""))
        << family;
  }
}

TEST(GuestCollector, DriveCountersInBaseUnits) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"));
  EXPECT_TRUE(has(r.text,
                  "pve_guest_drive_time_seconds_total{node=\"pve2\",type=\"qemu\",vmid=\"103\","
                  "name=\"db01\",device=\"virtio0\",operation=\"read\"} 1800\n"));
  EXPECT_TRUE(has(r.text,
                  "pve_guest_drive_idle_seconds{node=\"pve2\",type=\"qemu\",vmid=\"103\",name="
                  "\"db01\",device=\"virtio0\"} 5e-06\n"));
  EXPECT_TRUE(has(r.text,
                  "pve_guest_drive_bytes_total{node=\"pve2\",type=\"qemu\",vmid=\"103\",name="
                  "\"db01\",device=\"virtio0\",operation=\"read\"} 549755813888\n"));
}

TEST(GuestCollector, PerDriveAndPerNicSwitchesDropThoseSeries) {
  config::Config cfg;
  cfg.guests.per_drive = false;
  cfg.guests.per_nic = false;
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"), cfg);
  ASSERT_TRUE(r.result.has_value());
  EXPECT_FALSE(has(r.text, "pve_guest_drive_"));
  EXPECT_FALSE(has(r.text, "pve_guest_interface_"));
  EXPECT_TRUE(has(r.text,
                  "pve_guest_network_receive_bytes_total{node=\"pve2\",type=\"qemu\",vmid=\"103\","
                  "name=\"db01\"} 987654321\n"));
}

TEST(GuestCollector, FiltersByNodeTagPoolAndName) {
  config::Config cfg;
  cfg.guests.exclude_nodes = {"pve2"};
  testing::CollectorRun by_node =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"), cfg);
  EXPECT_FALSE(has(by_node.text, "node=\"pve2\""));
  for (const std::string& p : by_node.asked) EXPECT_FALSE(p.starts_with("/nodes/pve2/")) << p;

  cfg = {};
  cfg.guests.include_tags = {"prod"};
  testing::CollectorRun by_tag =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"), cfg);
  EXPECT_TRUE(has(by_tag.text, "vmid=\"100\""));
  EXPECT_TRUE(has(by_tag.text, "vmid=\"103\""));
  EXPECT_FALSE(has(by_tag.text, "vmid=\"101\""));
  EXPECT_FALSE(has(by_tag.text, "vmid=\"105\""));

  cfg = {};
  cfg.guests.exclude_pools = {"production"};
  cfg.guests.exclude_name = "win.*";
  testing::CollectorRun by_pool =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"), cfg);
  EXPECT_FALSE(has(by_pool.text, "vmid=\"100\""));
  EXPECT_FALSE(has(by_pool.text, "vmid=\"101\""));
  EXPECT_FALSE(has(by_pool.text, "vmid=\"105\""));
  EXPECT_TRUE(has(by_pool.text, "vmid=\"102\""));

  cfg = {};
  cfg.guests.include_name = "db0[0-9]";
  testing::CollectorRun by_name =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"), cfg);
  EXPECT_TRUE(has(by_name.text, "vmid=\"103\""));
  EXPECT_FALSE(has(by_name.text, "vmid=\"100\""));
}

TEST(GuestCollector, InvalidNamePatternIsAConfigError) {
  config::Config cfg;
  cfg.guests.include_name = "web(";
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"), cfg);
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::config);
  EXPECT_EQ(r.out.series_count(), 0u);
}

TEST(GuestCollector, MalformedNodeAnswerKeepsTheOtherNode) {
  FixtureApi api("pve9-three-nodes", {{"/nodes/pve1/lxc", testing::body("{\"data\":[{\"vmid\":")}});
  testing::CollectorRun r = testing::run_collector(collectors::collect_guest, api);
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::parse);
  EXPECT_TRUE(has(r.result.error().message, "/nodes/pve1/lxc"));
  EXPECT_TRUE(has(r.text, "pve_guest_node_scrape_success{node=\"pve1\"} 0\n"));
  EXPECT_TRUE(has(r.text, "pve_guest_node_scrape_success{node=\"pve2\"} 1\n"));
  // the container of the failed list: inventory only, status unknown
  EXPECT_TRUE(has(r.text,
                  "pve_guest_status{node=\"pve1\",type=\"lxc\",vmid=\"101\",name=\"dns01\",status="
                  "\"unknown\"} 1\n"));
  EXPECT_FALSE(has(r.text, "pve_guest_uptime_seconds{node=\"pve1\",type=\"lxc\""));
  // the VMs of the same node still come from the qemu list
  EXPECT_TRUE(has(r.text,
                  "pve_guest_uptime_seconds{node=\"pve1\",type=\"qemu\",vmid=\"100\",name="
                  "\"web01\"} 360000\n"));
  EXPECT_TRUE(has(
      r.text,
      "pve_guest_uptime_seconds{node=\"pve2\",type=\"qemu\",vmid=\"103\",name=\"db01\"} 86400\n"));
  EXPECT_TRUE(r.out.problems().empty());
}

TEST(GuestCollector, AskedEachOnlineNodeOnceAndNoGuestCalls) {
  testing::CollectorRun r =
      testing::run_collector(collectors::collect_guest, FixtureApi("pve9-three-nodes"));
  std::vector<std::string> asked = r.asked;
  std::sort(asked.begin(), asked.end());
  EXPECT_EQ(asked, (std::vector<std::string>{"/cluster/resources", "/cluster/status",
                                             "/nodes/pve1/lxc", "/nodes/pve1/qemu?full=1",
                                             "/nodes/pve2/lxc", "/nodes/pve2/qemu?full=1"}));
}

TEST(CanonicalTags, SplitsOnAnySeparatorSortsAndDeduplicates) {
  EXPECT_EQ(collectors::canonical_tags("web;prod, db  prod"), "db;prod;web");
  EXPECT_EQ(collectors::canonical_tags(""), "");
}

}  // namespace
}  // namespace pvex

namespace pvex {
namespace {

TEST(GuestCollector, BalloonConfigurationOfAStoppedGuest) {
  std::string qemu = testing::read_fixture("pve9-three-nodes", "/nodes/pve1/qemu?full=1");
  const std::string anchor = "\"vmid\":102,";
  ASSERT_NE(qemu.find(anchor), std::string::npos);
  qemu.insert(qemu.find(anchor) + anchor.size(), "\"balloon_min\":1073741824,\"shares\":500,");
  testing::FixtureApi api("pve9-three-nodes", {{"/nodes/pve1/qemu?full=1", testing::body(qemu)}});
  testing::CollectorRun r = testing::run_collector(collectors::collect_guest, api);
  ASSERT_TRUE(r.result.has_value());
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_NE(r.text.find("pve_guest_balloon_min_bytes{node=\"pve1\",type=\"qemu\",vmid=\"102\",name="
                        "\"tmpl-debian\"} 1073741824\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("pve_guest_balloon_shares{node=\"pve1\",type=\"qemu\",vmid=\"102\",name="
                        "\"tmpl-debian\"} 500\n"),
            std::string::npos);
  EXPECT_EQ(r.text.find("pve_guest_balloon_actual_bytes{node=\"pve1\",type=\"qemu\",vmid=\"102\""),
            std::string::npos);
}

}  // namespace
}  // namespace pvex
