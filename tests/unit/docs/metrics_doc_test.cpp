// Keeps docs/metrics.md in step with the code: every pve_ family the collectors emit (over the
// PVE 8 and 9 fixtures, host over a fixture procfs) is in table 1 with its type and labels,
// table 1 lists nothing they do not emit, and table 2 names only emitted families.
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"
#include "util/strings.hpp"

namespace pvex {
namespace {

struct FamilyDoc {
  std::string type;
  std::string labels;  // comma-separated, "–" for none
};

bool in_scope(std::string_view name) {
  return name.starts_with("pve_") && !name.starts_with("pve_zfs_") &&
         !name.starts_with("pve_exporter_");
}

/// Every in-scope family emitted by the registered collectors.
std::map<std::string, FamilyDoc> emitted_families() {
  std::map<std::string, FamilyDoc> out;
  auto note = [&](const metrics::MetricSet& set) {
    for (const auto& fs : set.families()) {
      if (!in_scope(fs->family.name)) continue;
      std::string labels;
      for (const std::string& l : fs->family.labels) labels += (labels.empty() ? "" : ", ") + l;
      out[fs->family.name] = {std::string(metrics::to_string(fs->family.type)),
                              labels.empty() ? "–" : labels};
    }
  };
  for (const collectors::CollectorSpec& spec : collectors::registry()) {
    if (spec.needs_api == collectors::NeedsApi::yes) {
      for (const char* scenario : {"pve8-three-nodes", "pve9-three-nodes"}) {
        // Balloon configuration is in no fixture; add it to one VM.
        std::string qemu = testing::read_fixture(scenario, "/nodes/pve1/qemu?full=1");
        const std::string anchor = "\"vmid\":100,";
        if (size_t at = qemu.find(anchor); at != std::string::npos)
          qemu.insert(at + anchor.size(), "\"balloon_min\":2147483648,\"shares\":1000,");
        testing::FixtureApi api(scenario, {{"/nodes/pve1/qemu?full=1", testing::body(qemu)}});
        testing::CollectorRun r = testing::run_collector(spec.collect, api);
        note(r.out);
      }
    } else if (spec.name == "host") {
      config::Config cfg;
      cfg.host.procfs = testing::test_path("fixtures/host/proc");
      collectors::Scrape scrape(cfg, nullptr, pve::Clock::now() + std::chrono::seconds(5));
      metrics::MetricSet set;
      EXPECT_TRUE(spec.collect(scrape, set).has_value());
      note(set);
    }
  }
  return out;
}

std::vector<std::string> cells(std::string_view row) {
  std::vector<std::string> out;
  for (std::string_view c : util::split_any(row.substr(1), "|")) out.emplace_back(util::trim(c));
  return out;
}

std::string unquote(std::string_view c) {
  if (c.size() >= 2 && c.front() == '`' && c.back() == '`')
    return std::string(c.substr(1, c.size() - 2));
  return std::string(c);
}

TEST(MetricsDoc, Table1MatchesTheEmittedFamilies) {
  const std::string doc = testing::read_test_file("../docs/metrics.md");
  std::map<std::string, FamilyDoc> documented;
  bool in_table1 = false;
  std::istringstream in(doc);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) in_table1 = line.starts_with("## Table 1");
    if (!in_table1 || !line.starts_with("| `pve_")) continue;
    std::vector<std::string> c = cells(line);
    ASSERT_GE(c.size(), 6u) << line;
    EXPECT_TRUE(documented.emplace(unquote(c[0]), FamilyDoc{c[1], c[2]}).second)
        << "listed twice: " << c[0];
  }
  const std::map<std::string, FamilyDoc> emitted = emitted_families();
  ASSERT_GT(emitted.size(), 50u);
  for (const auto& [name, f] : emitted) {
    auto it = documented.find(name);
    if (it == documented.end()) {
      ADD_FAILURE() << name << " is emitted but not in docs/metrics.md table 1";
      continue;
    }
    EXPECT_EQ(it->second.type, f.type) << name;
    EXPECT_EQ(it->second.labels, f.labels) << name;
  }
  for (const auto& [name, f] : documented)
    EXPECT_EQ(emitted.count(name), 1u)
        << name << " is in docs/metrics.md table 1 but no collector emits it";
}

TEST(MetricsDoc, Table2NamesOnlyEmittedFamilies) {
  const std::string doc = testing::read_test_file("../docs/metrics.md");
  const std::map<std::string, FamilyDoc> emitted = emitted_families();
  const size_t start = doc.find("## Table 2");
  ASSERT_NE(start, std::string::npos);
  size_t named = 0;
  for (size_t at = doc.find("`pve_", start); at != std::string::npos;
       at = doc.find("`pve_", at + 1)) {
    const size_t end = doc.find_first_of("`{", at + 1);
    const std::string name = doc.substr(at + 1, end - at - 1);
    ++named;
    if (in_scope(name)) {
      EXPECT_EQ(emitted.count(name), 1u) << "table 2 names " << name << ", which nothing emits";
    }
  }
  EXPECT_GT(named, 60u);
}

}  // namespace
}  // namespace pvex
