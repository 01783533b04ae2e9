// Integration tests of pve-sim: authentication, faults, determinism, stats and answer shapes.
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include "support/pve_sim.hpp"

namespace pvex::testing {
namespace {

const std::string k_token = "monitor@pve!exporter=5ecret-uuid";
const std::string k_token_header = "PVEAPIToken=" + k_token;

SimProcess start_sim(std::vector<std::string> args) {
  Result<SimProcess> sim = SimProcess::start(std::move(args));
  if (!sim) {
    ADD_FAILURE() << sim.error().message;
    std::abort();
  }
  return std::move(*sim);
}

std::unique_ptr<httplib::SSLClient> client_for(const SimProcess& sim, int read_timeout_s = 10) {
  auto client = std::make_unique<httplib::SSLClient>(sim.host(), sim.port());
  client->set_ca_cert_path(sim.ca_file().c_str());
  client->enable_server_certificate_verification(true);
  client->set_connection_timeout(std::chrono::seconds(5));
  client->set_read_timeout(std::chrono::seconds(read_timeout_s));
  return client;
}

httplib::Result get(const SimProcess& sim, const std::string& path,
                    const std::string& authorization = k_token_header) {
  httplib::Headers headers;
  if (!authorization.empty()) headers.emplace("Authorization", authorization);
  return client_for(sim)->Get(("/api2/json" + path).c_str(), headers);
}

/// Parses a body and returns its "data" member as an element of `parser`.
simdjson::dom::element data_of(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body.substr(0, 200);
  return doc["data"].value_unsafe();
}

TEST(PveSim, TokenAuthenticatesAndServesVersion) {
  SimProcess sim = start_sim({"--token", k_token});
  EXPECT_EQ(sim.fingerprint().size(), 95u);  // 32 bytes as AA:BB:...
  httplib::Result res = get(sim, "/version");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body,
            R"({"data":{"version":"9.1.1","release":"9.1","repoid":"0b2f9f8e4c1d7a63"}})");
  // A space instead of '=' after PVEAPIToken and ':' before the secret are accepted too.
  res = get(sim, "/version", "PVEAPIToken monitor@pve!exporter:5ecret-uuid");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(PveSim, RejectsWrongOrMissingCredentialsWith401AndEmptyBody) {
  SimProcess sim = start_sim({"--token", k_token});
  for (const std::string& auth : {std::string("PVEAPIToken=monitor@pve!exporter=wrong"),
                                  std::string("PVEAPIToken=other@pve!x=5ecret-uuid"),
                                  std::string("Bearer abc"), std::string()}) {
    httplib::Result res = get(sim, "/cluster/status", auth);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << auth;
    EXPECT_EQ(res->body, "") << auth;
  }
}

TEST(PveSim, TicketLoginThenCookieAuthenticates) {
  SimProcess sim = start_sim({"--user", "monitor@pve", "--password", "pw"});
  auto client = client_for(sim);
  httplib::Result bad =
      client->Post("/api2/json/access/ticket", "username=monitor@pve&password=nope",
                   "application/x-www-form-urlencoded");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(bad->body, "{\"data\":null,\"message\":\"authentication failure\\n\"}");

  httplib::Result login =
      client->Post("/api2/json/access/ticket", "username=monitor&realm=pve&password=pw",
                   "application/x-www-form-urlencoded");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200) << login->body;
  simdjson::dom::parser parser;
  simdjson::dom::element data = data_of(parser, login->body);
  std::string_view ticket, user;
  ASSERT_EQ(data["ticket"].get(ticket), simdjson::SUCCESS);
  ASSERT_EQ(data["username"].get(user), simdjson::SUCCESS);
  EXPECT_EQ(user, "monitor@pve");
  EXPECT_EQ(ticket.substr(0, 16), "PVE:monitor@pve:");
  std::string ticket_copy(ticket);

