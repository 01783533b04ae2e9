// Tests of the version, certificates, subscription, qdevice and disks/list parsers.
#include <gtest/gtest.h>

#include "pve/certificates.hpp"
#include "pve/disks_list.hpp"
#include "pve/qdevice.hpp"
#include "pve/subscription.hpp"
#include "pve/version.hpp"
#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using testing::read_fixture;

TEST(ParseVersion, FixturesAndEdgeCases) {
  EXPECT_EQ(*parse_version(read_fixture("pve9-three-nodes", "/version")),
            (Version{"9.0.3", "9.0", "025864202ebb6109", std::nullopt}));
  EXPECT_EQ(parse_version(read_fixture("pve8-three-nodes", "/version"))->release, "8.4");
  EXPECT_EQ(parse_version(R"({"data":{"version":"8.2.4"}})")->release, "8.2");
  EXPECT_EQ(parse_version(R"({"data":{"release":"8.2"}})").error().message,
            "/version: missing field 'version'");
  EXPECT_EQ(parse_version(R"({"data":"9"})").error().kind, ErrorKind::parse);
  EXPECT_EQ(parse_version(R"({"data":{"version":"9.0.3")").error().kind, ErrorKind::parse);
}

TEST(ParseCertificates, Fixture) {
  Result<std::vector<Certificate>> c =
      parse_certificates(read_fixture("pve9-three-nodes", "/nodes/pve2/certificates/info"));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].filename, "pve-root-ca.pem");
  EXPECT_EQ((*c)[0].not_after_seconds, 2015360000);
  EXPECT_TRUE((*c)[0].san.empty());
  EXPECT_EQ((*c)[1].not_after_seconds, 1763074010);
  EXPECT_EQ((*c)[1].san.size(), 6u);
  EXPECT_EQ((*c)[1].san[4], "pve2");
  EXPECT_EQ((*c)[1].public_key_bits, 2048);
}

TEST(ParseCertificates, EdgeCases) {
  EXPECT_TRUE(parse_certificates(R"({"data":[]})")->empty());
  EXPECT_EQ(parse_certificates(R"({"data":[{"notafter":1}]})").error().message,
            "/nodes/{node}/certificates/info[0]: missing field 'filename'");
  Result<std::vector<Certificate>> c =
      parse_certificates(R"({"data":[{"filename":"a","notafter":"17","san":"x"}]})");
  EXPECT_EQ(c->at(0).not_after_seconds, 17);
  EXPECT_TRUE(c->at(0).san.empty());
}

TEST(ParseSubscription, ActiveAndNotFound) {
  Result<Subscription> a =
      parse_subscription(read_fixture("pve9-three-nodes", "/nodes/pve1/subscription"));
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->status, "active");
  EXPECT_EQ(a->level, "c");
  EXPECT_EQ(a->nextduedate, "2026-01-15");
  EXPECT_EQ(a->checktime_seconds, 1755560000);
  EXPECT_EQ(a->sockets, 1);
  Result<Subscription> n =
      parse_subscription(read_fixture("pve9-three-nodes", "/nodes/pve2/subscription"));
  EXPECT_EQ(n->status, "notfound");
  EXPECT_EQ(n->message, "There is no subscription key");
  EXPECT_EQ(n->level, std::nullopt);
  EXPECT_EQ(parse_subscription(R"({"data":{"status":"NotFound"}})")->status, "notfound");
  EXPECT_EQ(parse_subscription(R"({"data":{}})").error().message,
            "/nodes/{node}/subscription: missing field 'status'");
}

TEST(ParseQDevice, ConfiguredAndAbsent) {
  Result<QDevice> q = parse_qdevice(read_fixture("pve8-three-nodes", "/cluster/config/qdevice"));
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->is_configured());
  EXPECT_EQ(q->state, "Connected");
  EXPECT_EQ(q->qnetd_host, "192.168.10.50:5403");
  EXPECT_EQ(q->tie_breaker, "Node with lowest node ID");
  Result<QDevice> none = parse_qdevice(read_fixture("pve9-three-nodes", "/cluster/config/qdevice"));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->is_configured());
  EXPECT_EQ(parse_qdevice(R"({"data":[]})").error().kind, ErrorKind::parse);
}

TEST(ParseDisksList, WearoutNumberOrNa) {
  Result<std::vector<Disk>> d =
      parse_disks_list(read_fixture("pve9-three-nodes", "/nodes/pve1/disks/list"));
  ASSERT_TRUE(d.has_value()) << d.error().message;
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].devpath, "/dev/nvme0n1");
  EXPECT_EQ((*d)[0].wearout_percent, 97);
  EXPECT_EQ((*d)[0].rpm, 0);
  EXPECT_EQ((*d)[0].size_bytes, 1920383410176u);
  EXPECT_EQ((*d)[0].osdid, -1);
  EXPECT_EQ((*d)[1].wearout_percent, std::nullopt);
  EXPECT_EQ((*d)[1].rpm, 7200);
  EXPECT_EQ((*d)[1].health, "PASSED");
  EXPECT_EQ(parse_disks_list(R"({"data":[{"size":1}]})").error().message,
            "/nodes/{node}/disks/list[0]: missing field 'devpath'");
  EXPECT_TRUE(parse_disks_list(R"({"data":[]})")->empty());
}

}  // namespace
}  // namespace pvex::pve
