// The compatibility profile over the pve9-three-nodes fixtures: the golden exposition, the
// document's tables walked family by family, partial failures and the render quirks.
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compat/profile.hpp"
#include "compat/render.hpp"
#include "metrics/text_format.hpp"
#include "unit/compat/compat_fetch.hpp"

namespace pvex::compat {
namespace {

using Labels = std::map<std::string, std::string>;

constexpr std::string_view k_scenario = "pve9-three-nodes";
const std::string k_qdevice_body =
    R"x({"data":{"Model":"Net","QNetd host":"192.168.10.50:5403","State":"Connected","Algorithm":"Fifty-Fifty split",)x"
    R"x("Tie-breaker":"Node with lowest node ID","Last poll call":"2025-08-19T12:39:41 (cast vote)","Echo reply":"received"}})x";

/// Sets TZ for one test and restores it (the subscription due date is local midnight).
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) m_old = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (m_old)
      setenv("TZ", m_old->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

 private:
  std::optional<std::string> m_old;
};

struct Outcome {
  metrics::MetricSet set;
  std::vector<std::string> failed;  // collectors that returned an error
  size_t fetches = 0;
};

/// Runs the enabled profile collectors one after the other (deterministic order) on one session.
Outcome collect(pve::FetchFn fetch, bool cluster = true, bool node = true,
                const config::Config& config = {}) {
  Outcome run;
  pve::Session session(std::move(fetch), pve::Clock::now() + std::chrono::seconds(30), 8);
  collectors::Scrape scrape(config, &session, session.deadline());
  for (const collectors::CollectorSpec* spec : enabled_collectors(config, cluster, node)) {
    Result<void> r = spec->collect(scrape, run.set);
    if (!r) run.failed.emplace_back(spec->name);
  }
  run.fetches = session.fetch_count();
  return run;
}

std::string text(const metrics::MetricSet& set) {
  std::string out;
  metrics::write(set, metrics::Format::prometheus_text, out);
  return out;
}

/// The value of the one sample of `name` with exactly these labels; nullopt if absent.
std::optional<double> value(const metrics::MetricSet& set, std::string_view name,
                            const Labels& labels) {
  const metrics::FamilySamples* f = set.find(name);
  if (f == nullptr) return std::nullopt;
  for (size_t i = 0; i < f->values.size(); ++i) {
    auto lv = f->labels_of(i);
    Labels got;
    for (size_t l = 0; l < lv.size(); ++l) got[f->family.labels[l]] = lv[l];
    if (got == labels) return f->values[i];
  }
  return std::nullopt;
}

size_t count(const metrics::MetricSet& set, std::string_view name) {
  const metrics::FamilySamples* f = set.find(name);
  return f == nullptr ? 0 : f->size();
}

TEST(CompatProfile, GoldenExpositionOfThreeNodeCluster) {
  ScopedTz tz("UTC");
  Outcome run = collect(testing::compat_fetch(std::string(k_scenario)));
  EXPECT_TRUE(run.failed.empty()) << run.failed.front();
  EXPECT_TRUE(run.set.problems().empty());
  EXPECT_TRUE(testing::matches_golden("compat_pve9_three_nodes.prom", text(run.set)));
}

TEST(CompatProfile, GoldenWithQDeviceClusterOnly) {
  Outcome run = collect(testing::compat_fetch(std::string(k_scenario), {},
                                              {{"/cluster/config/qdevice", k_qdevice_body}}),
                        true, false);
  EXPECT_TRUE(run.failed.empty());
  EXPECT_TRUE(testing::matches_golden("compat_pve9_cluster_qdevice.prom", text(run.set)));
}

// ---- the document's tables, family by family ---------------------------------------------

struct FamilyRow {
  std::string_view name;
  metrics::Type type;
  std::vector<std::string> labels;
};

// Every series of compat-pve-exporter.md, with its type and label names.
const std::vector<FamilyRow> k_families{
    {"pve_up", metrics::Type::gauge, {"id"}},
    {"pve_version_info", metrics::Type::gauge, {"release", "repoid", "version"}},
    {"pve_node_info", metrics::Type::gauge, {"id", "level", "name", "nodeid"}},
    {"pve_cluster_info", metrics::Type::gauge, {"id", "nodes", "quorate", "version"}},
    {"pve_disk_size_bytes", metrics::Type::gauge, {"id"}},
    {"pve_disk_usage_bytes", metrics::Type::gauge, {"id"}},
    {"pve_memory_size_bytes", metrics::Type::gauge, {"id"}},
    {"pve_memory_usage_bytes", metrics::Type::gauge, {"id"}},
    {"pve_cpu_usage_ratio", metrics::Type::gauge, {"id"}},
    {"pve_cpu_usage_limit", metrics::Type::gauge, {"id"}},
    {"pve_uptime_seconds", metrics::Type::gauge, {"id"}},
    {"pve_storage_shared", metrics::Type::gauge, {"id"}},
    {"pve_network_transmit_bytes_total", metrics::Type::counter, {"id"}},
    {"pve_network_receive_bytes_total", metrics::Type::counter, {"id"}},
    {"pve_disk_written_bytes_total", metrics::Type::counter, {"id"}},
    {"pve_disk_read_bytes_total", metrics::Type::counter, {"id"}},
    {"pve_network_transmit_bytes", metrics::Type::gauge, {"id"}},
    {"pve_network_receive_bytes", metrics::Type::gauge, {"id"}},
    {"pve_disk_write_bytes", metrics::Type::gauge, {"id"}},
    {"pve_disk_read_bytes", metrics::Type::gauge, {"id"}},
    {"pve_ha_state", metrics::Type::gauge, {"id", "state"}},
    {"pve_lock_state", metrics::Type::gauge, {"id", "state"}},
    {"pve_guest_info", metrics::Type::gauge, {"id", "node", "name", "type", "template", "tags"}},
    {"pve_storage_info", metrics::Type::gauge, {"id", "node", "storage", "plugintype", "content"}},
    {"pve_not_backed_up_total", metrics::Type::gauge, {"id"}},
    {"pve_not_backed_up_info", metrics::Type::gauge, {"id"}},
    {"pve_qdevice_up", metrics::Type::gauge, {"id"}},
    {"pve_qdevice_info",
     metrics::Type::gauge,
     {"id", "model", "algorithm", "qnetd_host", "tie_breaker", "state"}},
    {"pve_onboot_status", metrics::Type::gauge, {"id", "node", "type"}},
    {"pve_replication_info", metrics::Type::gauge, {"id", "type", "source", "target", "guest"}},
    {"pve_replication_duration_seconds", metrics::Type::gauge, {"id"}},
    {"pve_replication_last_sync_timestamp_seconds", metrics::Type::gauge, {"id"}},
    {"pve_replication_last_try_timestamp_seconds", metrics::Type::gauge, {"id"}},
    {"pve_replication_next_sync_timestamp_seconds", metrics::Type::gauge, {"id"}},
    {"pve_replication_failed_syncs", metrics::Type::gauge, {"id"}},
    {"pve_subscription_info", metrics::Type::gauge, {"id", "level"}},
    {"pve_subscription_status", metrics::Type::gauge, {"id", "status"}},
    {"pve_subscription_next_due_timestamp_seconds", metrics::Type::gauge, {"id"}},
};

class CompatTables : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ScopedTz tz("UTC");
    s_run = new Outcome(collect(testing::compat_fetch(
        std::string(k_scenario), {}, {{"/cluster/config/qdevice", k_qdevice_body}})));
  }
  static void TearDownTestSuite() {
    delete s_run;
    s_run = nullptr;
  }
  const metrics::MetricSet& set() const { return s_run->set; }
  std::optional<double> v(std::string_view name, const Labels& labels) const {
    return value(set(), name, labels);
  }
  static Outcome* s_run;
};
Outcome* CompatTables::s_run = nullptr;

