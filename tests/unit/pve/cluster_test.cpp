// Tests of the /cluster/status and /cluster/resources parsers.
#include "pve/cluster.hpp"

#include <gtest/gtest.h>

#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using testing::read_fixture;

TEST(ParseClusterStatus, Pve9Fixture) {
  Result<ClusterStatus> s =
      parse_cluster_status(read_fixture("pve9-three-nodes", "/cluster/status"));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_TRUE(s->cluster.has_value());
  EXPECT_EQ(*s->cluster, (ClusterInfo{"prod", 3, 5, true}));
  ASSERT_EQ(s->members.size(), 3u);
  EXPECT_EQ(s->members[0], (ClusterMember{"pve1", 1, "192.168.10.11", true, true, "c"}));
  EXPECT_EQ(s->members[2], (ClusterMember{"pve3", 3, "192.168.10.13", false, false, ""}));
}

TEST(ParseClusterStatus, StandaloneNodeHasNoClusterEntry) {
  Result<ClusterStatus> s = parse_cluster_status(
      R"({"data":[{"type":"node","id":"node/pve","name":"pve","nodeid":0,"local":1,"online":1,"level":""}]})");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->cluster.has_value());
  ASSERT_EQ(s->members.size(), 1u);
  EXPECT_EQ(s->members[0].ip, std::nullopt);
  EXPECT_TRUE(s->members[0].online);
}

TEST(ParseClusterStatus, BooleansAsStringsAndMissingName) {
  Result<ClusterStatus> s =
      parse_cluster_status(R"({"data":[{"type":"cluster","name":"c","quorate":"1"}]})");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->cluster->quorate);
  EXPECT_EQ(s->cluster->nodes, std::nullopt);
  Result<ClusterStatus> bad = parse_cluster_status(R"({"data":[{"type":"node","online":1}]})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "/cluster/status[0]: missing field 'name'");
}

TEST(ParseClusterStatus, NotAnArray) {
  Result<ClusterStatus> s = parse_cluster_status(R"({"data":{"type":"node"}})");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().kind, ErrorKind::parse);
}

