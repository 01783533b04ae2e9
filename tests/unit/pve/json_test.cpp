// Tests of the tolerant JSON helpers: envelope errors and PVE's loose number/boolean typing.
#include "pve/json.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace pvex::pve::json {
namespace {

Object obj_of(std::string_view body) {
  Result<Object> o = data_object(body, "test");
  EXPECT_TRUE(o.has_value()) << (o ? "" : o.error().message);
  return *o;
}

TEST(JsonParseData, ReturnsDataMember) {
  Result<Element> e = parse_data(R"({"data":[1,2]})", "/x");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type(), simdjson::dom::element_type::ARRAY);
}

TEST(JsonParseData, MalformedIsParseErrorNamingWhat) {
  Result<Element> e = parse_data(R"({"data":[1,2)", "/cluster/status");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().kind, ErrorKind::parse);
  EXPECT_TRUE(e.error().message.starts_with("/cluster/status: invalid JSON")) << e.error().message;
}

TEST(JsonParseData, NotAnObjectIsParseError) {
  Result<Element> e = parse_data("[1]", "/x");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().message, "/x: response is a JSON array, expected an object");
}

TEST(JsonParseData, MissingDataIsParseError) {
  Result<Element> e = parse_data(R"({"message":"boom\n"})", "/x");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().message, "/x: response has no 'data' member");
}

TEST(JsonParseData, EmptyBodyIsParseError) {
  EXPECT_EQ(parse_data("", "/x").error().kind, ErrorKind::parse);
}

TEST(JsonDataArray, NullDataIsParseError) {
  Result<Array> a = data_array(R"({"data":null})", "/x");
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().message, "/x: data is a null, expected an array");
}

TEST(JsonFields, NumbersAsStringsAreAccepted) {
  Object o = obj_of(R"({"data":{"a":"42","b":" 0.25 ","c":"-7","d":"1.9e3"}})");
  EXPECT_EQ(opt_int(o, "a"), 42);
  EXPECT_EQ(opt_uint(o, "a"), 42u);
  EXPECT_EQ(opt_double(o, "b"), 0.25);
  EXPECT_EQ(opt_int(o, "c"), -7);
  EXPECT_EQ(opt_uint(o, "c"), std::nullopt);
  EXPECT_EQ(opt_int(o, "d"), 1900);
}

TEST(JsonFields, BooleansInEveryPveSpelling) {
  Object o = obj_of(R"({"data":{"a":1,"b":0,"c":true,"d":"1","e":"","f":"0","g":2,"h":"maybe"}})");
  EXPECT_EQ(opt_bool(o, "a"), true);
  EXPECT_EQ(opt_bool(o, "b"), false);
  EXPECT_EQ(opt_bool(o, "c"), true);
  EXPECT_EQ(opt_bool(o, "d"), true);
  EXPECT_EQ(opt_bool(o, "e"), false);
  EXPECT_EQ(opt_bool(o, "f"), false);
  EXPECT_EQ(opt_bool(o, "g"), true);
  EXPECT_EQ(opt_bool(o, "h"), std::nullopt);
}

TEST(JsonFields, FloatsTruncateToIntegers) {
  Object o = obj_of(R"({"data":{"a":3.99,"b":-1.5,"c":18446744073709551615}})");
  EXPECT_EQ(opt_int(o, "a"), 3);
  EXPECT_EQ(opt_int(o, "b"), -1);
  EXPECT_EQ(opt_uint(o, "c"), 18446744073709551615ull);
  EXPECT_EQ(opt_int(o, "c"), std::nullopt);
}

TEST(JsonFields, AbsentNullAndWrongTypeAreNullopt) {
  Object o = obj_of(R"({"data":{"n":null,"o":{},"a":[1],"s":"abc"}})");
  EXPECT_EQ(opt_int(o, "missing"), std::nullopt);
  EXPECT_EQ(opt_int(o, "n"), std::nullopt);
  EXPECT_EQ(opt_int(o, "o"), std::nullopt);
  EXPECT_EQ(opt_double(o, "a"), std::nullopt);
  EXPECT_EQ(opt_double(o, "s"), std::nullopt);
  EXPECT_EQ(opt_string(o, "o"), std::nullopt);
}

TEST(JsonFields, NumbersReadAsStrings) {
  Object o = obj_of(R"({"data":{"id":101,"x":0.5}})");
  EXPECT_EQ(opt_string(o, "id"), "101");
  EXPECT_EQ(opt_string(o, "x"), "0.5");
}

TEST(JsonFields, RequiredFieldErrorsSayWhy) {
  Object o = obj_of(R"({"data":{"o":{}}})");
  EXPECT_EQ(req_int(o, "vmid").error().message, "missing field 'vmid'");
  EXPECT_EQ(req_int(o, "o").error().message, "field 'o' has type object, expected an integer");
  EXPECT_EQ(req_string(o, "o").error().kind, ErrorKind::parse);
}