TEST_F(CompatTables, EveryFamilyHasTheDocumentedTypeAndLabels) {
  for (const FamilyRow& row : k_families) {
    const metrics::FamilySamples* f = set().find(row.name);
    ASSERT_NE(f, nullptr) << row.name;
    EXPECT_EQ(f->family.type, row.type) << row.name;
    EXPECT_EQ(f->family.labels, row.labels) << row.name;
    EXPECT_GT(f->size(), 0u) << row.name;
  }
  // ... and nothing else: every family produced is one of the document's.
  for (const auto& f : set().families()) {
    if (f->size() == 0) continue;
    EXPECT_TRUE(std::any_of(k_families.begin(), k_families.end(), [&](const FamilyRow& r) {
      return r.name == f->family.name;
    })) << f->family.name;
  }
  EXPECT_TRUE(s_run->failed.empty());
}

TEST_F(CompatTables, StatusFamily) {
  EXPECT_EQ(v("pve_up", {{"id", "cluster/prod"}}), 1);
  EXPECT_EQ(v("pve_up", {{"id", "node/pve1"}}), 1);
  EXPECT_EQ(v("pve_up", {{"id", "node/pve3"}}), 0);  // offline
  EXPECT_EQ(v("pve_up", {{"id", "qemu/100"}}), 1);
  EXPECT_EQ(v("pve_up", {{"id", "qemu/105"}}), 0);  // paused is not running
  EXPECT_EQ(v("pve_up", {{"id", "qemu/200"}}), 0);  // unknown
  EXPECT_EQ(v("pve_up", {{"id", "lxc/101"}}), 1);
  EXPECT_EQ(v("pve_up", {{"id", "storage/pve1/local"}}), 1);
  EXPECT_EQ(v("pve_up", {{"id", "storage/pve1/nas-backup"}}), 0);
  // 1 cluster + 3 nodes + 7 guests + 7 storages; no pool, no network entries.
  EXPECT_EQ(count(set(), "pve_up"), 18u);
}

