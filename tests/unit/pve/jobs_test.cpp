// Tests of the replication, backup and task parsers.
#include <gtest/gtest.h>

#include "pve/backup.hpp"
#include "pve/replication.hpp"
#include "pve/tasks.hpp"
#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using testing::read_fixture;

TEST(ParseReplicationJobs, NodeStateFixture) {
  Result<std::vector<ReplicationJob>> r =
      parse_replication_jobs(read_fixture("pve9-three-nodes", "/nodes/pve1/replication"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const ReplicationJob& j = (*r)[0];
  EXPECT_EQ(j.id, "100-0");
  EXPECT_EQ(j.guest, 100);
  EXPECT_EQ(j.target, "pve2");
  EXPECT_EQ(j.last_sync_seconds, 1755594000);
  EXPECT_EQ(j.fail_count, 6);
  EXPECT_EQ(j.duration_seconds, 3.412417);
  EXPECT_EQ(j.error, "command 'zfs recv -F -- rpool/data/vm-100-disk-0' failed: exit code 1\n");
  EXPECT_FALSE(j.disabled);
}

TEST(ParseReplicationJobs, ClusterConfigAndEdgeCases) {
  Result<std::vector<ReplicationJob>> r =
      parse_replication_jobs(read_fixture("pve9-three-nodes", "/cluster/replication"));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE((*r)[1].disabled);
  EXPECT_EQ((*r)[1].rate_mbps, 50.0);
  EXPECT_EQ((*r)[1].last_sync_seconds, std::nullopt);
  EXPECT_EQ(parse_replication_jobs(R"({"data":[{"id":"105-2"}]})")->at(0).guest, 105);
  EXPECT_EQ(parse_replication_jobs(R"({"data":[{"guest":1}]})").error().message,
            "/nodes/{node}/replication[0]: missing field 'id'");
  EXPECT_TRUE(parse_replication_jobs(R"({"data":[]})")->empty());
  Result<ReplicationJob> one =
      parse_replication_status(R"({"data":{"id":"100-0","guest":"100","fail_count":"2"}})");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->guest, 100);
  EXPECT_EQ(one->fail_count, 2);
  EXPECT_EQ(parse_replication_status(R"({"data":[]})").error().kind, ErrorKind::parse);
}

TEST(ParseBackupJobs, Fixture) {
  Result<std::vector<BackupJob>> b =
      parse_backup_jobs(read_fixture("pve9-three-nodes", "/cluster/backup"));
  ASSERT_TRUE(b.has_value()) << b.error().message;
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].id, "backup-5c1e9a2f-7b3d");
  EXPECT_TRUE((*b)[0].enabled);
  EXPECT_TRUE((*b)[0].all);
  EXPECT_EQ((*b)[0].schedule, "21:00");
  EXPECT_EQ((*b)[0].next_run_seconds, 1755630000);
  EXPECT_EQ((*b)[0].exclude, "102");
  EXPECT_FALSE((*b)[1].enabled);
  EXPECT_EQ((*b)[1].vmid, "103,105");
  EXPECT_EQ(parse_backup_jobs(R"({"data":[{"id":"b"}]})")->at(0).enabled, true);  // default
  EXPECT_EQ(parse_backup_jobs(R"({"data":[{"schedule":"daily"}]})").error().message,
            "/cluster/backup[0]: missing field 'id'");
}

TEST(ParseNotBackedUp, FixtureAndEdgeCases) {
  Result<std::vector<NotBackedUpGuest>> n =
      parse_not_backed_up(read_fixture("pve9-three-nodes", "/cluster/backup-info/not-backed-up"));
  ASSERT_TRUE(n.has_value());
  ASSERT_EQ(n->size(), 1u);
  EXPECT_EQ((*n)[0], (NotBackedUpGuest{102, "qemu", "tmpl-debian"}));
  EXPECT_TRUE(parse_not_backed_up(R"({"data":[]})")->empty());
  EXPECT_EQ(parse_not_backed_up(R"({"data":[{"vmid":true}]})")->at(0).vmid, 1);
  EXPECT_EQ(parse_not_backed_up(R"({"data":[{"vmid":"x"}]})").error().kind, ErrorKind::parse);
}

TEST(ParseTasks, FixtureWithTotal) {
  Result<TaskList> t = parse_tasks(read_fixture("pve9-three-nodes", "/nodes/pve1/tasks"));
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->total, 3);
  ASSERT_EQ(t->tasks.size(), 3u);
  const Task& ok = t->tasks[0];
  EXPECT_EQ(ok.type, "vzdump");
  EXPECT_EQ(ok.id, "");
  EXPECT_EQ(ok.start_time_seconds, 1755562768);
  EXPECT_EQ(ok.end_time_seconds, 1755563412);
  EXPECT_TRUE(ok.succeeded());
  const Task& failed = t->tasks[1];
  EXPECT_EQ(failed.id, "101");
  EXPECT_EQ(failed.tokenid, "exporter");
  EXPECT_FALSE(failed.succeeded());
  EXPECT_TRUE(t->tasks[2].succeeded());  // WARNINGS: 1
}

TEST(ParseTasks, EdgeCases) {
  Result<TaskList> t = parse_tasks(R"({"data":[{"upid":"U","id":101,"status":"OK"}]})");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->total, std::nullopt);
  EXPECT_EQ(t->tasks[0].id, "101");
  EXPECT_FALSE(t->tasks[0].succeeded());  // no endtime: still running
  EXPECT_EQ(parse_tasks(R"({"data":[{"id":"1"}]})").error().message,
            "/nodes/{node}/tasks[0]: missing field 'upid'");
  EXPECT_EQ(parse_tasks(R"({"total":1})").error().kind, ErrorKind::parse);
  EXPECT_EQ(parse_tasks(R"({"data":[],"total":0})")->tasks.size(), 0u);
}

}  // namespace
}  // namespace pvex::pve
