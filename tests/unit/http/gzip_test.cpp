// Tests for the server's compression helpers.
#include <zlib.h>

#include <gtest/gtest.h>

#include "http/server.hpp"

namespace pvex::http {
namespace {

std::string gunzip(const std::string& in) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  std::string out(in.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(Gzip, RoundTrips) {
  std::string text;
  for (int i = 0; i < 1000; ++i)
    text += "pve_guest_cpu_usage_ratio{vmid=\"" + std::to_string(i) + "\"} 0.5\n";
  Result<std::string> z = gzip(text);
  ASSERT_TRUE(z);
  EXPECT_LT(z->size(), text.size() / 5);
  EXPECT_EQ(gunzip(*z), text);
}

TEST(AcceptsGzip, Forms) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("br, gzip;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip(""));
}

}  // namespace
}  // namespace pvex::http

namespace pvex::http {
namespace {

TEST(GzipStream, PiecesRoundTripAndFinishOnce) {
  std::string text, packed;
  GzipStream gz;
  for (int i = 0; i < 3000; ++i) {
    const std::string piece = "pve_guest_cpu_usage_ratio{vmid=\"" + std::to_string(i) + "\"} 0.5\n";
    text += piece;
    ASSERT_TRUE(gz.write(piece, false, packed));
  }
  ASSERT_TRUE(gz.write("", true, packed));
  EXPECT_LT(packed.size(), text.size() / 5);
  EXPECT_EQ(gunzip(packed), text);
  Result<void> again = gz.write("more", true, packed);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "gzip stream already finished");
}

TEST(GzipStream, EmptyBodyIsAValidGzipMember) {
  std::string packed;
  GzipStream gz;
  ASSERT_TRUE(gz.write("", true, packed));
  EXPECT_GE(packed.size(), 18u);  // header + empty deflate block + trailer
  EXPECT_EQ(gunzip(packed), "");
}

TEST(GzipStream, BigPiecesAtEveryLevelAreOneMember) {
  // 3 MB in 64 KiB pieces (more output per piece than the encoder's 64 KiB scratch for the
  // incompressible half): the result is one gzip member holding all of it, so a decoder that
  // stops after the first member (curl --compressed does) still gets the whole text.
  std::string text;
  uint32_t x = 12345;
  while (text.size() < 1536 * 1024)
    text += "pve_guest_drive_bytes_total{node=\"pve1\",vmid=\"" +
            std::to_string(text.size() % 997) + "\",device=\"scsi0\"} " +
            std::to_string(text.size()) + "\n";
  while (text.size() < 3 * 1024 * 1024) {
    x = x * 1103515245u + 12345u;
    text += static_cast<char>(x >> 24);
  }
  for (int level : {-1, 0, 1, 2, 3, 9}) {
    GzipStream gz(level);
    std::string packed;
    for (size_t at = 0; at < text.size(); at += 64 * 1024)
      ASSERT_TRUE(gz.write(std::string_view(text).substr(at, 64 * 1024), false, packed));
    ASSERT_TRUE(gz.write("", true, packed));
    EXPECT_LT(packed.size(), text.size() * 3 / 4) << "level " << level;
    EXPECT_EQ(gunzip(packed), text) << "level " << level;
  }
}

TEST(GzipStream, LastPieceMayCarryData) {
  std::string packed;
  GzipStream gz;
  ASSERT_TRUE(gz.write("first\n", false, packed));
  ASSERT_TRUE(gz.write("second\n", true, packed));
  EXPECT_EQ(gunzip(packed), "first\nsecond\n");
}

}  // namespace
}  // namespace pvex::http