  httplib::Result res =
      client->Get("/api2/json/nodes", {{"Cookie", "PVEAuthCookie=" + ticket_copy}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = client->Get("/api2/json/nodes", {{"Cookie", "PVEAuthCookie=" + ticket_copy + "x"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  Result<SimStats> stats = sim.stats();
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->logins, 1u);
  EXPECT_EQ(stats->paths["/api2/json/access/ticket"], 2u);
}

TEST(PveSim, TicketExpiresAfterLifetime) {
  SimProcess sim =
      start_sim({"--user", "monitor@pve", "--password", "pw", "--ticket-lifetime-s", "1"});
  auto client = client_for(sim);
  httplib::Result login =
      client->Post("/api2/json/access/ticket", "username=monitor@pve&password=pw",
                   "application/x-www-form-urlencoded");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200);
  simdjson::dom::parser parser;
  std::string_view ticket;
  ASSERT_EQ(data_of(parser, login->body)["ticket"].get(ticket), simdjson::SUCCESS);
  httplib::Headers cookie = {{"Cookie", "PVEAuthCookie=" + std::string(ticket)}};
  httplib::Result fresh = client->Get("/api2/json/version", cookie);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  httplib::Result old = client->Get("/api2/json/version", cookie);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, 401);
}

TEST(PveSim, NoAuthAcceptsEverything) {
  SimProcess sim = start_sim({"--no-auth", "--token", k_token});
  httplib::Result res = get(sim, "/version", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(PveSim, UnknownPathAnswers501LikePve) {
  SimProcess sim = start_sim({"--no-auth"});
  httplib::Result res = get(sim, "/cluster/nonsense");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 501);
  EXPECT_EQ(res->body,
            "{\"data\":null,\"message\":\"Method 'GET /cluster/nonsense' not implemented\\n\"}");
}

TEST(PveSim, StatusFaultsAnswerTheirCode) {
  SimProcess sim =
      start_sim({"--no-auth", "--fault", "/nodes/pve1/status=500", "--fault",
                 "/nodes/*/netstat=503", "--fault", "/cluster/backup=404", "--fault",
                 "/cluster/replication=401", "--fault", "/api2/json/cluster/ha/**=595:50"});
  struct Case {
    std::string path;
    int status;
  };
  for (const Case& c : {Case{"/nodes/pve1/status", 500}, Case{"/nodes/pve2/netstat", 503},
                        Case{"/cluster/backup", 404}, Case{"/cluster/replication", 401},
                        Case{"/cluster/ha/status/current", 595}, Case{"/nodes/pve2/status", 200}}) {
    httplib::Result res = get(sim, c.path);
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, c.status) << c.path;
  }
  httplib::Result res = get(sim, "/nodes/pve1/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "{\"data\":null,\"message\":\"simulated fault\\n\"}");
}

TEST(PveSim, BodyFaultsBreakTheJsonAsAsked) {
  SimProcess sim =
      start_sim({"--no-auth", "--static", "--fault", "/cluster/status=malformed", "--fault",
                 "/cluster/resources=truncated", "--fault", "/nodes=big:200000"});
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  httplib::Result malformed = get(sim, "/cluster/status");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 200);
  EXPECT_NE(parser.parse(malformed->body).get(doc), simdjson::SUCCESS);

  httplib::Result truncated = get(sim, "/cluster/resources");
  ASSERT_TRUE(truncated);
  EXPECT_EQ(truncated->status, 200);
  EXPECT_GT(truncated->body.size(), 100u);
  EXPECT_NE(parser.parse(truncated->body).get(doc), simdjson::SUCCESS);

  httplib::Result big = get(sim, "/nodes");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->body.size(), 200000u);
  ASSERT_EQ(parser.parse(big->body).get(doc), simdjson::SUCCESS);
  simdjson::dom::array nodes;
  ASSERT_EQ(doc["data"].get(nodes), simdjson::SUCCESS);
  EXPECT_EQ(nodes.size(), 3u);
}

TEST(PveSim, FlakyFaultFailsFirstRequestsPerPathThenRecovers) {
  SimProcess sim = start_sim({"--no-auth", "--fault", "/nodes/*/status=flaky:2"});
  std::vector<int> statuses;
  for (int i = 0; i < 3; ++i) statuses.push_back(get(sim, "/nodes/pve1/status")->status);
  EXPECT_EQ(statuses, (std::vector<int>{500, 500, 200}));
  EXPECT_EQ(get(sim, "/nodes/pve2/status")->status, 500);  // counted per path
  ASSERT_TRUE(sim.reset());
  EXPECT_EQ(get(sim, "/nodes/pve1/status")->status, 500);  // reset re-arms
}

TEST(PveSim, SlowAndHangFaultsDelayTheAnswer) {
  SimProcess sim =
      start_sim({"--no-auth", "--fault", "/version=slow:300", "--fault", "/cluster/status=hang"});
  auto started = std::chrono::steady_clock::now();
  httplib::Result slow = get(sim, "/version");
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));

