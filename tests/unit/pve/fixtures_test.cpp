// The fixture scenarios are coherent: every guest of /cluster/resources on an online node is in
// that node's qemu?full=1 or lxc list (same name) and vice versa, and netstat only names
// running guests of that node. Collectors' golden tests rely on it.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "pve/cluster.hpp"
#include "pve/guests.hpp"
#include "pve/netstat.hpp"
#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using testing::read_fixture;

class FixtureScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureScenario, GuestListsMatchClusterResources) {
  const std::string scenario = GetParam();
  Result<ClusterStatus> status = parse_cluster_status(read_fixture(scenario, "/cluster/status"));
  Result<Resources> res = parse_cluster_resources(read_fixture(scenario, "/cluster/resources"));
  ASSERT_TRUE(status.has_value() && res.has_value());
  size_t checked = 0;
  for (const ClusterMember& m : status->members) {
    if (!m.online) continue;
    Result<std::vector<QemuStatus>> qemu =
        parse_qemu_list(read_fixture(scenario, "/nodes/" + m.name + "/qemu?full=1"));
    Result<std::vector<LxcStatus>> lxc =
        parse_lxc_list(read_fixture(scenario, "/nodes/" + m.name + "/lxc"));
    Result<std::vector<NetstatEntry>> net =
        parse_netstat(read_fixture(scenario, "/nodes/" + m.name + "/netstat"));
    ASSERT_TRUE(qemu.has_value() && lxc.has_value() && net.has_value()) << m.name;
    std::set<std::pair<int64_t, std::string>> from_resources, from_lists;
    std::set<int64_t> running;
    for (const GuestResource& g : res->guests)
      if (g.node == m.name) from_resources.insert({g.vmid, g.name.value_or("")});
    for (const QemuStatus& q : *qemu) {
      from_lists.insert({q.vmid, q.name.value_or("")});
      if (q.status == "running") running.insert(q.vmid);
    }
    for (const LxcStatus& c : *lxc) {
      from_lists.insert({c.vmid, c.name.value_or("")});
      if (c.status == "running") running.insert(c.vmid);
    }
    EXPECT_EQ(from_resources, from_lists) << scenario << " " << m.name;
    for (const NetstatEntry& n : *net) EXPECT_TRUE(running.count(n.vmid)) << n.vmid;
    checked += from_lists.size();
  }
  EXPECT_EQ(checked, 6u);  // 7 guests, one on the offline node
}

INSTANTIATE_TEST_SUITE_P(Pve, FixtureScenario,
                         ::testing::Values("pve9-three-nodes", "pve8-three-nodes"));

}  // namespace
}  // namespace pvex::pve
