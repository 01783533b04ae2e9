// Tests of the zpool list / zpool status / zfs list parsers.
#include "zfs/zpool.hpp"

#include <gtest/gtest.h>

#include "support/golden.hpp"

namespace pvex::zfs {
namespace {

TEST(ParseZpoolList, ReadsEveryColumnAndDashes) {
  Result<std::vector<PoolSpace>> p =
      parse_zpool_list(testing::read_test_file("fixtures/zfs/zpool_list.txt"));
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_EQ(p->size(), 3u);
  const PoolSpace& rpool = (*p)[0];
  EXPECT_EQ(rpool.name, "rpool");
  EXPECT_EQ(rpool.size_bytes, 996432412672u);
  EXPECT_EQ(rpool.allocated_bytes, 412316860416u);
  EXPECT_EQ(rpool.free_bytes, 584115552256u);
  EXPECT_FALSE(rpool.checkpoint_bytes);
  EXPECT_FALSE(rpool.expand_size_bytes);
  EXPECT_EQ(rpool.fragmentation_percent, 17);
  EXPECT_EQ(rpool.capacity_percent, 41);
  EXPECT_EQ(rpool.dedup_ratio, 1.0);
  EXPECT_EQ(rpool.health, "DEGRADED");
  EXPECT_EQ((*p)[1].checkpoint_bytes, 1073741824u);
  EXPECT_EQ((*p)[1].dedup_ratio, 1.37);
  EXPECT_FALSE((*p)[2].size_bytes);
  EXPECT_EQ((*p)[2].health, "SUSPENDED");
}

TEST(ParseZpoolList, RejectsWrongFieldCountAndBadNumbers) {
  EXPECT_EQ(parse_zpool_list("rpool\t1\t2\n").error().kind, ErrorKind::parse);
  EXPECT_FALSE(parse_zpool_list("rpool\t1T\t2\t3\t-\t-\t1\t2\t1.00\tONLINE\t-\n"));
  EXPECT_TRUE(parse_zpool_list("")->empty());
}

TEST(ParseZpoolStatus, BuildsTheTreeWithPositions) {
  Result<std::vector<PoolStatus>> s =
      parse_zpool_status(testing::read_test_file("fixtures/zfs/zpool_status.txt"));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_EQ(s->size(), 3u);
  const PoolStatus& rpool = (*s)[1];
  EXPECT_EQ(rpool.name, "rpool");
  EXPECT_EQ(rpool.state, "DEGRADED");
  EXPECT_EQ(rpool.data_errors, 0u);
  ASSERT_EQ(rpool.vdevs.size(), 6u);
  EXPECT_EQ(rpool.vdevs[0].path, "rpool");
  EXPECT_EQ(rpool.vdevs[1].path, "rpool/mirror-0");
  EXPECT_EQ(rpool.vdevs[2].path, "rpool/mirror-0/ata-Samsung_SSD_870_EVO_1TB_S6PTNX0T123456-part3");
  EXPECT_EQ(rpool.vdevs[3].state, "UNAVAIL");
  EXPECT_EQ(rpool.vdevs[3].message, "was /dev/sdb3");
  EXPECT_EQ(rpool.vdevs[4].name, "logs");
  EXPECT_EQ(rpool.vdevs[4].state, "");
  EXPECT_EQ(rpool.vdevs[5].path, "logs/nvme-INTEL_SSDPE21D280GA_PHM2749000AB280AGN-part1");
  EXPECT_EQ(rpool.vdevs[5].depth, 1);

  const PoolStatus& broken = (*s)[0];
  EXPECT_EQ(broken.data_errors, 2u);
  EXPECT_EQ(broken.vdevs[1].read_errors, 5u);
  EXPECT_EQ(broken.vdevs[1].write_errors, 12u);
  EXPECT_EQ(broken.vdevs[1].message, "too many errors");

  const PoolStatus& tank = (*s)[2];
  const Vdev& bad = tank.vdevs[3];
  EXPECT_EQ(bad.path, "tank/raidz1-0/ata-WDC_WD40EFRX_WD-AAA2");
  EXPECT_EQ(bad.checksum_errors, 1234567u);
  EXPECT_EQ(bad.message, "(resilvering)");
  const Vdev& spare = tank.vdevs.back();
  EXPECT_EQ(spare.path, "spares/sde");
  EXPECT_EQ(spare.state, "INUSE");
  EXPECT_FALSE(spare.read_errors);
  EXPECT_EQ(spare.message, "currently in use");
}

TEST(ParseZpoolStatus, AbbreviatedCountersAreLeftUnset) {
  Result<std::vector<PoolStatus>> s = parse_zpool_status(
      "  pool: p\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tp ONLINE 1.21K 0 "
      "3M\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->at(0).vdevs[0].read_errors);
  EXPECT_EQ(s->at(0).vdevs[0].write_errors, 0u);
  EXPECT_FALSE(s->at(0).vdevs[0].checksum_errors);
}

TEST(ParseZpoolStatus, NoPoolsAndRowsWithoutPool) {
  EXPECT_TRUE(parse_zpool_status("no pools available\n")->empty());
  EXPECT_FALSE(parse_zpool_status("config:\n\tp ONLINE 0 0 0\n"));
}

TEST(ParseZfsList, ReadsDatasets) {
  Result<std::vector<DatasetSpace>> d =
      parse_zfs_list(testing::read_test_file("fixtures/zfs/zfs_list.txt"));
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->size(), 4u);
  EXPECT_EQ((*d)[2].name, "rpool/data/vm-100-disk-0");
  EXPECT_EQ((*d)[2].type, "volume");
  EXPECT_EQ((*d)[2].volume_size_bytes, 34359738368u);
  EXPECT_EQ((*d)[2].compression_ratio, 1.37);
  EXPECT_FALSE((*d)[1].volume_size_bytes);
  EXPECT_EQ((*d)[3].name, "tank/my data");
  EXPECT_EQ(pool_of((*d)[3].name), "tank");
  EXPECT_FALSE(parse_zfs_list("a\tfilesystem\t1\n"));
}

}  // namespace
}  // namespace pvex::zfs