TEST_F(CompatTables, VersionNodeAndClusterInfo) {
  EXPECT_EQ(v("pve_version_info",
              {{"release", "9.0"}, {"repoid", "025864202ebb6109"}, {"version", "9.0.3"}}),
            1);
  EXPECT_EQ(
      v("pve_node_info", {{"id", "node/pve1"}, {"level", "c"}, {"name", "pve1"}, {"nodeid", "1"}}),
      1);
  EXPECT_EQ(
      v("pve_node_info", {{"id", "node/pve3"}, {"level", ""}, {"name", "pve3"}, {"nodeid", "3"}}),
      1);
  EXPECT_EQ(count(set(), "pve_node_info"), 3u);
  EXPECT_EQ(v("pve_cluster_info",
              {{"id", "cluster/prod"}, {"nodes", "3"}, {"quorate", "1"}, {"version", "5"}}),
            1);
}

TEST_F(CompatTables, ResourceGauges) {
  EXPECT_EQ(v("pve_disk_size_bytes", {{"id", "node/pve1"}}), 100861726720.0);
  EXPECT_EQ(v("pve_disk_size_bytes", {{"id", "storage/pve1/nas-backup"}}),
            std::nullopt);                                        // unavailable
  EXPECT_EQ(v("pve_disk_usage_bytes", {{"id", "qemu/100"}}), 0);  // QEMU: always 0
  EXPECT_EQ(v("pve_disk_usage_bytes", {{"id", "lxc/101"}}), 1288490188.0);
  EXPECT_EQ(v("pve_memory_size_bytes", {{"id", "lxc/101"}}), 2147483648.0);
  EXPECT_EQ(v("pve_memory_usage_bytes", {{"id", "/pool/production"}}), 3221225472.0);  // pools too
  EXPECT_EQ(v("pve_cpu_usage_ratio", {{"id", "qemu/103"}}), 0.3512);
  EXPECT_EQ(v("pve_cpu_usage_limit", {{"id", "lxc/104"}}), 1.5);
  EXPECT_EQ(v("pve_uptime_seconds", {{"id", "node/pve2"}}), 431000);
  EXPECT_EQ(v("pve_uptime_seconds", {{"id", "node/pve3"}}),
            std::nullopt);  // offline: no statistics
  EXPECT_EQ(v("pve_uptime_seconds", {{"id", "qemu/200"}}), std::nullopt);
  EXPECT_EQ(v("pve_storage_shared", {{"id", "storage/pve1/nas-backup"}}), 1);
  EXPECT_EQ(v("pve_storage_shared", {{"id", "storage/pve1/local"}}), 0);
  EXPECT_EQ(count(set(), "pve_storage_shared"), 7u);
}