TEST(JsonParseEach, NamesTheFailingIndex) {
  Result<Array> a = data_array(R"({"data":[{"v":1},{"w":2}]})", "/x");
  ASSERT_TRUE(a.has_value());
  Result<std::vector<int64_t>> r =
      parse_each<int64_t>(*a, "/x", [](Object o) -> Result<int64_t> { return req_int(o, "v"); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "/x[1]: missing field 'v'");
}

TEST(JsonParseEach, NonObjectElementIsAnError) {
  Result<Array> a = data_array(R"({"data":[3]})", "/x");
  Result<std::vector<int64_t>> r =
      parse_each<int64_t>(*a, "/x", [](Object o) -> Result<int64_t> { return req_int(o, "v"); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "/x[0] is a number, expected an object");
}

TEST(JsonVisitMembers, FirstMemberOfEachKeyLikeMemberSkippingNull) {
  // Duplicates: the first occurrence wins, even when it is null (member() returns nullopt then).
  Object o = obj_of(R"({"data":{"b":1,"x":9,"a":"s","b":2,"c":null,"c":3,"d":4}})");
  const std::string_view keys[] = {"a", "b", "c", "z"};
  std::vector<std::pair<size_t, std::string>> seen;
  visit_members(o, KeyIndex(keys),
                [&](size_t i, Element e) { seen.emplace_back(i, to_string(e).value_or("?")); });
  EXPECT_EQ(seen, (std::vector<std::pair<size_t, std::string>>{{1, "1"}, {0, "s"}}));
  for (size_t i = 0; i < std::size(keys); ++i) {
    std::optional<Element> m = member(o, keys[i]);
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == i; });
    EXPECT_EQ(m.has_value(), it != seen.end()) << keys[i];
  }
}

TEST(JsonFieldTable, SetsFieldsByKeyInAnyOrder) {
  struct Model {
    std::optional<int64_t> n;
    std::optional<std::string> s;
    bool flag = false;
  };
  const FieldTable<Model> table{
      {"s", [](Model& m, Element e) { m.s = to_string(e); }},
      {"n", [](Model& m, Element e) { m.n = to_int(e); }},
      {"flag", [](Model& m, Element e) { m.flag = to_bool(e).value_or(false); }},
  };
  Model m;
  table.apply(obj_of(R"({"data":{"flag":"1","n":"12","other":{},"s":7}})"), m);
  EXPECT_EQ(m.n, 12);
  EXPECT_EQ(m.s, "7");
  EXPECT_TRUE(m.flag);
  Model empty;
  table.apply(obj_of(R"({"data":{"n":null,"s":[]}})"), empty);
  EXPECT_EQ(empty.n, std::nullopt);
  EXPECT_EQ(empty.s, std::nullopt);  // not convertible: as opt_string
  EXPECT_FALSE(empty.flag);
}

TEST(JsonKeyIndex, FindsEveryKeyAtItsPositionAndNothingElse) {
  // Keys that share prefixes, suffixes and lengths (the blockstat fields are like this), keys
  // of 0 to 40 bytes, a repeated key (its first position counts), and up to 64 keys.
  std::vector<std::string> owned = {"",
                                    "a",
                                    "ab",
                                    "failed_rd_operations",
                                    "failed_wr_operations",
                                    "invalid_flush_operations",
                                    "invalid_unmap_operations",
                                    "rd_total_time_ns",
                                    "wr_total_time_ns",
                                    "unmap_bytes",
                                    "unmap_merged",
                                    "pressurememorysome",
                                    "pressurememoryfull",
                                    "a_very_long_key_of_forty_bytes_exactly_x",
                                    "a_very_long_key_of_forty_bytes_exactly_y",
                                    "unmap_bytes"};
  for (int i = 0; owned.size() < 64; ++i) owned.push_back("k" + std::to_string(i * 7919));
  std::vector<std::string_view> keys(owned.begin(), owned.end());
  // Hashed, and with no multiplier tried (the binary-search fallback): the same answers.
  for (int attempts : {4096, 0}) {
    KeyIndex index(keys, attempts);
    ASSERT_EQ(index.size(), 64u);
    for (size_t i = 0; i < keys.size(); ++i) {
      const int expected = keys[i] == "unmap_bytes" ? 9 : static_cast<int>(i);
      EXPECT_EQ(index.find(keys[i]), expected) << keys[i] << " " << attempts;
      EXPECT_EQ(index.key(i), keys[i]);
    }
    for (std::string_view other :
         {"b", "failed_xx_operations", "unmap_byte", "unmap_bytess", "k1", "pressurememorysomf",
          "a_very_long_key_of_forty_bytes_exactly_z"})
      EXPECT_EQ(index.find(other), -1) << other << " " << attempts;
  }
  KeyIndex index(keys);
  for (std::string_view other : {"b", "failed_xx_operations", "unmap_byte", "unmap_bytess", "k1",
                                 "pressurememorysomf", "a_very_long_key_of_forty_bytes_exactly_z"})
    EXPECT_EQ(index.find(other), -1) << other;
  // More than 64 keys: the first 64 are indexed.
  owned.push_back("beyond");
  keys.assign(owned.begin(), owned.end());
  EXPECT_EQ(KeyIndex(keys).find("beyond"), -1);
  EXPECT_EQ(KeyIndex(keys).find("ab"), 2);
}

}  // namespace
}  // namespace pvex::pve::json