  auto client = client_for(sim, 1);
  httplib::Result hang = client->Get("/api2/json/cluster/status");
  EXPECT_FALSE(hang);  // read timeout: the simulator never answered
  // The simulator still stops promptly (the destructor waits at most 5 s before SIGKILL).
}

TEST(PveSim, OfflineNodeAnswers595AndIsOfflineInClusterStatus) {
  SimProcess sim = start_sim({"--no-auth", "--offline-nodes", "1", "--offline-delay-ms", "10"});
  httplib::Result res = get(sim, "/nodes/pve3/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 595);
  EXPECT_EQ(get(sim, "/nodes/pve2/status")->status, 200);

  simdjson::dom::parser parser;
  httplib::Result status = get(sim, "/cluster/status");
  ASSERT_TRUE(status);
  std::map<std::string, int64_t> online;
  for (simdjson::dom::element e : data_of(parser, status->body).get_array()) {
    std::string_view type = e["type"].get_string().value_unsafe();
    if (type == "node")
      online[std::string(e["name"].get_string().value_unsafe())] =
          e["online"].get_int64().value_unsafe();
  }
  EXPECT_EQ(online, (std::map<std::string, int64_t>{{"pve1", 1}, {"pve2", 1}, {"pve3", 0}}));
}

TEST(PveSim, StaticModeAnswersIdenticallyAndSeedIsDeterministic) {
  SimProcess a = start_sim({"--no-auth", "--static", "--seed", "7"});
  SimProcess b = start_sim({"--no-auth", "--static", "--seed", "7"});
  for (const std::string& path :
       {std::string("/cluster/resources"), std::string("/nodes/pve1/qemu?full=1"),
        std::string("/cluster/metrics/export")}) {
    std::string first = get(a, path)->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(get(a, path)->body, first) << path;
    EXPECT_EQ(get(b, path)->body, first) << path;
  }
  SimProcess other = start_sim({"--no-auth", "--static", "--seed", "8"});
  EXPECT_NE(get(other, "/cluster/resources")->body, get(a, "/cluster/resources")->body);
}

TEST(PveSim, CountersGrowWithoutStatic) {
  SimProcess sim = start_sim({"--no-auth", "--nodes", "1", "--guests-per-node", "20"});
  simdjson::dom::parser parser;
  auto total_netin = [&] {
    uint64_t sum = 0;
    httplib::Result res = get(sim, "/cluster/resources?type=vm");
    for (simdjson::dom::element e : data_of(parser, res->body).get_array()) {
      uint64_t v = 0;
      if (e["netin"].get(v) == simdjson::SUCCESS) sum += v;
    }
    return sum;
  };
  uint64_t before = total_netin();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_GT(total_netin(), before);
}

TEST(PveSim, StatsCountRequestsAndConcurrency) {
  SimProcess sim = start_sim({"--no-auth", "--latency-ms", "300"});
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) threads.emplace_back([&] { get(sim, "/cluster/status"); });
  for (std::thread& t : threads) t.join();
  get(sim, "/version");
  Result<SimStats> stats = sim.stats();
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->requests_total, 7u);
  EXPECT_EQ(stats->paths["/api2/json/cluster/status"], 6u);
  EXPECT_EQ(stats->paths["/api2/json/version"], 1u);
  EXPECT_GE(stats->max_in_flight, 2u);
  EXPECT_LE(stats->max_in_flight, 6u);
  ASSERT_TRUE(sim.reset());
  stats = sim.stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->requests_total, 0u);
  EXPECT_TRUE(stats->paths.empty());
}

