// Tests for the string helpers.
#include "util/strings.hpp"

#include <gtest/gtest.h>

namespace pvex::util {
namespace {

TEST(Strings, SplitAnyDropsEmptyPieces) {
  EXPECT_EQ(split_any("a;b,,c ;", ";, "), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_TRUE(split_any("", ",").empty());
}

TEST(Strings, ParseNumbersRejectTrailingGarbage) {
  EXPECT_EQ(parse_int("-42"), -42);
  EXPECT_EQ(parse_int("42x"), std::nullopt);
  EXPECT_EQ(parse_int(""), std::nullopt);
  EXPECT_EQ(parse_uint("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(parse_uint("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_double("2.5"), 2.5);
  EXPECT_EQ(parse_double("1e3"), 1000.0);
  EXPECT_EQ(parse_double("abc"), std::nullopt);
}

TEST(Strings, ParseBool) {
  EXPECT_EQ(parse_bool("TRUE"), true);
  EXPECT_EQ(parse_bool(" 0 "), false);
  EXPECT_EQ(parse_bool("off"), false);
  EXPECT_EQ(parse_bool("maybe"), std::nullopt);
}

TEST(Strings, ClosestMatchSuggestsTypos) {
  const std::vector<std::string> keys{"api.host", "api.token_id", "web.listen_addresses"};
  EXPECT_EQ(closest_match("api.hots", keys), "api.host");
  EXPECT_EQ(closest_match("api.tokn_id", keys), "api.token_id");
  EXPECT_EQ(closest_match("completely.different", keys), "");
}

}  // namespace
}  // namespace pvex::util
