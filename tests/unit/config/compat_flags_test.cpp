// The peer's (prometheus-pve-exporter's) command line: --collector.X / --no-collector.X for its
// collector names, --server.keyfile / --server.certfile, and its pve.yml and listen flag.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "collectors/collector.hpp"
#include "compat/profile.hpp"
#include "config/load.hpp"

namespace pvex::config {
namespace {

Result<Loaded> load_args(std::vector<std::string> args) {
  args.insert(args.begin(), "pve-exporter");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return load(static_cast<int>(argv.size()), argv.data(),
              [](const char*) -> const char* { return nullptr; });
}

TEST(CompatFlags, NoChoiceByDefault) {
  Result<Loaded> r = load_args({});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->config.compat_collectors.empty());
  EXPECT_TRUE(r->config.server_keyfile.empty());
}

TEST(CompatFlags, PeerCollectorFlagsTurnProfileCollectorsOnAndOff) {
  Result<Loaded> r =
      load_args({"--no-collector.config", "--collector.status", "--no-collector.backup-info"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.compat_collectors.at("config"), false);
  EXPECT_EQ(r->config.compat_collectors.at("status"), true);
  EXPECT_EQ(r->config.compat_collectors.at("backup-info"), false);
  EXPECT_EQ(r->config.compat_collectors.count("version"), 0u);
  const std::vector<const collectors::CollectorSpec*> on =
      compat::enabled_collectors(r->config, true, true);
  EXPECT_EQ(on.size(), 8u);
}

// A name shared with a native collector is one flag: it sets both; the others only the profile.
TEST(CompatFlags, EveryPeerNameWorksWhetherOrNotANativeCollectorHasIt) {
  for (const compat::CompatCollector& c : compat::collectors()) {
    const std::string name(c.spec.name);
    Result<Loaded> r = load_args({"--no-collector." + name});
    ASSERT_TRUE(r) << name << ": " << r.error().message;
    EXPECT_EQ(r->config.compat_collectors.at(name), false) << name;
    const bool shared = collectors::find_collector(name) != nullptr;
    EXPECT_EQ(r->config.collectors.count(name), shared ? 1u : 0u) << name;
    if (shared) {
      EXPECT_EQ(r->config.collectors.at(name), false) << name;
    }
  }
}

TEST(CompatFlags, UnknownCollectorFlagIsRejected) {
  Result<Loaded> r = load_args({"--collector.nosuch"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nosuch"), std::string::npos) << r.error().message;
}

TEST(CompatFlags, ServerKeyAndCertFiles) {
  Result<Loaded> r =
      load_args({"--server.keyfile", "/etc/ssl/k.pem", "--server.certfile", "/etc/ssl/c.pem"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.server_keyfile, "/etc/ssl/k.pem");
  EXPECT_EQ(r->config.server_certfile, "/etc/ssl/c.pem");
}

TEST(CompatFlags, KeyFileWithoutCertFileIsAnError) {
  Result<Loaded> r = load_args({"--server.keyfile", "/etc/ssl/k.pem"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--server.certfile"), std::string::npos) << r.error().message;
}

TEST(CompatFlags, HelpListsThePeersCollectors) {
  Result<Loaded> r = load_args({"--help"});
  ASSERT_TRUE(r) << r.error().message;
  for (const compat::CompatCollector& c : compat::collectors())
    EXPECT_NE(r->output.find("--collector." + std::string(c.spec.name)), std::string::npos)
        << c.spec.name;
  EXPECT_NE(r->output.find("--server.keyfile"), std::string::npos);
}

TEST(CompatFlags, PeersCommandLineAndPveYmlAreAcceptedUnchanged) {
  char name[] = "/tmp/pvex-pve-yml-XXXXXX";
  const int fd = mkstemp(name);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(name)
      << "default:\n  user: prometheus@pve\n  token_name: exporter\n  token_value: "
         "0123-secret\n  verify_ssl: false\ncluster2:\n  user: monitor@pve\n  password: pw\n"
         "  timeout: 20\n  port: 8443\n";
  Result<Loaded> r = load_args(
      {"--config.file", name, "--web.listen-address", "[::]:9221", "--no-collector.config"});
  std::remove(name);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->config.modules.size(), 2u);
  EXPECT_EQ(r->config.modules.at("default").token_name, "exporter");
  EXPECT_FALSE(r->config.modules.at("default").verify_ssl);
  EXPECT_EQ(r->config.modules.at("cluster2").port, 8443);
  EXPECT_EQ(r->config.modules.at("cluster2").timeout, std::chrono::seconds(20));
  EXPECT_EQ(r->config.web.listen_addresses, std::vector<std::string>{"[::]:9221"});
  EXPECT_EQ(r->config.compat_collectors.at("config"), false);
}

}  // namespace
}  // namespace pvex::config