TEST(PveSim, ClusterResourcesHaveOneEntryPerGuestNodeAndStorage) {
  SimProcess sim = start_sim(
      {"--no-auth", "--nodes", "2", "--guests-per-node", "7", "--storages-per-node", "2"});
  simdjson::dom::parser parser;
  httplib::Result res = get(sim, "/cluster/resources");
  ASSERT_TRUE(res);
  std::map<std::string, int> counts;
  std::set<int64_t> vmids;
  for (simdjson::dom::element e : data_of(parser, res->body).get_array()) {
    std::string type(e["type"].get_string().value_unsafe());
    ++counts[type];
    if (type == "qemu" || type == "lxc") vmids.insert(e["vmid"].get_int64().value_unsafe());
  }
  EXPECT_EQ(counts["qemu"] + counts["lxc"], 14);
  EXPECT_EQ(vmids.size(), 14u);
  EXPECT_EQ(*vmids.begin(), 100);
  EXPECT_EQ(counts["node"], 2);
  EXPECT_EQ(counts["storage"], 2 * 3);  // two local storages plus the shared one, per node
  EXPECT_GT(counts["qemu"], 0);
  EXPECT_GT(counts["lxc"], 0);

  httplib::Result vms = get(sim, "/cluster/resources?type=vm");
  ASSERT_TRUE(vms);
  EXPECT_EQ(data_of(parser, vms->body).get_array().size(), 14u);
  httplib::Result bad = get(sim, "/cluster/resources?type=pool");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

/// True if any entry of /nodes/pve1/qemu carries `field`.
bool qemu_list_has(const SimProcess& sim, const std::string& field) {
  simdjson::dom::parser parser;
  httplib::Result res = get(sim, "/nodes/pve1/qemu");
  for (simdjson::dom::element e : data_of(parser, res->body).get_array()) {
    simdjson::dom::element v;
    if (e[field].get(v) == simdjson::SUCCESS) return true;
  }
  return false;
}

TEST(PveSim, Pve8AndPve9DifferInVersionSpecificFields) {
  std::vector<std::string> common = {"--no-auth", "--static", "--guests-per-node", "20"};
  std::vector<std::string> args8 = common, args9 = common;
  args8.insert(args8.end(), {"--pve-version", "8"});
  args9.insert(args9.end(), {"--pve-version", "9"});
  SimProcess pve8 = start_sim(args8);
  SimProcess pve9 = start_sim(args9);
  EXPECT_TRUE(qemu_list_has(pve9, "memhost"));
  EXPECT_FALSE(qemu_list_has(pve8, "memhost"));
  EXPECT_TRUE(qemu_list_has(pve9, "pressurecpusome"));
  EXPECT_FALSE(qemu_list_has(pve8, "pressurecpusome"));
  EXPECT_NE(get(pve8, "/version")->body.find("\"release\":\"8.4\""), std::string::npos);
  // node-list exists only on 9; unknown names are a 500 there.
  EXPECT_EQ(get(pve8, "/cluster/metrics/export?node-list=pve1")->status, 400);
  EXPECT_EQ(get(pve9, "/cluster/metrics/export?node-list=pve1")->status, 200);
  EXPECT_EQ(get(pve9, "/cluster/metrics/export?node-list=nope")->status, 500);
}

TEST(PveSim, MetricsExportHasTheDoubleEnvelope) {
  SimProcess sim = start_sim({"--no-auth", "--static", "--nodes", "2", "--guests-per-node", "3"});
  simdjson::dom::parser parser;
  httplib::Result res = get(sim, "/cluster/metrics/export");
  ASSERT_TRUE(res);
  simdjson::dom::array items;
  ASSERT_EQ(data_of(parser, res->body)["data"].get(items), simdjson::SUCCESS);
  std::set<std::string> ids;
  int64_t previous = 0;
  for (simdjson::dom::element e : items) {
    ids.insert(std::string(e["id"].get_string().value_unsafe()));
    int64_t ts = e["timestamp"].get_int64().value_unsafe();
    EXPECT_GE(ts, previous);
    previous = ts;
  }
  EXPECT_TRUE(ids.count("node/pve1"));
  EXPECT_TRUE(ids.count("node/pve2"));
  EXPECT_TRUE(ids.count("storage/pve1/local"));
  httplib::Result local = get(sim, "/cluster/metrics/export?local-only=1");
  EXPECT_EQ(local->body.find("node/pve2"), std::string::npos);
  httplib::Result history = get(sim, "/cluster/metrics/export?history=1&start-time=1755599950");
  ASSERT_EQ(data_of(parser, history->body)["data"].get(items), simdjson::SUCCESS);
  std::set<int64_t> node_timestamps;
  for (simdjson::dom::element e : items)
    if (e["id"].get_string().value_unsafe() == "node/pve1")
      node_timestamps.insert(e["timestamp"].get_int64().value_unsafe());
  EXPECT_EQ(node_timestamps,
            (std::set<int64_t>{1755599960, 1755599970, 1755599980, 1755599990, 1755600000}));
}

TEST(PveSim, GzipsLargeAnswersOnlyWhenAccepted) {
  SimProcess sim = start_sim({"--no-auth", "--static"});
  auto client = client_for(sim);
  client->set_decompress(false);
  httplib::Result gz = client->Get("/api2/json/cluster/resources", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gz->body.substr(0, 2), "\x1f\x8b");
  httplib::Result plain = client->Get("/api2/json/cluster/resources");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  EXPECT_EQ(plain->body.substr(0, 8), "{\"data\":");
  httplib::Result small = client->Get("/api2/json/version", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(small);
  EXPECT_FALSE(small->has_header("Content-Encoding"));  // 1024 bytes or less: never compressed
}

TEST(PveSim, StandaloneNodeHasNoClusterEntry) {
  SimProcess sim = start_sim({"--no-auth", "--static", "--nodes", "1", "--standalone"});
  simdjson::dom::parser parser;
  httplib::Result res = get(sim, "/cluster/status");
  ASSERT_TRUE(res);
  simdjson::dom::array entries = data_of(parser, res->body).get_array();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries.at(0)["type"].get_string().value_unsafe(), "node");
  EXPECT_EQ(entries.at(0)["nodeid"].get_int64().value_unsafe(), 0);
  EXPECT_EQ(entries.at(0)["local"].get_int64().value_unsafe(), 1);
}

TEST(PveSim, QdeviceIsEmptyUnlessConfigured) {
  SimProcess plain = start_sim({"--no-auth", "--static"});
  SimProcess with = start_sim({"--no-auth", "--static", "--qdevice"});
  EXPECT_EQ(get(plain, "/cluster/config/qdevice")->body, "{\"data\":{}}");
  simdjson::dom::parser parser;
  std::string_view state;
  ASSERT_EQ(data_of(parser, get(with, "/cluster/config/qdevice")->body)["State"].get(state),
            simdjson::SUCCESS);
  EXPECT_EQ(state, "Connected");
  EXPECT_EQ(get(plain, "/cluster/ceph/status")->status, 500);
}

TEST(PveSim, ModelListsTheGeneratedGuestsAndTheirStatusEndpointsAgree) {
  SimProcess sim = start_sim({"--no-auth", "--static", "--nodes", "2", "--guests-per-node", "4"});
  httplib::Result model = client_for(sim)->Get("/_sim/model");
  ASSERT_TRUE(model);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(model->body).get(doc), simdjson::SUCCESS);
  simdjson::dom::array guests = doc["guests"].get_array();
  ASSERT_EQ(guests.size(), 8u);
  simdjson::dom::parser status_parser;
  for (simdjson::dom::element g : guests) {
    std::string node(g["node"].get_string().value_unsafe());
    std::string type(g["type"].get_string().value_unsafe());
    int64_t vmid = g["vmid"].get_int64().value_unsafe();
    std::string path =
        "/nodes/" + node + "/" + type + "/" + std::to_string(vmid) + "/status/current";
    httplib::Result res = get(sim, path);
    ASSERT_TRUE(res) << path;
    ASSERT_EQ(res->status, 200) << path;
    simdjson::dom::element data = data_of(status_parser, res->body);
    EXPECT_EQ(data["vmid"].get_int64().value_unsafe(), vmid);
    EXPECT_EQ(data["status"].get_string().value_unsafe(), g["status"].get_string().value_unsafe());
    simdjson::dom::element ha;
    EXPECT_EQ(data["ha"].get(ha), simdjson::SUCCESS) << path;
  }
  // A guest asked for on the wrong node: PVE's "does not exist" 500.
  httplib::Result wrong = get(sim, "/nodes/pve2/qemu/100/status/current");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 500);
}

