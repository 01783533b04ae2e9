// Tests of read_kstats: what is read from a tree, and that only allow-listed files are opened.
#include "zfs/kstats.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "support/golden.hpp"

namespace pvex::zfs {
namespace {

const std::string k_root = testing::test_path("fixtures/kstat/2.3/spl/kstat/zfs");

TEST(ReadKstats, ReadsGlobalsPoolsAndObjsets) {
  Result<KstatSnapshot> s = read_kstats(k_root);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_TRUE(s->problems.empty());
  ASSERT_FALSE(s->globals.empty());
  EXPECT_EQ(s->globals[0].file, "arcstats");
  EXPECT_EQ(s->globals[0].table.rows.size(), 148u);
  ASSERT_EQ(s->pools.size(), 2u);
  const PoolKstats& rpool = s->pools[0];
  EXPECT_EQ(rpool.name, "rpool");
  EXPECT_EQ(rpool.state, "ONLINE");
  EXPECT_EQ(rpool.guid, "12935712391238712398");
  ASSERT_TRUE(rpool.iostats);
  EXPECT_EQ(rpool.iostats->rows.size(), 26u);
  ASSERT_TRUE(rpool.txgs);
  EXPECT_EQ(rpool.txgs->rows.size(), 7u);
  ASSERT_EQ(rpool.objsets.size(), 3u);
  EXPECT_EQ(rpool.objsets[0].dataset, "rpool/ROOT/pve-1");  // sorted by dataset name
  EXPECT_EQ(rpool.objsets[0].id, "0x36");
  EXPECT_EQ(rpool.objsets[0].table.rows.size(), 27u);
  ASSERT_EQ(rpool.ddt.size(), 1u);
  EXPECT_EQ(rpool.ddt[0].file, "ddt_stats_sha256");
  EXPECT_EQ(s->pools[1].objsets[0].dataset, "tank/my data");
}

TEST(ReadKstats, MissingRootIsNotFound) {
  Result<KstatSnapshot> s = read_kstats(k_root + "/nope");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().kind, ErrorKind::not_found);
}

TEST(ReadKstats, OpensOnlyAllowListedFiles) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_GE(::inotify_add_watch(fd, k_root.c_str(), IN_OPEN), 0);
  ASSERT_GE(::inotify_add_watch(fd, (k_root + "/rpool").c_str(), IN_OPEN), 0);
  ASSERT_TRUE(read_kstats(k_root).has_value());
  std::set<std::string> opened;
  alignas(inotify_event) char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    for (char* p = buf; p < buf + n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(p);
      if (e->len > 0) opened.insert(e->name);
      p += sizeof(inotify_event) + e->len;
    }
  }
  ::close(fd);
  EXPECT_TRUE(opened.count("arcstats"));
  EXPECT_TRUE(opened.count("objset-0x36"));
  for (const char* never : {"dbgmsg", "fletcher_4_bench", "reads", "multihost"})
    EXPECT_FALSE(opened.count(never)) << never << " was opened";
}

TEST(ReadKstats, ManyObjsetsOfMixedSizesKeepTheirOwnText) {
  // Files of very different sizes read one after another through one reused buffer, their text
  // kept in shared blocks: every table must still see its own rows once all are read.
  char tmpl[] = "/tmp/pvex-kstats-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string root = dir + "/zfs";
  std::filesystem::create_directories(root + "/tank");
  std::ofstream(root + "/tank/state") << "ONLINE\n";
  for (int i = 0; i < 60; ++i) {
    const int extra = i % 7 == 3 ? 2000 : i % 5;  // now and then a file far above 16 KiB
    std::ofstream f(root + "/tank/objset-0x" + std::to_string(100 + i));
    f << "1 1 0x01 " << 2 + extra << " 0 1 2\nname                            type data\n"
      << "dataset_name                    7    tank/ds " << 100 + i << "\n"
      << "writes                          4    " << i * 1000 + 7 << "\n";
    for (int r = 0; r < extra; ++r)
      f << "extra_" << r << "                          4    " << r << "\n";
  }
  Result<KstatSnapshot> s = read_kstats(root);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_TRUE(s->problems.empty());
  ASSERT_EQ(s->pools.size(), 1u);
  const PoolKstats& tank = s->pools[0];
  EXPECT_EQ(tank.state, "ONLINE");
  ASSERT_EQ(tank.objsets.size(), 60u);
  for (int i = 0; i < 60; ++i) {
    const Objset& o = tank.objsets[static_cast<size_t>(i)];  // "tank/ds 100".."tank/ds 159"
    EXPECT_EQ(o.dataset, "tank/ds " + std::to_string(100 + i));
    EXPECT_EQ(o.id, "0x" + std::to_string(100 + i));
    const size_t extra = i % 7 == 3 ? 2000 : static_cast<size_t>(i % 5);
    ASSERT_EQ(o.table.rows.size(), 2 + extra) << o.dataset;
    EXPECT_EQ(o.table.rows[0].text, o.dataset);
    EXPECT_EQ(o.table.find("writes")->unsigned_value, static_cast<uint64_t>(i * 1000 + 7));
    if (extra > 0) {
      EXPECT_EQ(o.table.rows.back().name, "extra_" + std::to_string(extra - 1));
      EXPECT_EQ(o.table.rows.back().unsigned_value, extra - 1);
    }
  }
}

TEST(ReadKstats, UnreadableFileIsAProblemNotAFailure) {
  char tmpl[] = "/tmp/pvex-kstats-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string root = dir + "/zfs";
  std::filesystem::create_directories(root + "/tank");
  std::filesystem::create_directory(root + "/tank/guid");  // read() fails: EISDIR
  std::ofstream(root + "/tank/state") << "ONLINE\n";
  Result<KstatSnapshot> s = read_kstats(root);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->problems.size(), 1u);
  EXPECT_EQ(s->problems[0].rfind(root + "/tank/guid: ", 0), 0u) << s->problems[0];
  ASSERT_EQ(s->pools.size(), 1u);
  EXPECT_EQ(s->pools[0].state, "ONLINE");
  EXPECT_FALSE(s->pools[0].guid);
}

}  // namespace
}  // namespace pvex::zfs
