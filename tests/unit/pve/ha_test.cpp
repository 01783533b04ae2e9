// Tests of the HA status and resources parsers.
#include "pve/ha.hpp"

#include <gtest/gtest.h>

#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using testing::read_fixture;

TEST(ParseHaStatus, Pve9Fixture) {
  Result<std::vector<HaStatusEntry>> s =
      parse_ha_status(read_fixture("pve9-three-nodes", "/cluster/ha/status/current"));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_EQ(s->size(), 8u);
  EXPECT_EQ((*s)[0].type, "quorum");
  EXPECT_EQ((*s)[0].quorate, true);
  EXPECT_EQ((*s)[1].timestamp_seconds, 1755599998);
  EXPECT_EQ((*s)[2].armed_state, "armed");
  EXPECT_EQ((*s)[5].id, "lrm:pve3");
  const HaStatusEntry& svc = (*s)[6];
  EXPECT_EQ(svc.sid, "vm:100");
  EXPECT_EQ(svc.crm_state, "started");
  EXPECT_EQ(svc.state, "started");
  EXPECT_EQ(svc.request_state, "started");
  EXPECT_EQ(svc.max_restart, 1);
  EXPECT_EQ(svc.failback, true);
  EXPECT_EQ(svc.group, std::nullopt);
}

TEST(ParseHaStatus, Pve8HasGroupsAndNoFencing) {
  Result<std::vector<HaStatusEntry>> s =
      parse_ha_status(read_fixture("pve8-three-nodes", "/cluster/ha/status/current"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->size(), 7u);
  EXPECT_EQ((*s)[5].group, "prefer-pve1");
}

TEST(ParseHaStatus, EdgeCases) {
  EXPECT_TRUE(parse_ha_status(R"({"data":[]})")->empty());
  EXPECT_EQ(parse_ha_status(R"({"data":[{"id":"quorum"}]})").error().message,
            "/cluster/ha/status/current[0]: missing field 'type'");
  EXPECT_EQ(
      parse_ha_status(R"({"data":[{"id":"quorum","type":"quorum","quorate":"0"}]})")->at(0).quorate,
      false);
  EXPECT_EQ(parse_ha_status(R"([)").error().kind, ErrorKind::parse);
}

TEST(ParseHaResources, DefaultsStayAbsent) {
  Result<std::vector<HaResource>> r =
      parse_ha_resources(read_fixture("pve9-three-nodes", "/cluster/ha/resources"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].state, "started");
  EXPECT_EQ((*r)[0].max_restart, 1);
  EXPECT_EQ((*r)[1].sid, "vm:105");
  EXPECT_EQ((*r)[1].max_restart, std::nullopt);
  EXPECT_EQ((*r)[1].failback, std::nullopt);
  Result<std::vector<HaResource>> typeless = parse_ha_resources(R"({"data":[{"sid":"ct:9"}]})");
  EXPECT_EQ(typeless->at(0).type, "ct");
  EXPECT_EQ(parse_ha_resources(R"({"data":[{"type":"vm"}]})").error().message,
            "/cluster/ha/resources[0]: missing field 'sid'");
}

}  // namespace
}  // namespace pvex::pve