TEST_F(CompatTables, CountersAndTheirDeprecatedGaugeTwins) {
  const Labels id{{"id", "qemu/100"}};
  EXPECT_EQ(v("pve_network_transmit_bytes_total", id), 1022334455.0);
  EXPECT_EQ(v("pve_network_transmit_bytes", id), 1022334455.0);
  EXPECT_EQ(v("pve_network_receive_bytes_total", id), 4811223344.0);
  EXPECT_EQ(v("pve_network_receive_bytes", id), 4811223344.0);
  EXPECT_EQ(v("pve_disk_written_bytes_total", id), 10737418240.0);
  EXPECT_EQ(v("pve_disk_write_bytes", id), 10737418240.0);
  EXPECT_EQ(v("pve_disk_read_bytes_total", id), 21474836480.0);
  EXPECT_EQ(v("pve_disk_read_bytes", id), 21474836480.0);
  for (std::string_view name : {"pve_network_transmit_bytes_total", "pve_network_transmit_bytes",
                                "pve_disk_read_bytes_total", "pve_disk_read_bytes"})
    EXPECT_EQ(count(set(), name), 6u) << name;  // guests with statistics (not qemu/200)
}

TEST_F(CompatTables, HaAndLockStateForEveryGuestAndNode) {
  EXPECT_EQ(count(set(), "pve_ha_state"), 7u * 11 + 3u * 5);
  EXPECT_EQ(count(set(), "pve_lock_state"), 7u * 9);
  EXPECT_EQ(v("pve_ha_state", {{"id", "qemu/100"}, {"state", "started"}}), 1);
  EXPECT_EQ(v("pve_ha_state", {{"id", "qemu/100"}, {"state", "stopped"}}), 0);
  EXPECT_EQ(v("pve_ha_state", {{"id", "qemu/105"}, {"state", "stopped"}}), 1);
  EXPECT_EQ(v("pve_ha_state", {{"id", "lxc/101"}, {"state", "request_start_balance"}}),
            0);  // not HA: all 0
  EXPECT_EQ(v("pve_ha_state", {{"id", "node/pve1"}, {"state", "online"}}), 1);
  EXPECT_EQ(v("pve_ha_state", {{"id", "node/pve3"}, {"state", "unknown"}}), 1);
  EXPECT_EQ(v("pve_ha_state", {{"id", "node/pve3"}, {"state", "gone"}}), 0);
  EXPECT_EQ(v("pve_lock_state", {{"id", "qemu/103"}, {"state", "backup"}}), 1);
  EXPECT_EQ(v("pve_lock_state", {{"id", "qemu/200"}, {"state", "migrate"}}), 1);
  EXPECT_EQ(v("pve_lock_state", {{"id", "qemu/200"}, {"state", "snapshot-delete"}}), 0);
  EXPECT_EQ(v("pve_lock_state", {{"id", "qemu/100"}, {"state", "suspending"}}), 0);
}

