// Tests of the API answers' gzip decoding: gunzip (whole) and GunzipReader (piece by piece).
#include "pve/gzip.hpp"

#include <string>

#include <gtest/gtest.h>

#include "http/server.hpp"

namespace pvex::pve {
namespace {

std::string sample_text(size_t n) {
  std::string text;
  for (size_t i = 0; text.size() < n; ++i) text += "{\"id\":\"qemu/" + std::to_string(i) + "\"},";
  text.resize(n);
  return text;
}

/// Everything a reader yields in pieces of `piece` bytes.
std::string read_all(std::string_view gz, size_t piece, std::string& why) {
  GunzipReader reader(gz);
  std::string all, out;
  while (reader.next(out, piece)) {
    EXPECT_LE(out.size(), piece);
    EXPECT_FALSE(out.empty());
    all += out;
  }
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(reader.next(out, piece));  // stays finished
  why = reader.why();
  return all;
}

TEST(GunzipReader, PiecesOfEverySizeMakeTheWhole) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{300'000}}) {
    const std::string text = sample_text(size);
    const std::string gz = *http::gzip(text);
    std::string whole, why;
    ASSERT_TRUE(gunzip(gz, whole, why)) << why;
    for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, size_t{1} << 20}) {
      EXPECT_EQ(read_all(gz, piece, why), text) << size << " " << piece;
      EXPECT_EQ(why, "") << size << " " << piece;
    }
    EXPECT_EQ(whole, text);
  }
}

TEST(GunzipReader, CorruptTruncatedAndTwoMembersAreErrors) {
  const std::string text = sample_text(100'000);
  const std::string gz = *http::gzip(text);
  std::string why;
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  (void)read_all(corrupt, 4096, why);
  EXPECT_EQ(why, "invalid gzip body");
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x01;  // the CRC-32 in the trailer
  (void)read_all(bad_crc, 4096, why);
  EXPECT_EQ(why, "invalid gzip body");
  (void)read_all(gz.substr(0, gz.size() / 2), 4096, why);
  EXPECT_EQ(why, "truncated gzip body");
  (void)read_all(gz + gz, 4096, why);
  EXPECT_EQ(why, "invalid gzip body");
  (void)read_all("not gzip at all", 4096, why);
  EXPECT_EQ(why, "invalid gzip body");
  // gunzip agrees on all of them.
  std::string out;
  for (const std::string& bad : {corrupt, bad_crc, gz.substr(0, gz.size() / 2), gz + gz})
    EXPECT_FALSE(gunzip(bad, out, why));
}

}  // namespace
}  // namespace pvex::pve
