// Tests of the generic kstat parsers and the guarded file reader.
#include "kstat/kstat.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "support/golden.hpp"

namespace pvex::kstat {
namespace {

constexpr std::string_view k_named =
    "1718 1 0x01 5 1616 31222145678 1209612402114477\n"
    "name                            type data\n"
    "dataset_name                    7    rpool/data/my disk 0\n"
    "writes                          4    18446744073709551615\n"
    "memory_available_bytes          3    -123456\n"
    "demand_iohit_predictive_prefetch 4    88123\n"
    "1024 ns                         4    1288\n";

TEST(ParseHeader, ReadsAllSevenColumns) {
  Result<Header> h = parse_header("19 1 0x01 148 40256 16890123456 1209612345678901");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(*h, (Header{19, 1, 0x01, 148, 40256, 16890123456, 1209612345678901}));
}

TEST(ParseHeader, RejectsWrongColumnCountAndBadFlags) {
  EXPECT_FALSE(parse_header("19 1 0x01 148 40256 16890123456"));
  EXPECT_FALSE(parse_header("19 1 01 148 40256 16890123456 1"));
  EXPECT_FALSE(parse_header("19 9 0x01 148 40256 16890123456 1"));
  EXPECT_FALSE(parse_header("name type data"));
}

TEST(ParseNamed, SplitsNamesTypesAndValuesByMeaningNotPosition) {
  Result<NamedTable> t = parse_named(k_named);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  ASSERT_EQ(t->rows.size(), 5u);
  EXPECT_EQ(t->rows[0].name, "dataset_name");
  EXPECT_EQ(t->rows[0].type, DataType::string);
  EXPECT_EQ(t->rows[0].text, "rpool/data/my disk 0");
  EXPECT_EQ(t->rows[1].unsigned_value, 18446744073709551615ull);
  EXPECT_TRUE(t->rows[2].is_signed);
  EXPECT_EQ(t->rows[2].signed_value, -123456);
  EXPECT_EQ(t->rows[2].as_double(), -123456.0);
  EXPECT_EQ(t->rows[3].name, "demand_iohit_predictive_prefetch");
  EXPECT_EQ(t->rows[3].unsigned_value, 88123u);
  EXPECT_EQ(t->rows[4].name, "1024 ns");
  EXPECT_EQ(t->rows[4].unsigned_value, 1288u);
  EXPECT_EQ(t->skipped_rows, 0u);
  EXPECT_NE(t->find("writes"), nullptr);
  EXPECT_EQ(t->find("nope"), nullptr);
}

TEST(ParseNamed, EveryTypeCode) {
  Result<NamedTable> t = parse_named(
      "1 1 0x01 8 0 1 2\nname                            type data\n"
      "a                               0    chars here      \n"
      "b                               1    -5\n"
      "c                               2    4294967295\n"
      "d                               3    -9223372036854775808\n"
      "e                               4    7\n"
      "f                               5    -1\n"
      "g                               6    3\n"
      "h                               7    x y\n");
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->rows.size(), 8u);
  EXPECT_EQ(t->rows[0].text, "chars here");
  EXPECT_EQ(t->rows[1].signed_value, -5);
  EXPECT_EQ(t->rows[2].unsigned_value, 4294967295u);
  EXPECT_EQ(t->rows[3].signed_value, INT64_MIN);
  EXPECT_EQ(t->rows[5].signed_value, -1);
  EXPECT_EQ(t->rows[6].unsigned_value, 3u);
  EXPECT_EQ(t->rows[7].text, "x y");
  EXPECT_FALSE(t->rows[7].is_numeric());
}

TEST(ParseNamed, SkipsBadRowsAndKeepsTheRest) {
  Result<NamedTable> t = parse_named(
      "1 1 0x01 5 0 1 2\nname                            type data\n"
      "huge                            4    184467440737095516150\n"
      "negative_unsigned               4    -1\n"
      "word                            4    abc\n"
      "unknown_type                    9    1\n"
      "ok                              4    1\n"
      "truncat");
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_EQ(t->rows[0].name, "ok");
  EXPECT_EQ(t->skipped_rows, 5u);
}

TEST(ParseNamed, FailsWithoutHeaderOrColumnLine) {
  Result<NamedTable> a = parse_named("name type data\nhits 4 1\n");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, ErrorKind::parse);
  EXPECT_EQ(a.error().message, "missing kstat header line");
  Result<NamedTable> b = parse_named("1 1 0x01 1 0 1 2\nhits 4 1\n");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "missing 'name type data' line");
  EXPECT_FALSE(parse_named(""));
  EXPECT_FALSE(parse_named("1 1 0x0"));                              // truncated inside the header
  EXPECT_FALSE(parse_named("1 3 0x01 1 80 1 2\nname type data\n"));  // io, not named
}