TEST_F(CompatTables, GuestAndStorageInfo) {
  EXPECT_EQ(v("pve_guest_info", {{"id", "qemu/100"},
                                 {"node", "pve1"},
                                 {"name", "web01"},
                                 {"type", "qemu"},
                                 {"template", "0"},
                                 {"tags", "prod;web"}}),
            1);
  EXPECT_EQ(v("pve_guest_info", {{"id", "qemu/102"},
                                 {"node", "pve1"},
                                 {"name", "tmpl-debian"},
                                 {"type", "qemu"},
                                 {"template", "1"},
                                 {"tags", ""}}),
            1);
  // No RRD data: missing fields are empty strings.
  EXPECT_EQ(v("pve_guest_info", {{"id", "qemu/200"},
                                 {"node", "pve3"},
                                 {"name", ""},
                                 {"type", "qemu"},
                                 {"template", ""},
                                 {"tags", ""}}),
            1);
  EXPECT_EQ(count(set(), "pve_guest_info"), 7u);
  // PVE's content order is random; sorted it does not churn.
  EXPECT_EQ(v("pve_storage_info", {{"id", "storage/pve1/local"},
                                   {"node", "pve1"},
                                   {"storage", "local"},
                                   {"plugintype", "dir"},
                                   {"content", "backup,iso,vztmpl"}}),
            1);
  EXPECT_EQ(v("pve_storage_info", {{"id", "storage/pve2/local-lvm"},
                                   {"node", "pve2"},
                                   {"storage", "local-lvm"},
                                   {"plugintype", "lvmthin"},
                                   {"content", "images,rootdir"}}),
            1);
}

TEST_F(CompatTables, BackupInfoAndQDevice) {
  EXPECT_EQ(v("pve_not_backed_up_total", {{"id", "cluster/prod"}}), 1);
  EXPECT_EQ(v("pve_not_backed_up_info", {{"id", "qemu/102"}}), 1);
  EXPECT_EQ(v("pve_qdevice_up", {{"id", "cluster/prod"}}), 1);
  EXPECT_EQ(v("pve_qdevice_info", {{"id", "cluster/prod"},
                                   {"model", "Net"},
                                   {"algorithm", "Fifty-Fifty split"},
                                   {"qnetd_host", "192.168.10.50:5403"},
                                   {"tie_breaker", "Node with lowest node ID"},
                                   {"state", "Connected"}}),
            1);
}

TEST_F(CompatTables, NodeCollectorsActOnTheAnsweringNode) {
  EXPECT_EQ(v("pve_onboot_status", {{"id", "qemu/100"}, {"node", "pve1"}, {"type", "qemu"}}), 1);
  EXPECT_EQ(v("pve_onboot_status", {{"id", "lxc/101"}, {"node", "pve1"}, {"type", "lxc"}}), 0);
  EXPECT_EQ(count(set(), "pve_onboot_status"), 2u);  // 102's config has no onboot
  EXPECT_EQ(v("pve_replication_info", {{"id", "100-0"},
                                       {"type", "local"},
                                       {"source", "node/pve1"},
                                       {"target", "node/pve2"},
                                       {"guest", "qemu/100"}}),
            1);
  EXPECT_EQ(count(set(), "pve_replication_info"), 1u);  // pve2's job 103-0 is not ours
  EXPECT_EQ(v("pve_replication_duration_seconds", {{"id", "100-0"}}), 3.412417);
  EXPECT_EQ(v("pve_replication_last_sync_timestamp_seconds", {{"id", "100-0"}}), 1755594000);
  EXPECT_EQ(v("pve_replication_last_try_timestamp_seconds", {{"id", "100-0"}}), 1755599100);
  EXPECT_EQ(v("pve_replication_next_sync_timestamp_seconds", {{"id", "100-0"}}), 1755600900);
  EXPECT_EQ(v("pve_replication_failed_syncs", {{"id", "100-0"}}), 6);
  EXPECT_EQ(v("pve_subscription_info", {{"id", "node/pve1"}, {"level", "c"}}), 1);
  EXPECT_EQ(v("pve_subscription_status", {{"id", "node/pve1"}, {"status", "active"}}), 1);
  EXPECT_EQ(v("pve_subscription_status", {{"id", "node/pve1"}, {"status", "notfound"}}), 0);
  EXPECT_EQ(count(set(), "pve_subscription_status"), 6u);
  EXPECT_EQ(v("pve_subscription_next_due_timestamp_seconds", {{"id", "node/pve1"}}),
            1768435200);  // 2026-01-15 UTC
}