TEST(PveSim, GuestSnapshotsAlwaysEndWithCurrent) {
  SimProcess sim = start_sim({"--no-auth", "--static", "--nodes", "1", "--guests-per-node", "3"});
  simdjson::dom::parser parser;
  httplib::Result model = client_for(sim)->Get("/_sim/model");
  ASSERT_TRUE(model);
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(model->body).get(doc), simdjson::SUCCESS);
  std::string type(
      doc["guests"].at(1)["type"].get_string().value_unsafe());  // vmid 101: 2 snapshots
  simdjson::dom::parser snap_parser;
  httplib::Result res = get(sim, "/nodes/pve1/" + type + "/101/snapshot");
  ASSERT_TRUE(res);
  simdjson::dom::array snaps = data_of(snap_parser, res->body).get_array();
  ASSERT_EQ(snaps.size(), 3u);
  EXPECT_EQ(snaps.at(2)["name"].get_string().value_unsafe(), "current");
  EXPECT_EQ(snaps.at(2)["parent"].get_string().value_unsafe(), "weekly-1");
}

TEST(PveSim, DiskSmartNeedsTheDiskParameter) {
  SimProcess sim = start_sim({"--no-auth", "--static"});
  EXPECT_EQ(get(sim, "/nodes/pve1/disks/smart")->status, 400);
  EXPECT_EQ(get(sim, "/nodes/pve1/disks/smart?disk=/dev/nope")->status, 500);
  httplib::Result res = get(sim, "/nodes/pve1/disks/smart?disk=/dev/nvme0n1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("\"type\":\"text\""), std::string::npos);
}

