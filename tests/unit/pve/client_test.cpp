// Unit tests of the client's pure parts: endpoint templates and configuration validation.
#include "pve/client.hpp"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

namespace pvex::pve {
namespace {

TEST(EndpointTemplate, ReplacesNamesAndIds) {
  EXPECT_EQ(endpoint_template("/nodes/pve1/status"), "/nodes/{node}/status");
  EXPECT_EQ(endpoint_template("/nodes/pve1/qemu?full=1"), "/nodes/{node}/qemu");
  EXPECT_EQ(endpoint_template("/nodes/pve-2/qemu/100/status/current"),
            "/nodes/{node}/qemu/{vmid}/status/current");
  EXPECT_EQ(endpoint_template("/nodes/pve1/lxc/101/snapshot/before-upgrade"),
            "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}");
  EXPECT_EQ(endpoint_template("/nodes/pve1/qemu/100/agent/get-fsinfo"),
            "/nodes/{node}/qemu/{vmid}/agent/get-fsinfo");
  EXPECT_EQ(endpoint_template("/nodes/pve1/storage/local-zfs/content"),
            "/nodes/{node}/storage/{storage}/content");
  EXPECT_EQ(endpoint_template("/nodes/pve1/storage"), "/nodes/{node}/storage");
  EXPECT_EQ(endpoint_template("/nodes/pve1/disks/zfs/rpool"), "/nodes/{node}/disks/zfs/{name}");
  EXPECT_EQ(endpoint_template("/nodes/pve1/replication/100-0/status"),
            "/nodes/{node}/replication/{id}/status");
  EXPECT_EQ(endpoint_template("/nodes/pve1/tasks/UPID:pve1:0001:vzdump::root@pam:/status"),
            "/nodes/{node}/tasks/{upid}/status");
  EXPECT_EQ(endpoint_template("/pools/production"), "/pools/{poolid}");
  EXPECT_EQ(endpoint_template("/cluster/ha/resources/vm:100"), "/cluster/ha/resources/{sid}");
  EXPECT_EQ(endpoint_template("/cluster/backup/backup-5c1e"), "/cluster/backup/{id}");
  EXPECT_EQ(endpoint_template("/cluster/unknown/12345"), "/cluster/unknown/{id}");
}

TEST(EndpointTemplate, KeepsFixedPaths) {
  for (const char* p : {"/version", "/cluster/resources", "/cluster/status",
                        "/cluster/ha/resources", "/cluster/ha/status/current",
                        "/cluster/metrics/export", "/cluster/backup-info/not-backed-up",
                        "/cluster/config/qdevice", "/cluster/backup", "/access/ticket", "/nodes"}) {
    EXPECT_EQ(endpoint_template(p), p);
  }
  EXPECT_EQ(endpoint_template("/cluster/resources?type=vm"), "/cluster/resources");
  EXPECT_EQ(endpoint_template(""), "/");
}

config::ApiConfig token_config() {
  config::ApiConfig c;
  c.host = "127.0.0.1";
  c.token_id = "monitor@pve!exporter";
  c.token_secret = "s3cret";
  return c;
}

TEST(ClientCreate, ValidConfigs) {
  Result<std::shared_ptr<Client>> c = Client::create(token_config());
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ((*c)->base_url(), "https://127.0.0.1:8006/api2/json");
  config::ApiConfig v6 = token_config();
  v6.host = "::1";
  v6.port = 18006;
  EXPECT_EQ((*Client::create(v6))->base_url(), "https://[::1]:18006/api2/json");
  EXPECT_TRUE((*c)->stats().requests.empty());
}

TEST(ClientCreate, RejectsIncompleteConfigs) {
  config::ApiConfig none;
  EXPECT_EQ(Client::create(none).error().message, "api.host is empty");
  none.host = "h";
  EXPECT_EQ(Client::create(none).error().kind, ErrorKind::config);
  config::ApiConfig no_secret = token_config();
  no_secret.token_secret.clear();
  EXPECT_EQ(Client::create(no_secret).error().kind, ErrorKind::config);
  config::ApiConfig no_password;
  no_password.host = "h";
  no_password.user = "monitor@pve";
  Result<std::shared_ptr<Client>> r = Client::create(no_password);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "api.user monitor@pve is set but no password or password_file");
  config::ApiConfig bad_pin = token_config();
  bad_pin.fingerprint = "AB:CD";
  EXPECT_EQ(Client::create(bad_pin).error().kind, ErrorKind::config);
  config::ApiConfig missing_file = token_config();
  missing_file.token_secret.clear();
  missing_file.token_secret_file = "/nonexistent/secret";
  EXPECT_EQ(Client::create(missing_file).error().message,
            "cannot read secret file /nonexistent/secret");
}

TEST(ClientCreate, ReadsSecretFiles) {
  std::string path = ::testing::TempDir() + "/pvex_secret";
  { std::ofstream(path) << "s3cret\n"; }
  config::ApiConfig c = token_config();
  c.token_secret.clear();
  c.token_secret_file = path;
  EXPECT_TRUE(Client::create(c).has_value());
  config::ApiConfig p;
  p.host = "h";
  p.user = "monitor";
  p.realm = "pve";
  p.password_file = path;
  EXPECT_TRUE(Client::create(p).has_value());
  std::remove(path.c_str());
}

TEST(ClientGet, UnreachableHostIsAnIoErrorNamingThePath) {
  config::ApiConfig c = token_config();
  c.port = 1;  // nothing listens on port 1 of loopback
  Result<std::shared_ptr<Client>> client = Client::create(c);
  ASSERT_TRUE(client.has_value());
  Result<Body> r = (*client)->get("/version", Clock::now() + std::chrono::seconds(5));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::io);
  EXPECT_TRUE(r.error().message.starts_with("GET /version: ")) << r.error().message;
  EXPECT_EQ(r.error().message.find("s3cret"), std::string::npos);
  ClientStats s = (*client)->stats();
  ASSERT_EQ(s.requests.size(), 1u);
  EXPECT_EQ(s.requests[0], (ClientStats::Requests{"/version", "error", 3}));  // 2 retries
}

TEST(ClientGet, PastDeadlineFailsWithoutRequest) {
  Result<std::shared_ptr<Client>> client = Client::create(token_config());
  Result<Body> r = (*client)->get("/version", Clock::now() - std::chrono::seconds(1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
  EXPECT_TRUE((*client)->stats().requests.empty());
}

}  // namespace
}  // namespace pvex::pve