TEST(ParseNamed, HeaderRowCountIsOnlyAHint) {
  // ndata far too large (a corrupt header must not reserve 2^64 rows) and too small.
  Result<NamedTable> big =
      parse_named("1 1 0x01 18446744073709551615 0 1 2\nname type data\na 4 1\nb 4 2\n");
  ASSERT_TRUE(big.has_value());
  ASSERT_EQ(big->rows.size(), 2u);
  EXPECT_EQ(big->rows[1].unsigned_value, 2u);
  Result<NamedTable> small =
      parse_named("1 1 0x01 1 0 1 2\nname type data\na 4 1\nb 4 2\nc 3 -3\n");
  ASSERT_TRUE(small.has_value());
  ASSERT_EQ(small->rows.size(), 3u);
  EXPECT_EQ(small->rows[2].signed_value, -3);
}

TEST(ParseNamed, BlankLinesAreNeitherRowsNorSkipped) {
  Result<NamedTable> t =
      parse_named("1 1 0x01 2 0 1 2\r\nname type data\r\n\r\na 4 1\r\n \t\n\nb 7 x\r\n");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].unsigned_value, 1u);
  EXPECT_EQ(t->rows[1].text, "x");
  EXPECT_EQ(t->skipped_rows, 0u);
}

TEST(ParseNamed, TableKeepsItsOwnerAlive) {
  auto store = std::make_shared<TextStore>();
  const std::string_view text = store->keep("1 1 0x01 1 0 1 2\nname type data\nds 7 tank/a b\n");
  Result<NamedTable> t = parse_named(text, store);
  store.reset();  // the table's storage is now the only owner
  ASSERT_TRUE(t.has_value());
  const NamedTable copy = *t;
  t = fail(ErrorKind::parse, "dropped");
  ASSERT_EQ(copy.rows.size(), 1u);
  EXPECT_EQ(copy.rows[0].name, "ds");
  EXPECT_EQ(copy.rows[0].text, "tank/a b");
}

TEST(TextStore, KeptTextsStayIntactAcrossBlocks) {
  TextStore store;
  std::vector<std::string> originals;
  std::vector<std::string_view> kept;
  // Sizes from empty to well past a block, so texts fill blocks, overflow them and get blocks
  // of their own.
  for (size_t i = 0; i < 300; ++i) {
    const size_t size = (i * 977) % 40000;
    originals.push_back(std::string(size, static_cast<char>('a' + i % 26)) + std::to_string(i));
    kept.push_back(store.keep(originals.back()));
  }
  EXPECT_EQ(store.keep(""), "");
  for (size_t i = 0; i < originals.size(); ++i) {
    ASSERT_EQ(kept[i], originals[i]) << i;
    EXPECT_NE(kept[i].data(), originals[i].data());
  }
}

TEST(ParseIo, NamesValuesByColumns) {
  Result<NamedTable> t = parse_io(
      "1698 3 0x01 1 80 31201230000 1209612402116000\n"
      "nread    nwritten reads    writes   wtime    wlentime wupdate  rtime    rlentime rupdate  "
      "wcnt     rcnt    \n"
      "1 2 3 4 5 6 7 8 9 10 11 12\n");
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->rows.size(), 12u);
  EXPECT_EQ(t->find("rcnt")->unsigned_value, 12u);
  EXPECT_FALSE(parse_io("1698 3 0x01 1 80 1 2\nnread nwritten\n1\n"));
}

TEST(ParseList, TxgsWithTrailingSpaces) {
  Result<ListTable> t = parse_list(testing::read_test_file("fixtures/kstat/txgs.src"));
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->columns.size(), 12u);
  EXPECT_EQ(t->columns[11], "stime");
  ASSERT_EQ(t->rows.size(), 7u);
  EXPECT_EQ(t->rows[0][0], "2417731");
  EXPECT_EQ(t->rows[6][2], "O");
  EXPECT_EQ(*t->column("state"), 2u);
  EXPECT_FALSE(t->column("nope"));
}

