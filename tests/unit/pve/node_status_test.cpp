// Tests of the /nodes/{node}/status parser.
#include "pve/node_status.hpp"

#include <gtest/gtest.h>

#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using testing::read_fixture;

TEST(ParseNodeStatus, Pve9Fixture) {
  Result<NodeStatus> s = parse_node_status(read_fixture("pve9-three-nodes", "/nodes/pve1/status"));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->uptime_seconds, 864000u);
  EXPECT_EQ(s->cpu_ratio, 0.0734);
  EXPECT_EQ(s->iowait_ratio, 0.0012);
  EXPECT_EQ(s->load_average, (std::vector<double>{0.52, 0.47, 0.41}));
  ASSERT_TRUE(s->cpuinfo.has_value());
  EXPECT_EQ(s->cpuinfo->model, "Intel(R) Xeon(R) E-2388G CPU @ 3.20GHz");
  EXPECT_EQ(s->cpuinfo->cpus, 16);
  EXPECT_EQ(s->cpuinfo->cores, 8);
  EXPECT_EQ(s->cpuinfo->mhz, 3200.0);
  EXPECT_EQ(s->cpuinfo->hvm, true);
  EXPECT_EQ(s->cpuinfo->vendor, std::nullopt);
  EXPECT_EQ(s->memory, (NodeMemory{67285377024, 25342337024, 18874368000, 41943040000}));
  EXPECT_EQ(s->swap, (NodeSwap{8589930496, 0, 8589930496}));
  EXPECT_EQ(s->ksm_shared_bytes, 0u);
  EXPECT_EQ(s->rootfs, (NodeRootFs{100861726720, 24372563968, 76489162752, 71318425600}));
  ASSERT_TRUE(s->current_kernel.has_value());
  EXPECT_EQ(s->current_kernel->release, "6.14.8-2-pve");
  EXPECT_EQ(s->boot_info, (BootInfo{"efi", true}));
  EXPECT_EQ(s->pveversion, "pve-manager/9.0.3/025864202ebb6109");
}

TEST(ParseNodeStatus, Pve8HasNoAvailableMemory) {
  Result<NodeStatus> s = parse_node_status(read_fixture("pve8-three-nodes", "/nodes/pve2/status"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->memory->available_bytes, std::nullopt);
  EXPECT_EQ(s->boot_info, (BootInfo{"legacy-bios", std::nullopt}));
}

TEST(ParseNodeStatus, MissingAndWrongTypedFields) {
  Result<NodeStatus> s = parse_node_status(
      R"({"data":{"uptime":"12","loadavg":["1","x","2"],"memory":"full","cpuinfo":{"hvm":""}}})");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->uptime_seconds, 12u);
  EXPECT_TRUE(s->load_average.empty());  // one bad item: no partial triple
  EXPECT_EQ(s->memory, std::nullopt);
  EXPECT_EQ(s->cpuinfo->hvm, false);
  EXPECT_EQ(s->cpu_ratio, std::nullopt);
}

TEST(ParseNodeStatus, NotAnObjectAndTruncated) {
  EXPECT_EQ(parse_node_status(R"({"data":[]})").error().kind, ErrorKind::parse);
  EXPECT_EQ(parse_node_status(R"({"data":{"uptime":1)").error().kind, ErrorKind::parse);
  EXPECT_EQ(parse_node_status(R"({"data":null,"message":"no such node\n"})").error().kind,
            ErrorKind::parse);
}

}  // namespace
}  // namespace pvex::pve