// ---- call budget, cluster/node switches ----------------------------------------------------

TEST(CompatProfile, FetchesEveryPathOnce) {
  // status, resources, version, not-backed-up, qdevice; qemu, lxc lists, 3 configs,
  // replication, subscription: 12 (the peer makes 18 + one per guest + one per job).
  Outcome run = collect(testing::compat_fetch(std::string(k_scenario)));
  EXPECT_EQ(run.fetches, 12u);
}

TEST(CompatProfile, ClusterAndNodeSwitchesSelectCollectors) {
  Outcome cluster_only = collect(testing::compat_fetch(std::string(k_scenario)), true, false);
  EXPECT_EQ(count(cluster_only.set, "pve_onboot_status"), 0u);
  EXPECT_EQ(count(cluster_only.set, "pve_subscription_status"), 0u);
  EXPECT_GT(count(cluster_only.set, "pve_up"), 0u);
  EXPECT_EQ(cluster_only.fetches, 5u);
  Outcome node_only = collect(testing::compat_fetch(std::string(k_scenario)), false, true);
  EXPECT_EQ(count(node_only.set, "pve_up"), 0u);
  EXPECT_EQ(count(node_only.set, "pve_onboot_status"), 2u);
  EXPECT_EQ(count(node_only.set, "pve_subscription_status"), 6u);
}

TEST(CompatProfile, CollectorChoicesTurnCollectorsOff) {
  config::Config config;
  config.compat_collectors["resources"] = false;
  config.compat_collectors["config"] = false;
  Outcome run = collect(testing::compat_fetch(std::string(k_scenario)), true, true, config);
  EXPECT_EQ(count(run.set, "pve_guest_info"), 0u);
  EXPECT_EQ(count(run.set, "pve_onboot_status"), 0u);
  EXPECT_GT(count(run.set, "pve_up"), 0u);
  EXPECT_EQ(run.fetches, 7u);  // no per-guest config calls, no qemu/lxc lists
}

// ---- partial failure -----------------------------------------------------------------------

TEST(CompatPartialFailure, OneGuestConfigFailingKeepsTheOthers) {
  Outcome run = collect(testing::compat_fetch(
      std::string(k_scenario),
      {{"/nodes/pve1/qemu/100/config", Error{ErrorKind::http, "GET ...: HTTP 500"}}}));
  EXPECT_EQ(run.failed, std::vector<std::string>{"config"});
  EXPECT_EQ(
      value(run.set, "pve_onboot_status", {{"id", "lxc/101"}, {"node", "pve1"}, {"type", "lxc"}}),
      0);
  EXPECT_EQ(
      value(run.set, "pve_onboot_status", {{"id", "qemu/100"}, {"node", "pve1"}, {"type", "qemu"}}),
      std::nullopt);
  EXPECT_EQ(count(run.set, "pve_subscription_status"), 6u);
  EXPECT_EQ(count(run.set, "pve_up"), 18u);
}

TEST(CompatPartialFailure, QDeviceErrorDropsOnlyItsSeries) {
  Outcome run = collect(testing::compat_fetch(
      std::string(k_scenario),
      {{"/cluster/config/qdevice", Error{ErrorKind::http, "GET ...: HTTP 500"}}}));
  EXPECT_EQ(run.failed, std::vector<std::string>{"qdevice"});
  EXPECT_EQ(count(run.set, "pve_qdevice_up"), 0u);
  EXPECT_EQ(count(run.set, "pve_up"), 18u);
  EXPECT_EQ(count(run.set, "pve_onboot_status"), 2u);
}

