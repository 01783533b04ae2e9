// Every parser over every fixture: the whole file parses, and every truncation of it is a clean
// parse error (no crash, no partial success); run under ASan to catch out-of-bounds reads.
#include <filesystem>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "pve/backup.hpp"
#include "pve/certificates.hpp"
#include "pve/cluster.hpp"
#include "pve/disks_list.hpp"
#include "pve/guests.hpp"
#include "pve/ha.hpp"
#include "pve/metrics_export.hpp"
#include "pve/netstat.hpp"
#include "pve/node_status.hpp"
#include "pve/qdevice.hpp"
#include "pve/replication.hpp"
#include "pve/storage.hpp"
#include "pve/subscription.hpp"
#include "pve/tasks.hpp"
#include "pve/version.hpp"
#include "support/golden.hpp"

namespace pvex::pve {
namespace {

using ParseFn = std::function<Result<void>(std::string_view)>;

template <class F>
ParseFn wrap(F f) {
  return [f](std::string_view body) -> Result<void> {
    auto r = f(body);
    if (!r) return fail(r.error());
    return {};
  };
}

/// Which parser reads a fixture, by its path relative to the scenario directory.
ParseFn parser_for(const std::string& rel) {
  auto ends = [&](std::string_view s) { return rel.ends_with(s); };
  if (rel == "version.json") return wrap(parse_version);
  if (rel == "cluster/status.json") return wrap(parse_cluster_status);
  if (rel == "cluster/resources.json") return wrap(parse_cluster_resources);
  if (rel == "cluster/metrics/export.json") return wrap(parse_metrics_export);
  if (rel == "cluster/ha/status/current.json") return wrap(parse_ha_status);
  if (rel == "cluster/ha/resources.json") return wrap(parse_ha_resources);
  if (rel == "cluster/replication.json" || ends("/replication.json"))
    return wrap(parse_replication_jobs);
  if (rel == "cluster/backup.json") return wrap(parse_backup_jobs);
  if (rel == "cluster/backup-info/not-backed-up.json") return wrap(parse_not_backed_up);
  if (rel == "cluster/config/qdevice.json") return wrap(parse_qdevice);
  if (ends("/status/current.json"))
    return rel.find("/qemu/") != std::string::npos ? wrap(parse_qemu_status)
                                                   : wrap(parse_lxc_status);
  if (ends("/qemu.json") || ends("/qemu@full=1.json")) return wrap(parse_qemu_list);
  if (ends("/lxc.json")) return wrap(parse_lxc_list);
  if (ends("/status.json")) return wrap(parse_node_status);
  if (ends("/storage.json")) return wrap(parse_node_storage);
  if (ends("/netstat.json")) return wrap(parse_netstat);
  if (ends("/subscription.json")) return wrap(parse_subscription);
  if (ends("/certificates/info.json")) return wrap(parse_certificates);
  if (ends("/tasks.json")) return wrap(parse_tasks);
  if (ends("/disks/list.json")) return wrap(parse_disks_list);
  return nullptr;
}

TEST(ParseFixtures, EveryFixtureParsesAndEveryTruncationFailsCleanly) {
  namespace fs = std::filesystem;
  const fs::path root = testing::test_path("fixtures/pve");
  size_t files = 0;
  for (const fs::directory_entry& scenario : fs::directory_iterator(root)) {
    if (!scenario.is_directory()) continue;
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(scenario.path())) {
      if (!e.is_regular_file() || e.path().extension() != ".json") continue;
      const std::string rel = fs::relative(e.path(), scenario.path()).string();
      if (rel == "nodes.json") continue;  // /nodes has no parser of its own
      ParseFn parse = parser_for(rel);
      ASSERT_TRUE(parse) << "no parser for fixture " << rel;
      const std::string body =
          testing::read_test_file(fs::relative(e.path(), testing::test_path("")).string());
      Result<void> whole = parse(body);
      EXPECT_TRUE(whole.has_value()) << rel << ": " << whole.error().message;
      // Every length for small files, a stride for big ones (a sample still hits every nesting).
      const size_t step = body.size() < 8192 ? 1 : body.size() / 4096;
      const std::string_view trimmed =
          std::string_view(body).substr(0, body.find_last_not_of("\n") + 1);
      for (size_t len = 0; len < trimmed.size(); len += step) {
        Result<void> r = parse(trimmed.substr(0, len));
        ASSERT_FALSE(r.has_value()) << rel << " truncated to " << len << " bytes parsed";
        ASSERT_EQ(r.error().kind, ErrorKind::parse) << rel;
      }
      ++files;
    }
  }
  EXPECT_GE(files, 70u);
}

}  // namespace
}  // namespace pvex::pve
