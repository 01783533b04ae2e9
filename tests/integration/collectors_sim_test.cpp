// End-to-end tests of the native PVE collectors against pve-sim: values checked exactly against
// what the simulator served (--static), the call budget, promtool, and partial failure.
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/scrape.hpp"
#include "collectors/collector.hpp"
#include "metrics/text_format.hpp"
#include "pve/client.hpp"
#include "pve/fetch.hpp"
#include "pve/guests.hpp"
#include "pve/node_status.hpp"
#include "pve/storage.hpp"
#include "support/pve_sim.hpp"

namespace pvex {
namespace {

using testing::SimProcess;

const std::vector<std::string> k_native = {"cluster", "guest", "ha", "network", "node", "storage"};

SimProcess start_sim(std::vector<std::string> args) {
  args.insert(args.end(),
              {"--token", "monitor@pve!exporter=5ecret", "--static", "--offline-delay-ms", "50"});
  Result<SimProcess> sim = SimProcess::start(std::move(args));
  if (!sim) ADD_FAILURE() << sim.error().message;
  return std::move(*sim);
}

config::Config config_for(const SimProcess& sim, std::vector<std::string> only = {}) {
  config::Config cfg;
  cfg.api.host = sim.host();
  cfg.api.port = sim.port();
  cfg.api.token_id = "monitor@pve!exporter";
  cfg.api.token_secret = "5ecret";
  cfg.api.ca_file = sim.ca_file();
  if (!only.empty()) {
    cfg.collectors_disable_defaults = true;
    for (const std::string& c : only) cfg.collectors[c] = true;
  }
  return cfg;
}

struct Scraped {
  metrics::MetricSet set;
  std::string text;
};

Scraped scrape(const config::Config& cfg,
               std::chrono::milliseconds budget = std::chrono::seconds(10)) {
  Result<std::shared_ptr<pve::Client>> client = pve::Client::create(cfg.api);
  EXPECT_TRUE(client.has_value()) << client.error().message;
  const auto deadline = pve::Clock::now() + budget;
  pve::Session session((*client)->fetcher(), deadline, 8);
  collectors::Scrape s(cfg, &session, deadline);
  Scraped out{app::run_collectors(app::enabled_collectors(cfg, true), s), {}};
  metrics::write(out.set, metrics::Format::prometheus_text, out.text);
  return out;
}

/// What the simulator serves for `path`, fetched and parsed independently of the collectors.
template <class T>
T served(const config::Config& cfg, const std::string& path, Result<T> (*parse)(std::string_view)) {
  std::shared_ptr<pve::Client> client = *pve::Client::create(cfg.api);
  Result<pve::Body> body = client->get(path, pve::Clock::now() + std::chrono::seconds(5));
  EXPECT_TRUE(body.has_value()) << path;
  if (!body) return T{};
  Result<T> parsed = parse(**body);
  EXPECT_TRUE(parsed.has_value()) << path;
  return parsed ? std::move(*parsed) : T{};
}

std::optional<double> value_of(const metrics::MetricSet& set, std::string_view family,
                               const std::vector<std::string>& labels) {
  const metrics::FamilySamples* fs = set.find(family);
  if (fs == nullptr) return std::nullopt;
  for (size_t i = 0; i < fs->size(); ++i) {
    auto l = fs->labels_of(i);
    if (std::equal(l.begin(), l.end(), labels.begin(), labels.end())) return fs->values[i];
  }
  return std::nullopt;
}

double success(const metrics::MetricSet& set, const std::string& collector) {
  return value_of(set, "pve_exporter_collector_success", {collector}).value_or(-1);
}

TEST(CollectorsSim, ValuesAreExactlyWhatTheSimulatorServed) {
  SimProcess sim = start_sim({"--nodes", "3", "--guests-per-node", "6", "--offline-nodes", "1"});
  const config::Config cfg = config_for(sim, k_native);
  Scraped s = scrape(cfg);
  for (const std::string& c : k_native) EXPECT_EQ(success(s.set, c), 1) << c;
  EXPECT_TRUE(s.set.problems().empty());

  EXPECT_EQ(value_of(s.set, "pve_node_up", {"pve3"}), 0);
  EXPECT_EQ(value_of(s.set, "pve_cluster_nodes_online", {}), 2);
  size_t guests_checked = 0, drives_checked = 0;
  for (const std::string node : {"pve1", "pve2"}) {
    EXPECT_EQ(value_of(s.set, "pve_node_up", {node}), 1);
    const pve::NodeStatus st = served(cfg, "/nodes/" + node + "/status", &pve::parse_node_status);
    EXPECT_EQ(value_of(s.set, "pve_node_memory_total_bytes", {node}),
              static_cast<double>(*st.memory->total_bytes));
    EXPECT_EQ(value_of(s.set, "pve_node_memory_used_bytes", {node}),
              static_cast<double>(*st.memory->used_bytes));
    EXPECT_EQ(value_of(s.set, "pve_node_uptime_seconds", {node}),
              static_cast<double>(*st.uptime_seconds));
    EXPECT_EQ(value_of(s.set, "pve_node_cpu_usage_ratio", {node}), *st.cpu_ratio);
    EXPECT_EQ(value_of(s.set, "pve_node_load15", {node}), st.load_average.at(2));
    EXPECT_EQ(value_of(s.set, "pve_node_cpu_frequency_hertz", {node}), *st.cpuinfo->mhz * 1e6);

    for (const pve::QemuStatus& q :
         served(cfg, "/nodes/" + node + "/qemu?full=1", &pve::parse_qemu_list)) {
      const std::vector<std::string> l = {node, "qemu", std::to_string(q.vmid),
                                          q.name.value_or("")};
      EXPECT_EQ(value_of(s.set, "pve_guest_memory_size_bytes", l),
                static_cast<double>(*q.maxmem_bytes));
      const std::string state = q.qmpstatus.value_or("");
      std::vector<std::string> with_state = l;
      with_state.push_back(state);
      EXPECT_EQ(value_of(s.set, "pve_guest_status", with_state), 1) << q.vmid << " " << state;
      if (q.status == "running") {
        EXPECT_EQ(value_of(s.set, "pve_guest_cpu_usage_ratio", l), *q.cpu_ratio) << q.vmid;
        EXPECT_EQ(value_of(s.set, "pve_guest_network_receive_bytes_total", l),
                  static_cast<double>(*q.netin_bytes));
        EXPECT_EQ(value_of(s.set, "pve_guest_memory_host_bytes", l),
                  static_cast<double>(*q.memhost_bytes));
        for (const pve::DriveStats& d : q.blockstat) {
          std::vector<std::string> dl = l;
          dl.insert(dl.end(), {d.drive, "write"});
          EXPECT_EQ(value_of(s.set, "pve_guest_drive_bytes_total", dl),
                    static_cast<double>(*d.wr_bytes));
          ++drives_checked;
        }
      } else {
        EXPECT_FALSE(value_of(s.set, "pve_guest_cpu_usage_ratio", l).has_value()) << q.vmid;
      }
      ++guests_checked;
    }
    for (const pve::LxcStatus& c : served(cfg, "/nodes/" + node + "/lxc", &pve::parse_lxc_list)) {
      const std::vector<std::string> l = {node, "lxc", std::to_string(c.vmid), c.name.value_or("")};
      EXPECT_EQ(value_of(s.set, "pve_guest_memory_size_bytes", l),
                static_cast<double>(*c.maxmem_bytes));
      if (c.status == "running") {
        EXPECT_EQ(value_of(s.set, "pve_guest_disk_used_bytes", l),
                  static_cast<double>(*c.disk_bytes));
      }
      ++guests_checked;
    }
    for (const pve::StorageStatus& st2 :
         served(cfg, "/nodes/" + node + "/storage", &pve::parse_node_storage)) {
      if (!st2.active) continue;
      EXPECT_EQ(value_of(s.set, "pve_storage_size_bytes", {node, st2.storage}),
                static_cast<double>(*st2.total_bytes));
      EXPECT_EQ(value_of(s.set, "pve_storage_used_bytes", {node, st2.storage}),
                static_cast<double>(*st2.used_bytes));
    }
  }
  EXPECT_EQ(guests_checked, 12u);
  EXPECT_GT(drives_checked, 0u);
  // Guests of the offline node: inventory only, status unknown.
  EXPECT_EQ(s.text.find("pve_guest_uptime_seconds{node=\"pve3\""), std::string::npos);
  EXPECT_NE(s.text.find("node=\"pve3\",type=\"qemu\""), std::string::npos);
}

TEST(CollectorsSim, CallBudgetAndNoCallsToOfflineNodes) {
  SimProcess sim = start_sim({"--nodes", "4", "--guests-per-node", "5", "--offline-nodes", "1"});
  ASSERT_TRUE(sim.reset().has_value());
  Scraped s = scrape(config_for(sim, k_native));
  Result<testing::SimStats> stats = sim.stats();
  ASSERT_TRUE(stats.has_value());
  // 5 cluster-wide calls + 5 per online node, no call per guest, nothing to the offline pve4.
  EXPECT_EQ(stats->requests_total, 5u + 5u * 3u);
  for (const auto& [path, count] : stats->paths) {
    EXPECT_EQ(path.find("/nodes/pve4/"), std::string::npos) << path;
    EXPECT_EQ(count, 1u) << path;
  }
}

TEST(CollectorsSim, FullOutputPassesPromtool) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool not installed";
  SimProcess sim = start_sim({"--nodes", "3", "--guests-per-node", "6", "--offline-nodes", "1"});
  Scraped s = scrape(config_for(sim));  // every default collector
  const std::string file = ::testing::TempDir() + "/collectors_sim.prom";
  std::ofstream(file) << s.text;
  EXPECT_EQ(std::system(("promtool check metrics < " + file + " >" + file + ".out 2>&1").c_str()),
            0)
      << std::ifstream(file + ".out").rdbuf();
  std::remove(file.c_str());
  std::remove((file + ".out").c_str());
}

TEST(CollectorsSim, PartialFailuresStayPartial) {
  SimProcess sim = start_sim({"--nodes", "3", "--guests-per-node", "6", "--offline-nodes", "1",
                              "--fault", "/nodes/pve2/status=500",      // node
                              "--fault", "/nodes/pve1/storage=595",     // storage
                              "--fault", "/nodes/pve1/lxc=malformed",   // guest
                              "--fault", "/nodes/pve2/netstat=hang"});  // network: timeout
  const config::Config cfg = config_for(sim, k_native);
  Scraped s = scrape(cfg, std::chrono::milliseconds(3000));
  EXPECT_TRUE(s.set.problems().empty());
  EXPECT_EQ(success(s.set, "cluster"), 1);
  EXPECT_EQ(success(s.set, "ha"), 1);
  EXPECT_EQ(success(s.set, "node"), 0);
  EXPECT_EQ(success(s.set, "storage"), 0);
  EXPECT_EQ(success(s.set, "guest"), 0);
  EXPECT_EQ(success(s.set, "network"), 0);

  // node: pve2 down, pve1 exact
  EXPECT_EQ(value_of(s.set, "pve_node_up", {"pve2"}), 0);
  EXPECT_EQ(value_of(s.set, "pve_node_up", {"pve1"}), 1);
  EXPECT_FALSE(value_of(s.set, "pve_node_memory_total_bytes", {"pve2"}).has_value());
  const pve::NodeStatus st = served(cfg, "/nodes/pve1/status", &pve::parse_node_status);
  EXPECT_EQ(value_of(s.set, "pve_node_memory_total_bytes", {"pve1"}),
            static_cast<double>(*st.memory->total_bytes));
  // storage: pve1 failed, pve2 exact
  EXPECT_EQ(value_of(s.set, "pve_storage_node_scrape_success", {"pve1"}), 0);
  EXPECT_EQ(value_of(s.set, "pve_storage_node_scrape_success", {"pve2"}), 1);
  for (const pve::StorageStatus& x : served(cfg, "/nodes/pve2/storage", &pve::parse_node_storage))
    if (x.active) {
      EXPECT_EQ(value_of(s.set, "pve_storage_size_bytes", {"pve2", x.storage}),
                static_cast<double>(*x.total_bytes));
    }
  // guest: pve1's container list malformed; its VMs and all of pve2 exact
  EXPECT_EQ(value_of(s.set, "pve_guest_node_scrape_success", {"pve1"}), 0);
  EXPECT_EQ(value_of(s.set, "pve_guest_node_scrape_success", {"pve2"}), 1);
  for (const std::string node : {"pve1", "pve2"})
    for (const pve::QemuStatus& q :
         served(cfg, "/nodes/" + node + "/qemu?full=1", &pve::parse_qemu_list))
      EXPECT_EQ(value_of(s.set, "pve_guest_memory_size_bytes",
                         {node, "qemu", std::to_string(q.vmid), q.name.value_or("")}),
                static_cast<double>(*q.maxmem_bytes));
  for (const pve::LxcStatus& c : served(cfg, "/nodes/pve2/lxc", &pve::parse_lxc_list))
    EXPECT_EQ(value_of(s.set, "pve_guest_memory_size_bytes",
                       {"pve2", "lxc", std::to_string(c.vmid), c.name.value_or("")}),
              static_cast<double>(*c.maxmem_bytes));
  EXPECT_EQ(s.text.find("pve_guest_uptime_seconds{node=\"pve1\",type=\"lxc\""), std::string::npos);
  // network: pve2's netstat timed out, pve1 answered; node traffic from metrics export still there
  EXPECT_EQ(value_of(s.set, "pve_network_node_scrape_success", {"pve2"}), 0);
  EXPECT_EQ(value_of(s.set, "pve_network_node_scrape_success", {"pve1"}), 1);
  EXPECT_TRUE(value_of(s.set, "pve_node_network_receive_bytes_total", {"pve1"}).has_value());
}

}  // namespace
}  // namespace pvex
