// Tests of the disks/zfs parsers.
#include "pve/disks_zfs.hpp"

#include <gtest/gtest.h>

#include "support/golden.hpp"

namespace pvex::pve {
namespace {

TEST(ParseDisksZfs, ReadsPoolsWithNumericStrings) {
  Result<std::vector<ZfsPoolSummary>> p =
      parse_disks_zfs(testing::read_test_file("fixtures/zfs/api/nodes/pve3/disks/zfs.json"));
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0], (ZfsPoolSummary{"tank", 15994458210304.0, 8796093022208.0, 7198365188096.0,
                                     0.0, 1.37, "DEGRADED"}));
  EXPECT_EQ((*p)[1].name, "rpool");
}

TEST(ParseDisksZfs, ErrorsOnBadInput) {
  EXPECT_EQ(parse_disks_zfs("{\"data\":[").error().kind, ErrorKind::parse);
  EXPECT_FALSE(parse_disks_zfs("{\"data\":{}}"));
  EXPECT_FALSE(parse_disks_zfs("{\"nodata\":[]}"));
  EXPECT_FALSE(parse_disks_zfs("{\"data\":[{\"size\":1}]}"));
  EXPECT_TRUE(parse_disks_zfs("{\"data\":[]}")->empty());
}

TEST(ParseDisksZfsDetail, ReadsTheTree) {
  Result<ZfsPoolDetail> d = parse_disks_zfs_detail(
      testing::read_test_file("fixtures/zfs/api/nodes/pve3/disks/zfs/tank.json"));
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->state, "DEGRADED");
  EXPECT_EQ(d->action, "Replace the device using 'zpool replace'.");
  ASSERT_EQ(d->children.size(), 2u);
  const ZfsTreeNode& raidz = d->children[0].children[0];
  EXPECT_EQ(raidz.name, "raidz1-0");
  ASSERT_EQ(raidz.children.size(), 3u);
  EXPECT_EQ(raidz.children[0].cksum, 1.21);
  EXPECT_EQ(raidz.children[1].write, 118);
  EXPECT_EQ(raidz.children[1].msg, "too many errors");
  EXPECT_EQ(d->children[1].name, "logs");
  EXPECT_EQ(d->children[1].state, "");
  EXPECT_FALSE(d->children[1].read);
}

TEST(ParseDisksZfsDetail, RejectsTooDeepTrees) {
  std::string json = "{\"data\":{\"name\":\"p\"";
  for (int i = 0; i < 40; ++i) json += ",\"children\":[{\"name\":\"x\"";
  for (int i = 0; i < 40; ++i) json += "}]";
  json += "}}";
  EXPECT_EQ(parse_disks_zfs_detail(json).error().message, "zpool tree too deep");
}

TEST(DataErrorsOf, KnownTexts) {
  EXPECT_EQ(data_errors_of("No known data errors"), 0u);
  EXPECT_EQ(data_errors_of("3 data errors, use '-v' for a list"), 3u);
  EXPECT_FALSE(data_errors_of("something else"));
}

TEST(DisksZfsPath, EncodesSegments) {
  EXPECT_EQ(disks_zfs_path("pve1"), "/nodes/pve1/disks/zfs");
  EXPECT_EQ(disks_zfs_path("pve1", "my pool:x"), "/nodes/pve1/disks/zfs/my%20pool%3Ax");
}

}  // namespace
}  // namespace pvex::pve