TEST(CompatPartialFailure, ResourcesFailingKeepsStatusOfNodes) {
  Outcome run = collect(testing::compat_fetch(
      std::string(k_scenario),
      {{"/cluster/resources", Error{ErrorKind::timeout, "GET ...: timeout"}}}));
  EXPECT_EQ(run.failed, (std::vector<std::string>{"status", "resources"}));
  EXPECT_EQ(count(run.set, "pve_up"), 4u);  // cluster + 3 nodes from /cluster/status
  EXPECT_EQ(count(run.set, "pve_guest_info"), 0u);
  EXPECT_EQ(count(run.set, "pve_node_info"), 3u);
}

TEST(CompatPartialFailure, MalformedAnswerFailsOnlyItsCollector) {
  Outcome run = collect(testing::compat_fetch(std::string(k_scenario), {},
                                              {{"/nodes/pve1/subscription", "{\"data\":"}}));
  EXPECT_EQ(run.failed, std::vector<std::string>{"subscription"});
  EXPECT_EQ(count(run.set, "pve_subscription_info"), 0u);
  EXPECT_EQ(count(run.set, "pve_replication_info"), 1u);
}

TEST(CompatPartialFailure, NoLocalEntryFailsTheNodeCollectors) {
  const std::string status =
      R"({"data":[{"type":"node","id":"node/a","name":"a","nodeid":0,"online":1,"local":0}]})";
  Outcome run =
      collect(testing::compat_fetch(std::string(k_scenario), {}, {{"/cluster/status", status}}),
              false, true);
  EXPECT_EQ(run.failed, (std::vector<std::string>{"config", "replication", "subscription"}));
}

// ---- render quirks ---------------------------------------------------------------------------

TEST(CompatRender, StandaloneNodeUsesTheNodeNameForNotBackedUp) {
  const std::string status =
      R"({"data":[{"type":"node","id":"node/solo","name":"solo","nodeid":0,"online":1,"local":1,"level":""}]})";
  Outcome run =
      collect(testing::compat_fetch(std::string(k_scenario), {}, {{"/cluster/status", status}}),
              true, false);
  EXPECT_EQ(value(run.set, "pve_not_backed_up_total", {{"id", "cluster/solo"}}), 1);
  EXPECT_EQ(count(run.set, "pve_cluster_info"), 0u);  // no cluster entry
  EXPECT_EQ(count(run.set, "pve_qdevice_up"), 0u);    // not clustered: not even asked
  EXPECT_EQ(value(run.set, "pve_up", {{"id", "node/solo"}}), 1);
  EXPECT_TRUE(run.failed.empty());
}

TEST(CompatRender, NotBackedUpIdComesFromTheFirstEntryWhateverItsType) {
  const std::string status =
      R"({"data":[{"type":"node","id":"node/pve1","name":"pve1","nodeid":1,"online":1,"local":1,"level":""},)"
      R"({"type":"cluster","id":"cluster","name":"prod","nodes":1,"version":1,"quorate":1}]})";
  Outcome run =
      collect(testing::compat_fetch(std::string(k_scenario), {}, {{"/cluster/status", status}}),
              true, false);
  EXPECT_EQ(value(run.set, "pve_not_backed_up_total", {{"id", "cluster/pve1"}}), 1);
}

