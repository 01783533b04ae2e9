// Tests of the /nodes/{node}/storage and /nodes/{node}/netstat parsers.
#include "pve/storage.hpp"

#include <gtest/gtest.h>

#include "pve/netstat.hpp"
#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using testing::read_fixture;

TEST(ParseNodeStorage, Fixture) {
  Result<std::vector<StorageStatus>> s =
      parse_node_storage(read_fixture("pve9-three-nodes", "/nodes/pve1/storage"));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[1], (StorageStatus{"local-zfs", "zfspool", "images,rootdir", false, true, true,
                                    1924145348608, 274877906944, 1649267441664, 0.142857}));
  EXPECT_EQ((*s)[2].active, false);
  EXPECT_EQ((*s)[2].shared, true);
  EXPECT_EQ((*s)[2].total_bytes, 0u);
  EXPECT_EQ((*s)[2].used_ratio, std::nullopt);
}

TEST(ParseNodeStorage, EdgeCases) {
  EXPECT_TRUE(parse_node_storage(R"({"data":[]})")->empty());
  EXPECT_EQ(parse_node_storage(R"({"data":[{"type":"dir"}]})").error().message,
            "/nodes/{node}/storage[0]: missing field 'storage'");
  Result<std::vector<StorageStatus>> s =
      parse_node_storage(R"({"data":[{"storage":"x","active":"1","total":"100","used":{}}]})");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE((*s)[0].active);
  EXPECT_EQ((*s)[0].total_bytes, 100u);
  EXPECT_EQ((*s)[0].used_bytes, std::nullopt);
  EXPECT_EQ(parse_node_storage(R"({"data":[{"storage":"x")").error().kind, ErrorKind::parse);
  EXPECT_EQ(parse_node_storage(R"({"data":{}})").error().kind, ErrorKind::parse);
}

TEST(ParseNetstat, StringsBecomeNumbers) {
  Result<std::vector<NetstatEntry>> n =
      parse_netstat(read_fixture("pve9-three-nodes", "/nodes/pve2/netstat"));
  ASSERT_TRUE(n.has_value()) << n.error().message;
  ASSERT_EQ(n->size(), 3u);
  EXPECT_EQ((*n)[0], (NetstatEntry{103, "net0", 900000000, 100000000}));
  EXPECT_EQ((*n)[1], (NetstatEntry{103, "net1", 87654321, 23456789}));
  EXPECT_EQ((*n)[2], (NetstatEntry{105, "net0", 1000, 2000}));
}

TEST(ParseNetstat, EdgeCases) {
  EXPECT_TRUE(parse_netstat(R"({"data":[]})")->empty());
  EXPECT_EQ(parse_netstat(R"({"data":[{"vmid":"abc","dev":"net0"}]})").error().message,
            "/nodes/{node}/netstat[0]: field 'vmid' has type string, expected an integer");
  Result<std::vector<NetstatEntry>> n =
      parse_netstat(R"({"data":[{"vmid":7,"dev":"net0","in":12,"out":"x"}]})");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ((*n)[0], (NetstatEntry{7, "net0", 12, std::nullopt}));
  EXPECT_EQ(parse_netstat(R"({"data":"x"})").error().kind, ErrorKind::parse);
}

}  // namespace
}  // namespace pvex::pve
