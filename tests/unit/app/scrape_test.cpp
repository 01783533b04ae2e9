// Tests for the scrape runner: isolation of failures, partial data, exceptions, selection, deadline.
#include "app/scrape.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace pvex::app {
namespace {

const metrics::Family k_value{"pvex_test_value", "A value.", metrics::Type::gauge, {}};
const metrics::Family k_partial{"pvex_test_partial", "Partial data.", metrics::Type::gauge, {}};

Result<void> ok_collector(collectors::Scrape&, metrics::MetricSet& out) {
  out.add(k_value, 42, {});
  return {};
}
Result<void> failing_collector(collectors::Scrape&, metrics::MetricSet& out) {
  out.add(k_partial, 7, {});
  return fail(ErrorKind::http, "GET /nodes/pve1/status: HTTP 500");
}
Result<void> throwing_collector(collectors::Scrape&, metrics::MetricSet&) {
  throw std::runtime_error("boom");
}

double value_of(const metrics::MetricSet& set, std::string_view family, std::string_view collector) {
  const metrics::FamilySamples* fs = set.find(family);
  if (fs == nullptr) return -1;
  for (size_t i = 0; i < fs->size(); ++i)
    if (fs->labels_of(i)[0] == collector) return fs->values[i];
  return -1;
}

TEST(RunCollectors, FailureAndExceptionNeverHideOthers) {
  const collectors::CollectorSpec ok{"ok", collectors::Default::enabled, collectors::NeedsApi::no, "", ok_collector};
  const collectors::CollectorSpec bad{"bad", collectors::Default::enabled, collectors::NeedsApi::no, "", failing_collector};
  const collectors::CollectorSpec boom{"boom", collectors::Default::enabled, collectors::NeedsApi::no, "", throwing_collector};
  config::Config cfg;
  collectors::Scrape scrape(cfg, nullptr, pve::Clock::now() + std::chrono::seconds(1));
  metrics::MetricSet set = run_collectors({&bad, &boom, &ok}, scrape);
  EXPECT_TRUE(set.problems().empty());
  EXPECT_EQ(value_of(set, "pve_exporter_collector_success", "ok"), 1);
  EXPECT_EQ(value_of(set, "pve_exporter_collector_success", "bad"), 0);
  EXPECT_EQ(value_of(set, "pve_exporter_collector_success", "boom"), 0);
  ASSERT_NE(set.find("pvex_test_value"), nullptr);
  EXPECT_EQ(set.find("pvex_test_value")->values, std::vector<double>{42});
  // Partial data of a failed collector is kept.
  ASSERT_NE(set.find("pvex_test_partial"), nullptr);
  EXPECT_EQ(set.find("pvex_test_partial")->values, std::vector<double>{7});
  EXPECT_GE(value_of(set, "pve_exporter_collector_duration_seconds", "ok"), 0);
  // Collector sets come first, in the given order, then the runner's own families.
  EXPECT_EQ(set.families().front()->family.name, "pvex_test_partial");
  EXPECT_EQ(set.families().back()->family.name, "pve_exporter_collector_duration_seconds");
}

TEST(EnabledCollectors, DefaultsExplicitChoicesAndDisableDefaults) {
  config::Config cfg;
  std::vector<const collectors::CollectorSpec*> on = enabled_collectors(cfg, false);
  ASSERT_FALSE(on.empty());
  EXPECT_EQ(on.front()->name, "exporter");
  cfg.collectors["exporter"] = false;
  for (const auto* spec : enabled_collectors(cfg, false)) EXPECT_NE(spec->name, "exporter");
  cfg.collectors.clear();
  cfg.collectors_disable_defaults = true;
  EXPECT_TRUE(enabled_collectors(cfg, false).empty());
  cfg.collectors["exporter"] = true;
  ASSERT_EQ(enabled_collectors(cfg, false).size(), 1u);
}

TEST(EnabledCollectors, ApiCollectorsNeedAnApi) {
  config::Config cfg;
  for (const auto* spec : enabled_collectors(cfg, false)) EXPECT_EQ(spec->needs_api, collectors::NeedsApi::no);
}

TEST(ScrapeDeadline, HeaderMinusOffsetBoundedByConfig) {
  config::Config cfg;
  cfg.scrape.timeout = std::chrono::seconds(10);
  cfg.scrape.timeout_offset = std::chrono::milliseconds(500);
  const pve::Clock::time_point now{};
  EXPECT_EQ(scrape_deadline(cfg, std::nullopt, now) - now, std::chrono::seconds(10));
  EXPECT_EQ(scrape_deadline(cfg, 5.0, now) - now, std::chrono::milliseconds(4500));
  EXPECT_EQ(scrape_deadline(cfg, 60.0, now) - now, std::chrono::seconds(10));
  EXPECT_EQ(scrape_deadline(cfg, 0.2, now) - now, std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace pvex::app
