// Golden and failure-path tests of the host collector over a fixture procfs.
#include <unistd.h>

#include <gtest/gtest.h>

#include "collectors/pve_harness.hpp"
#include "support/golden.hpp"

namespace pvex::collectors {
Result<void> collect_host(Scrape&, metrics::MetricSet&);
}

namespace pvex {
namespace {

testing::CollectorRun run_host(std::string procfs) {
  config::Config cfg;
  cfg.host.procfs = std::move(procfs);
  cfg.host.node_name = "pve1";
  const auto deadline = pve::Clock::now() + std::chrono::seconds(5);
  collectors::Scrape scrape(cfg, nullptr, deadline);
  testing::CollectorRun r{{}, {}, {}, {}};
  r.result = collectors::collect_host(scrape, r.out);
  metrics::write(r.out, metrics::Format::prometheus_text, r.text);
  return r;
}

TEST(HostCollector, ProcfsMatchesGolden) {
  ASSERT_EQ(sysconf(_SC_CLK_TCK), 100);  // the golden is in seconds at USER_HZ 100
  testing::CollectorRun r = run_host(testing::test_path("fixtures/host/proc"));
  ASSERT_TRUE(r.result.has_value()) << r.result.error().message;
  EXPECT_TRUE(r.out.problems().empty());
  EXPECT_TRUE(testing::matches_golden("host.prom", r.text));
  // user excludes guest time, as pvestatd's cpustat does: (60050000 - 50000) / 100
  EXPECT_NE(r.text.find("pve_node_cpu_seconds_total{node=\"pve1\",mode=\"user\"} 600000\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("pve_node_interface_receive_bytes_total{node=\"pve1\",interface=\"eno1\"} "
                        "918273645512\n"),
            std::string::npos);
}

TEST(HostCollector, MissingProcfsFails) {
  testing::CollectorRun r = run_host("/nonexistent/proc");
  ASSERT_FALSE(r.result.has_value());
  EXPECT_EQ(r.result.error().kind, ErrorKind::io);
  EXPECT_EQ(r.out.series_count(), 0u);
}

}  // namespace
}  // namespace pvex
