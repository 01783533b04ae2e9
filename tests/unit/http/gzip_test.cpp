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

}  // namespace
}  // namespace pvex::http