TEST(ParseList, SkipsOldHeaderAndRaggedRows) {
  Result<ListTable> t = parse_list("1 0 0x01 1 0 1 2\na b\n1 2\n3\n4 5 6\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->columns, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_FALSE(parse_list("\n\n"));
}

TEST(ParseWord, OneWordOnly) {
  EXPECT_EQ(*parse_word("ONLINE\n"), "ONLINE");
  EXPECT_FALSE(parse_word(""));
  EXPECT_FALSE(parse_word("ONLINE DEGRADED\n"));
}

TEST(AllowList, ExactNamesAndPrefixes) {
  const AllowList a{{"arcstats"}, {"objset-0x"}};
  EXPECT_TRUE(a.allows("arcstats"));
  EXPECT_TRUE(a.allows("objset-0x36"));
  EXPECT_FALSE(a.allows("objset-0x"));
  EXPECT_FALSE(a.allows("dbgmsg"));
  EXPECT_FALSE(a.allows("../arcstats"));
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pvex-kstat-test-XXXXXX";
    m_dir = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string m_dir;
};

using ReadFile = TempDir;

TEST_F(ReadFile, RefusesNamesOffTheAllowList) {
  std::ofstream(m_dir + "/dbgmsg") << "debug";
  Result<std::string> r = read_allowed(m_dir, "dbgmsg", AllowList{{"arcstats"}, {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::config);
}

TEST_F(ReadFile, VanishedFileIsNotFound) {
  Result<std::string> r = read_file(m_dir + "/objset-0x99");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
}

TEST_F(ReadFile, OversizedFileIsAnError) {
  std::ofstream(m_dir + "/big") << std::string(100, 'x');
  EXPECT_EQ(*read_file(m_dir + "/big", 100), std::string(100, 'x'));
  Result<std::string> r = read_file(m_dir + "/big", 99);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
}

TEST_F(ReadFile, EmptyFileReadsAsEmpty) {
  std::ofstream(m_dir + "/empty") << "";
  EXPECT_EQ(*read_file(m_dir + "/empty"), "");
}

TEST_F(ReadFile, ReusedBufferServesFilesOfAnySize) {
  const std::string small = "1 1 0x01 1 0 1 2\nname type data\na 4 1\n";
  const std::string large(100000, 'L');  // several times the first reservation
  const std::string medium(20000, 'M');
  std::ofstream(m_dir + "/small") << small;
  std::ofstream(m_dir + "/large") << large;
  std::ofstream(m_dir + "/medium") << medium;
  std::ofstream(m_dir + "/empty") << "";
  Result<Directory> dir = Directory::open(m_dir);
  ASSERT_TRUE(dir.has_value()) << dir.error().message;
  ReadBuffer buffer;
  EXPECT_EQ(*dir->read("small", buffer), small);
  const size_t first_capacity = buffer.capacity();
  EXPECT_EQ(*dir->read("large", buffer), large);
  EXPECT_GT(buffer.capacity(), first_capacity);
  const size_t grown = buffer.capacity();
  EXPECT_EQ(*dir->read("small", buffer), small);  // no stale bytes of the large file
  EXPECT_EQ(buffer.text(), small);
  EXPECT_EQ(*dir->read("medium", buffer), medium);
  EXPECT_EQ(*dir->read("empty", buffer), "");
  EXPECT_EQ(buffer.capacity(), grown);  // reused, not shrunk or re-grown
}

TEST_F(ReadFile, ReusedBufferEnforcesEachReadsLimit) {
  std::ofstream(m_dir + "/big") << std::string(100, 'x');
  std::ofstream(m_dir + "/ok") << "fine";
  Result<Directory> dir = Directory::open(m_dir);
  ASSERT_TRUE(dir.has_value());
  ReadBuffer buffer;
  EXPECT_EQ(*dir->read("big", buffer, 100), std::string(100, 'x'));
  Result<std::string_view> r = dir->read("big", buffer, 99);  // buffer already larger
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_EQ(r.error().message, m_dir + "/big: larger than 99 bytes");
  EXPECT_EQ(buffer.text(), "");
  EXPECT_EQ(*dir->read("ok", buffer, 99), "fine");
}

TEST(ReadBufferFill, ShortReadsAreJoinedUntilEndOfFile) {
  // A pipe answers in pieces, as procfs may: the reader must go on until read() returns 0.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string expected;
  for (int i = 0; i < 40; ++i) expected += std::string(999, static_cast<char>('a' + i % 26)) + "\n";
  std::thread writer([&] {
    for (size_t off = 0; off < expected.size(); off += 1000)
      if (::write(fds[1], expected.data() + off, 1000) != 1000) break;
    ::close(fds[1]);
  });
  ReadBuffer buffer;
  Result<std::string_view> r = buffer.read_from(fds[0], 1 << 20);
  writer.join();
  ::close(fds[0]);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, expected);
}

TEST_F(ReadFile, DirectoryOpensRelativeNamesOnly) {
  std::filesystem::create_directory(m_dir + "/rpool");
  std::ofstream(m_dir + "/rpool/state") << "ONLINE\n";
  std::ofstream(m_dir + "/plain") << "x";
  Result<Directory> root = Directory::open(m_dir);
  ASSERT_TRUE(root.has_value());
  Result<Directory> pool = root->open_directory("rpool");
  ASSERT_TRUE(pool.has_value());
  EXPECT_EQ(pool->path(), m_dir + "/rpool");
  ReadBuffer buffer;
  EXPECT_EQ(*pool->read("state", buffer), "ONLINE\n");
  for (std::string_view bad : {"rpool/state", "..", ".", ""}) {
    Result<std::string_view> r = root->read(bad, buffer);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::io) << bad;
  }
  EXPECT_EQ(root->open_directory("missing").error().kind, ErrorKind::not_found);
  EXPECT_EQ(root->open_directory("plain").error().kind, ErrorKind::not_found);  // ENOTDIR
  EXPECT_EQ(Directory::open(m_dir + "/missing").error().kind, ErrorKind::not_found);
  Result<Directory> moved = std::move(*pool);
  EXPECT_EQ(*moved->read("state", buffer), "ONLINE\n");
}

TEST_F(ReadFile, DirectoryReadOfVanishedFileIsNotFound) {
  std::filesystem::create_symlink(m_dir + "/gone", m_dir + "/objset-0x99");
  Result<Directory> dir = Directory::open(m_dir);
  ASSERT_TRUE(dir.has_value());
  ReadBuffer buffer;
  Result<std::string_view> r = dir->read("objset-0x99", buffer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  EXPECT_EQ(r.error().message, m_dir + "/objset-0x99: gone");
}

TEST_F(ReadFile, DirectoryReadAllowedRefusesNamesOffTheList) {
  std::ofstream(m_dir + "/dbgmsg") << "debug";
  std::ofstream(m_dir + "/arcstats") << "arc";
  Result<Directory> dir = Directory::open(m_dir);
  ASSERT_TRUE(dir.has_value());
  ReadBuffer buffer;
  const AllowList allow{{"arcstats"}, {}};
  Result<std::string_view> r = read_allowed(*dir, "dbgmsg", allow, buffer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_EQ(*read_allowed(*dir, "arcstats", allow, buffer), "arc");
}

TEST_F(ReadFile, DirectoryListsLikeListDirectory) {
  std::filesystem::create_directory(m_dir + "/tank");
  std::ofstream(m_dir + "/zil") << "";
  std::ofstream(m_dir + "/arcstats") << "";
  Result<Directory> dir = Directory::open(m_dir);
  ASSERT_TRUE(dir.has_value());
  Result<std::vector<Entry>> a = dir->list();
  Result<std::vector<Entry>> b = list_directory(m_dir);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(a->size(), 3u);
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].name, (*b)[i].name);
    EXPECT_EQ((*a)[i].is_directory, (*b)[i].is_directory);
  }
  EXPECT_EQ((*a)[1].name, "tank");
  EXPECT_TRUE((*a)[1].is_directory);
  // Listing does not use up the directory: it can still open files afterwards.
  ReadBuffer buffer;
  EXPECT_EQ(*dir->read("zil", buffer), "");
  EXPECT_TRUE(dir->list().has_value());
}

TEST_F(ReadFile, ListsDirectoriesByStat) {
  std::filesystem::create_directory(m_dir + "/pool with space");
  std::ofstream(m_dir + "/arcstats") << "";
  Result<std::vector<Entry>> e = list_directory(m_dir);
  ASSERT_TRUE(e.has_value());
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[0].name, "arcstats");
  EXPECT_FALSE((*e)[0].is_directory);
  EXPECT_EQ((*e)[1].name, "pool with space");
  EXPECT_TRUE((*e)[1].is_directory);
  EXPECT_EQ(list_directory(m_dir + "/missing").error().kind, ErrorKind::not_found);
}

}  // namespace
}  // namespace pvex::kstat