TEST(ParseClusterResources, Pve9FixtureSplitsByType) {
  Result<Resources> r =
      parse_cluster_resources(read_fixture("pve9-three-nodes", "/cluster/resources"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->nodes.size(), 3u);
  EXPECT_EQ(r->guests.size(), 7u);
  EXPECT_EQ(r->storages.size(), 7u);
  ASSERT_EQ(r->pools.size(), 1u);
  EXPECT_EQ(r->pools[0].pool, "production");
  EXPECT_EQ(r->pools[0].maxcpu, 6.0);

  const GuestResource& web = r->guests[0];
  EXPECT_EQ(web.type, GuestType::qemu);
  EXPECT_EQ(web.vmid, 100);
  EXPECT_EQ(web.node, "pve1");
  EXPECT_EQ(web.name, "web01");
  EXPECT_EQ(web.status, "running");
  EXPECT_EQ(web.is_template, false);
  EXPECT_EQ(web.cpu_ratio, 0.0421);
  EXPECT_EQ(web.mem_bytes, 2952790016u);
  EXPECT_EQ(web.memhost_bytes, 3221225472u);
  EXPECT_EQ(web.diskread_bytes, 21474836480u);
  EXPECT_EQ(web.pool, "production");
  EXPECT_EQ(web.tags, "prod;web");
  EXPECT_EQ(web.hastate, "started");
  EXPECT_EQ(web.lock, std::nullopt);

  const GuestResource& tmpl = r->guests[2];
  EXPECT_EQ(tmpl.is_template, true);
  EXPECT_EQ(tmpl.status, "stopped");

  const GuestResource& db = r->guests[3];
  EXPECT_EQ(db.lock, "backup");
  EXPECT_EQ(r->guests[4].type, GuestType::lxc);
  EXPECT_EQ(r->guests[4].maxcpu, 1.5);
  EXPECT_EQ(r->guests[5].status, "paused");

  const GuestResource& unknown = r->guests[6];
  EXPECT_EQ(unknown.vmid, 200);
  EXPECT_EQ(unknown.status, "unknown");
  EXPECT_EQ(unknown.name, std::nullopt);
  EXPECT_EQ(unknown.cpu_ratio, std::nullopt);

  EXPECT_EQ(r->nodes[0],
            (NodeResource{"pve1", "online", 864000, 0.0734, 16, 25342337024, 67285377024,
                          24372563968, 100861726720, "c", 2, std::nullopt, "online"}));
  EXPECT_EQ(r->nodes[2].status, "offline");
  EXPECT_EQ(r->nodes[2].uptime_seconds, std::nullopt);

  EXPECT_EQ(r->storages[1], (StorageResource{"local-zfs", "pve1", "zfspool", "available", false,
                                             "images,rootdir", 274877906944, 1924145348608}));
  EXPECT_EQ(r->storages[2].shared, true);
  EXPECT_EQ(r->storages[2].disk_bytes, std::nullopt);
}

TEST(ParseClusterResources, Pve8HasNoMemhostAndSkipsSdn) {
  Result<Resources> r =
      parse_cluster_resources(read_fixture("pve8-three-nodes", "/cluster/resources"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->guests[0].memhost_bytes, std::nullopt);
  EXPECT_EQ(r->guests.size(), 7u);
}

TEST(ParseClusterResources, EmptyList) {
  Result<Resources> r = parse_cluster_resources(R"({"data":[]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, Resources{});
}

TEST(ParseClusterResources, VmidAsStringIsTolerated) {
  Result<Resources> r = parse_cluster_resources(
      R"({"data":[{"type":"lxc","id":"lxc/7","vmid":"7","node":"n","status":"running","cpu":"0.5","template":"0"}]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->guests[0].vmid, 7);
  EXPECT_EQ(r->guests[0].cpu_ratio, 0.5);
  EXPECT_EQ(r->guests[0].is_template, false);
}

TEST(ParseClusterResources, MissingOrWrongFieldsNameTheEntry) {
  Result<Resources> no_type = parse_cluster_resources(R"({"data":[{"id":"x"}]})");
  ASSERT_FALSE(no_type.has_value());
  EXPECT_EQ(no_type.error().message, "/cluster/resources[0]: missing field 'type'");
  Result<Resources> bad_vmid = parse_cluster_resources(
      R"({"data":[{"type":"pool","pool":"p"},{"type":"qemu","vmid":{},"node":"n"}]})");
  ASSERT_FALSE(bad_vmid.has_value());
  EXPECT_EQ(bad_vmid.error().message,
            "/cluster/resources[1]: field 'vmid' has type object, expected an integer");
}

TEST(ParseClusterResources, WrongTypedStatisticIsAbsent) {
  Result<Resources> r = parse_cluster_resources(
      R"({"data":[{"type":"node","node":"n","status":"online","cpu":[1],"mem":"lots"}]})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->nodes[0].cpu_ratio, std::nullopt);
  EXPECT_EQ(r->nodes[0].mem_bytes, std::nullopt);
}

TEST(ParseClusterResources, TruncatedAndNotAnObject) {
  std::string body = read_fixture("pve9-three-nodes", "/cluster/resources");
  Result<Resources> r = parse_cluster_resources(std::string_view(body).substr(0, body.size() / 2));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_EQ(parse_cluster_resources("\"data\"").error().kind, ErrorKind::parse);
}

TEST(ParseClusterResourcesOnDemand, SameModelAsTheDomParse) {
  for (const char* scenario : {"pve8-three-nodes", "pve9-three-nodes"}) {
    const std::string body = read_fixture(scenario, "/cluster/resources");
    Result<Resources> fast = parse_cluster_resources(body);
    Result<Resources> dom = parse_cluster_resources_dom(body);
    ASSERT_TRUE(fast.has_value() && dom.has_value()) << scenario;
    ASSERT_FALSE(fast->guests.empty());
    EXPECT_EQ(*fast, *dom) << scenario;
  }
  // The tolerant conversions both paths share, and the members the On-Demand path reads itself:
  // escaped strings, duplicates (the first counts, a null one too), nested values, other
  // envelope members, entries of unknown types.
  const char* body = R"({"x":{"data":1},"data":[
      {"type":"qemu","vmid":"7","node":"n","name":"caf\u00e9 \"q\"","cpu":"0.25 ",
       "template":"1","mem":1.9e3,"maxmem":18446744073709551615,"tags":5,"lock":null,
       "lock":"backup","pool":true,"netin":-1,"disk":[1],"hastate":{"a":1},"uptime":true},
      {"type":"lxc","vmid":8.7,"node":"n","status":null,"status":"running","maxcpu":2},
      {"type":"node","node":"n","status":"online","cgroup-mode":"2","level":"","cpu":0},
      {"type":"storage","storage":"s","node":"n","shared":"1","disk":"12","content":"images"},
      {"type":"pool","pool":"p","cpu":1e-3},
      {"type":"sdn","sdn":"z"},
      {"type":"network","id":"x","nested":{"deep":[{"type":"qemu"}]}}]})";
  Result<Resources> fast = parse_cluster_resources(body);
  Result<Resources> dom = parse_cluster_resources_dom(body);
  ASSERT_TRUE(fast.has_value()) << fast.error().message;
  ASSERT_TRUE(dom.has_value()) << dom.error().message;
  EXPECT_EQ(*fast, *dom);
  ASSERT_EQ(fast->guests.size(), 2u);
  const GuestResource& q = fast->guests[0];
  EXPECT_EQ(q.vmid, 7);
  EXPECT_EQ(q.name, "caf\u00e9 \"q\"");
  EXPECT_EQ(q.cpu_ratio, 0.25);
  EXPECT_EQ(q.is_template, true);
  EXPECT_EQ(q.mem_bytes, 1900u);
  EXPECT_EQ(q.maxmem_bytes, 18446744073709551615u);
  EXPECT_EQ(q.tags, "5");
  EXPECT_EQ(q.lock, std::nullopt);  // the first 'lock' is null
  EXPECT_EQ(q.pool, std::nullopt);
  EXPECT_EQ(q.netin_bytes, std::nullopt);
  EXPECT_EQ(q.disk_bytes, std::nullopt);
  EXPECT_EQ(q.hastate, std::nullopt);
  EXPECT_EQ(q.uptime_seconds, 1u);
  EXPECT_EQ(fast->guests[1].vmid, 8);
  EXPECT_EQ(fast->guests[1].status, "unknown");  // the first 'status' is null
  EXPECT_EQ(fast->nodes[0].cgroup_mode, 2);
  EXPECT_TRUE(fast->storages[0].shared);
  EXPECT_EQ(fast->storages[0].disk_bytes, 12u);
  EXPECT_EQ(fast->pools[0].cpu_ratio, 0.001);
}

TEST(ParseClusterResourcesOnDemand, ErrorsAreTheDomParses) {
  for (const char* body : {
           R"({"data":[{"id":"x"}]})",
           R"({"data":[{"type":"pool","pool":"p"},{"type":"qemu","vmid":{},"node":"n"}]})",
           R"({"data":[{"type":"qemu","vmid":1}]})",
           R"({"data":[{"type":"storage","node":"n"}]})",
           R"({"data":[{"type":"node","node":null}]})",
           R"({"data":[3]})",
           R"({"data":{}})",
           R"({"data":[]} x)",
           R"({"data":[{"type":"qemu","vmid":1,"node":"n"})",
           R"({"dat":[]})",
           R"([])",
       }) {
    Result<Resources> fast = parse_cluster_resources(body);
    Result<Resources> dom = parse_cluster_resources_dom(body);
    ASSERT_FALSE(fast.has_value()) << body;
    ASSERT_FALSE(dom.has_value()) << body;
    EXPECT_EQ(fast.error().kind, ErrorKind::parse) << body;
    EXPECT_EQ(fast.error().message, dom.error().message) << body;
  }
  // An escaped key leaves the On-Demand path; the DOM reads it.
  Result<Resources> escaped =
      parse_cluster_resources(R"({"data":[{"typ\u0065":"qemu","vmid":1,"node":"n"}]})");
  ASSERT_TRUE(escaped.has_value());
  EXPECT_EQ(escaped->guests.size(), 1u);
}

TEST(SplitTags, AcceptsEverySeparator) {
  EXPECT_EQ(split_tags("prod;web"), (std::vector<std::string>{"prod", "web"}));
  EXPECT_EQ(split_tags(" a, b;;c d "), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(split_tags("").empty());
}

}  // namespace
}  // namespace pvex::pve