TEST(PveSim, FaultsApplyToTheLoginToo) {
  SimProcess sim =
      start_sim({"--user", "monitor@pve", "--password", "pw", "--fault", "/access/ticket=flaky:1"});
  auto client = client_for(sim);
  const char* form = "username=monitor@pve&password=pw";
  httplib::Result first =
      client->Post("/api2/json/access/ticket", form, "application/x-www-form-urlencoded");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 500);
  httplib::Result second =
      client->Post("/api2/json/access/ticket", form, "application/x-www-form-urlencoded");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(sim.stats()->logins, 1u);
}

TEST(PveSim, OfflineNodeGuestsLoseTheirStatisticsAndMetricsExportSkipsTheNode) {
  SimProcess sim = start_sim(
      {"--no-auth", "--static", "--nodes", "2", "--guests-per-node", "3", "--offline-nodes", "1"});
  simdjson::dom::parser parser;
  httplib::Result res = get(sim, "/cluster/resources?type=vm");
  ASSERT_TRUE(res);
  int offline_guests = 0;
  for (simdjson::dom::element e : data_of(parser, res->body).get_array()) {
    if (e["node"].get_string().value_unsafe() != "pve2") continue;
    ++offline_guests;
    EXPECT_EQ(e["status"].get_string().value_unsafe(), "unknown");
    simdjson::dom::element name;
    EXPECT_NE(e["name"].get(name), simdjson::SUCCESS);
  }
  EXPECT_EQ(offline_guests, 3);
  httplib::Result exported = get(sim, "/cluster/metrics/export");
  ASSERT_TRUE(exported);
  EXPECT_EQ(exported->status, 200);
  EXPECT_NE(exported->body.find("\"node/pve1\""), std::string::npos);
  EXPECT_EQ(exported->body.find("\"node/pve2\""), std::string::npos);
}

TEST(PveSim, AuthFailuresAreDelayed) {
  SimProcess sim = start_sim({"--token", k_token, "--auth-fail-delay-ms", "400"});
  auto started = std::chrono::steady_clock::now();
  httplib::Result res = get(sim, "/version", "PVEAPIToken=monitor@pve!exporter=wrong");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(400));
}

}  // namespace
}  // namespace pvex::testing