TEST(CompatRender, QDeviceNotConnectedIsZeroAndEmptyAnswerIsAbsent) {
  pve::ClusterStatus status;
  status.cluster = pve::ClusterInfo{"prod", 2, 3, true};
  pve::QDevice q;
  q.model = "Net";
  q.state = "Connect failed";
  metrics::MetricSet set;
  render_qdevice(status, q, set);
  EXPECT_EQ(value(set, "pve_qdevice_up", {{"id", "cluster/prod"}}), 0);
  EXPECT_EQ(value(set, "pve_qdevice_info",
                  {{"id", "cluster/prod"},
                   {"model", "Net"},
                   {"algorithm", ""},
                   {"qnetd_host", ""},
                   {"tie_breaker", ""},
                   {"state", "Connect failed"}}),
            1);
  metrics::MetricSet empty;
  render_qdevice(status, pve::QDevice{}, empty);
  EXPECT_EQ(empty.series_count(), 0u);
}

TEST(CompatRender, SubscriptionWithoutKey) {
  pve::Subscription sub;
  sub.status = "notfound";
  metrics::MetricSet set;
  render_subscription("pve1", sub, &utc_midnight, set);
  EXPECT_EQ(value(set, "pve_subscription_info", {{"id", "node/pve1"}, {"level", "unknown"}}), 1);
  EXPECT_EQ(value(set, "pve_subscription_status", {{"id", "node/pve1"}, {"status", "notfound"}}),
            1);
  EXPECT_EQ(value(set, "pve_subscription_status", {{"id", "node/pve1"}, {"status", "active"}}), 0);
  EXPECT_EQ(count(set, "pve_subscription_next_due_timestamp_seconds"), 0u);
  sub.nextduedate = "";
  metrics::MetricSet set2;
  render_subscription("pve1", sub, &utc_midnight, set2);
  EXPECT_EQ(count(set2, "pve_subscription_next_due_timestamp_seconds"), 0u);
}

TEST(CompatRender, NextDueDateIsLocalMidnight) {
  {
    ScopedTz tz("UTC");
    EXPECT_EQ(local_midnight("2026-01-15"), 1768435200);
  }
  {
    ScopedTz tz("CET-1CEST,M3.5.0,M10.5.0/3");  // UTC+1 in January
    EXPECT_EQ(local_midnight("2026-01-15"), 1768435200 - 3600);
    EXPECT_EQ(local_midnight("2026-07-15"),
              utc_midnight("2026-07-15").value() - 7200);  // summer time
  }
  EXPECT_EQ(utc_midnight("2026-1-15"), std::nullopt);
  EXPECT_EQ(utc_midnight("2026-13-01"), std::nullopt);
  EXPECT_EQ(utc_midnight("abcd-01-01"), std::nullopt);
  EXPECT_EQ(utc_midnight(""), std::nullopt);
}

TEST(CompatRender, ReplicationJobWithoutStateHasOnlyInfo) {
  pve::ReplicationJob job;
  job.id = "101-1";
  job.type = "local";
  job.guest = 101;
  job.source = "pve1";
  job.target = "pve3";
  job.vmtype = "lxc";
  metrics::MetricSet set;
  render_replication({job}, set);
  EXPECT_EQ(value(set, "pve_replication_info",
                  {{"id", "101-1"},
                   {"type", "local"},
                   {"source", "node/pve1"},
                   {"target", "node/pve3"},
                   {"guest", "lxc/101"}}),
            1);
  EXPECT_EQ(set.series_count(), 1u);
}

TEST(CompatProfileTable, TenCollectorsInThePeersOrder) {
  std::vector<std::string> names;
  for (const CompatCollector& c : collectors()) names.emplace_back(c.spec.name);
  EXPECT_EQ(names, (std::vector<std::string>{"status", "version", "node", "cluster", "resources",
                                             "backup-info", "qdevice", "config", "replication",
                                             "subscription"}));
  EXPECT_EQ(find_collector("config")->kind, Kind::node);
  EXPECT_EQ(find_collector("qdevice")->kind, Kind::cluster);
  EXPECT_EQ(find_collector("nope"), nullptr);
  EXPECT_EQ(enabled_collectors(config::Config{}, false, false).size(), 0u);
}

}  // namespace
}  // namespace pvex::compat
