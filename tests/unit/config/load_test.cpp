// Tests for configuration loading: precedence, validation messages, typos, secrets, files.
#include "config/load.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace pvex::config {
namespace {

/// A temporary file removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content, mode_t mode = 0600) {
    char name[] = "/tmp/pvex-config-XXXXXX";
    const int fd = mkstemp(name);
    m_path = name;
    ::close(fd);
    std::ofstream(m_path) << content;
    ::chmod(m_path.c_str(), mode);
  }
  ~TempFile() { std::remove(m_path.c_str()); }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

struct Env {
  std::map<std::string, std::string> vars;
  Getenv fn() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

Result<Loaded> load_args(std::vector<std::string> args, const Env& env = {}) {
  args.insert(args.begin(), "pve-exporter");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return load(static_cast<int>(argv.size()), argv.data(), env.fn());
}

TEST(ConfigLoad, DefaultsWithoutAnything) {
  Result<Loaded> r = load_args({});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::run);
  EXPECT_EQ(r->config.web.listen_addresses, std::vector<std::string>{":9221"});
  EXPECT_EQ(r->config.web.telemetry_path, "/metrics");
  EXPECT_EQ(r->config.api.port, 8006);
  EXPECT_EQ(r->config.scrape.timeout, std::chrono::seconds(10));
}

TEST(ConfigLoad, FileThenEnvironmentThenFlags) {
  TempFile file(
      "api:\n  host: file-host\n  token_id: a@pve!f\n  token_secret: s3cret\n"
      "log:\n  level: warn\nweb:\n  telemetry_path: /file\n");
  Env env;
  env.vars["PVE_EXPORTER_LOG_LEVEL"] = "error";
  env.vars["PVE_HOST"] = "env-host:8443";
  Result<Loaded> r = load_args({"--config.file", file.path(), "--log.level", "debug"}, env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.api.host, "env-host");
  EXPECT_EQ(r->config.api.port, 8443);
  EXPECT_EQ(r->config.log.level, "debug");
  EXPECT_EQ(r->config.web.telemetry_path, "/file");
  EXPECT_EQ(r->config.api.token_id, "a@pve!f");
}

TEST(ConfigLoad, CanonicalEnvironmentNameWinsOverAlias) {
  Env env;
  env.vars["PVE_EXPORTER_WEB_TELEMETRY_PATH"] = "/canonical";
  env.vars["METRICS_PATH"] = "/alias";
  Result<Loaded> r = load_args({}, env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.web.telemetry_path, "/canonical");
}

TEST(ConfigLoad, GoExporterEnvironmentNames) {
  Env env;
  env.vars["PVE_HOST"] = "pve.example";
  env.vars["PVE_PORT"] = "8007";
  env.vars["PVE_USER"] = "monitor";
  env.vars["PVE_REALM"] = "pve";
  env.vars["PVE_PASSWORD"] = "pw";
  env.vars["PVE_INSECURE_SKIP_VERIFY"] = "true";
  env.vars["LISTEN_ADDRESS"] = "127.0.0.1:9999";
  Result<Loaded> r = load_args({}, env);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.api.host, "pve.example");
  EXPECT_EQ(r->config.api.port, 8007);
  EXPECT_EQ(r->config.api.user, "monitor@pve");
  EXPECT_EQ(r->config.api.password, "pw");
  EXPECT_TRUE(r->config.api.insecure_skip_verify);
  EXPECT_EQ(r->config.web.listen_addresses, std::vector<std::string>{"127.0.0.1:9999"});
}

TEST(ConfigLoad, RepeatedListenAddressFlags) {
  Result<Loaded> r = load_args({"--web.listen-address", "127.0.0.1:1", "--web.listen-address", "[::1]:2"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.web.listen_addresses, (std::vector<std::string>{"127.0.0.1:1", "[::1]:2"}));
}

TEST(ConfigLoad, SecretsFromFilesAreTrimmed) {
  TempFile secret("tok-secret\n");
  Result<Loaded> r = load_args({"--api.host", "h", "--api.token-id", "u@pam!t", "--api.token-secret-file", secret.path()});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.api.token_secret, "tok-secret");
}

TEST(ConfigLoad, EveryProblemIsReportedAtOnce) {
  TempFile file(
      "api:\n  hots: x\n  token_id: nobang\n  password: pw\nlog:\n  level: loud\n"
      "scrape:\n  timeout: soon\nweb:\n  listen_addresses: [\"nocolon\"]\n");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_NE(m.find(file.path() + ":2: unknown key \"api.hots\" (did you mean \"api.host\"?)"), std::string::npos) << m;
  EXPECT_NE(m.find(file.path() + ":8: scrape.timeout: \"soon\" is not a duration"), std::string::npos) << m;
  EXPECT_NE(m.find("api.token_id: \"nobang\" must look like user@realm!tokenname"), std::string::npos) << m;
  EXPECT_NE(m.find("api.token_id and api.password are both set"), std::string::npos) << m;
  EXPECT_NE(m.find("log.level: \"loud\" is not one of debug, info, warn, error"), std::string::npos) << m;
  EXPECT_NE(m.find("web.listen_addresses: \"nocolon\" has no :port"), std::string::npos) << m;
  EXPECT_EQ(m.find("pw"), std::string::npos) << "secret leaked: " << m;
}

TEST(ConfigLoad, TokenWithoutSecretIsAnError) {
  Result<Loaded> r = load_args({"--api.host", "h", "--api.token-id", "u@pam!t"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("api.token_id is set but no api.token_secret"), std::string::npos);
}

TEST(ConfigLoad, UserWithoutPasswordIsAnError) {
  Result<Loaded> r = load_args({"--api.host", "h", "--api.user", "root@pam"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("api.user is set but no api.password"), std::string::npos);
}

TEST(ConfigLoad, MalformedYamlNamesTheLine) {
  TempFile file("api:\n  host: [unclosed\n");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(file.path() + ":"), std::string::npos);
  EXPECT_NE(r.error().message.find("invalid YAML"), std::string::npos) << r.error().message;
}

TEST(ConfigLoad, EmptyFileIsAnError) {
  TempFile file("");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, file.path() + ": config file is empty");
}

TEST(ConfigLoad, NotAMappingIsAnError) {
  TempFile file("- a\n- b\n");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, file.path() + ": the config file must be a mapping of keys to values");
}

TEST(ConfigLoad, UnreadableFileIsAnError) {
  Result<Loaded> r = load_args({"--config.file", "/nonexistent/pvex.yml"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/nonexistent/pvex.yml: cannot read config file: No such file or directory");
}

TEST(ConfigLoad, WrongTypesAreErrors) {
  TempFile file("api:\n  port: eighty\n  insecure_skip_verify: maybe\n  max_response_bytes: lots\nweb:\n  telemetry_path: [a, b]\n");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find(":2: api.port: \"eighty\" is not a valid number"), std::string::npos) << m;
  EXPECT_NE(m.find(":3: api.insecure_skip_verify: \"maybe\" is not a boolean"), std::string::npos) << m;
  EXPECT_NE(m.find(":4: api.max_response_bytes: \"lots\" is not a size"), std::string::npos) << m;
  EXPECT_NE(m.find(":6: web.telemetry_path must be a single value"), std::string::npos) << m;
}

TEST(ConfigLoad, UnknownFlagIsAnError) {
  Result<Loaded> r = load_args({"--api.hots", "x"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("flags:"), std::string::npos);
}

TEST(ConfigLoad, BadFlagValueIsAnError) {
  Result<Loaded> r = load_args({"--scrape.timeout", "-3x"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("flag --scrape.timeout:"), std::string::npos) << r.error().message;
}

TEST(ConfigLoad, CollectorFlagsAndFile) {
  TempFile file("collectors:\n  exporter: false\n");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.collectors.at("exporter"), false);
  r = load_args({"--config.file", file.path(), "--collector.exporter"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.collectors.at("exporter"), true);
  r = load_args({"--collector.disable-defaults"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->config.collectors_disable_defaults);
}

TEST(ConfigLoad, UnknownCollectorSuggestsTheClosest) {
  TempFile file("collectors:\n  exportr: true\n");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, file.path() + ":2: collectors: unknown collector \"exportr\" (did you mean \"exporter\"?)");
}

TEST(ConfigLoad, CheckRedactsSecrets) {
  Result<Loaded> r = load_args({"--config.check", "--api.host", "h", "--api.token-id", "u@pam!t",
                                "--api.token-secret", "very-secret-value"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::check);
  EXPECT_EQ(r->output.find("very-secret-value"), std::string::npos);
  EXPECT_NE(r->output.find("token_secret: <redacted>"), std::string::npos) << r->output;
  EXPECT_NE(r->output.find("host: \"h\""), std::string::npos) << r->output;
}

TEST(ConfigLoad, WorldReadableSecretFileIsWarnedAbout) {
  TempFile file("api:\n  host: h\n  user: u@pam\n  password: pw\n", 0644);
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("readable by other users"), std::string::npos);
  TempFile private_file("api:\n  host: h\n  user: u@pam\n  password: pw\n", 0600);
  r = load_args({"--config.file", private_file.path()});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(ConfigLoad, PeerPveYmlBecomesModules) {
  TempFile file("default:\n  user: prometheus@pve\n  token_name: exporter\n  token_value: abc\n  verify_ssl: false\n"
                "other:\n  user: root@pam\n  password: pw\n  timeout: 20\n  port: 8443\n");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->config.modules.size(), 2u);
  const Module& d = r->config.modules.at("default");
  EXPECT_EQ(d.user, "prometheus@pve");
  EXPECT_EQ(d.token_name, "exporter");
  EXPECT_FALSE(d.verify_ssl);
  const Module& o = r->config.modules.at("other");
  EXPECT_EQ(o.timeout, std::chrono::seconds(20));
  EXPECT_EQ(o.port, 8443);
}

TEST(ConfigLoad, UnknownModuleKeyIsRejected) {
  TempFile file("default:\n  user: prometheus@pve\n  password: x\n  host: pve1\n");
  Result<Loaded> r = load_args({"--config.file", file.path()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, file.path() + ":4: modules.default: unknown key \"host\" (did you mean \"port\"?)");
}

TEST(ConfigLoad, HelpAndVersion) {
  Result<Loaded> r = load_args({"--help"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->action, Action::help);
  EXPECT_NE(r->output.find("--web.listen-address"), std::string::npos);
  EXPECT_NE(r->output.find("--collector.exporter"), std::string::npos);
  r = load_args({"--version"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->action, Action::version);
  EXPECT_EQ(r->output.rfind("pve-exporter version ", 0), 0u);
}

TEST(ParseDuration, Forms) {
  EXPECT_EQ(*parse_duration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(*parse_duration("10"), std::chrono::seconds(10));
  EXPECT_EQ(*parse_duration("1.5"), std::chrono::milliseconds(1500));
  EXPECT_EQ(*parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_FALSE(parse_duration("10 parsecs"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("-5"));
}

TEST(ParseSize, Forms) {
  EXPECT_EQ(*parse_size("1024"), 1024u);
  EXPECT_EQ(*parse_size("64KiB"), 65536u);
  EXPECT_EQ(*parse_size("2MB"), 2000000u);
  EXPECT_FALSE(parse_size("12 furlongs"));
}

TEST(ParseListenAddress, Forms) {
  EXPECT_EQ(*parse_listen_address(":9221"), (ListenAddress{"", 9221}));
  EXPECT_EQ(*parse_listen_address("127.0.0.1:80"), (ListenAddress{"127.0.0.1", 80}));
  EXPECT_EQ(*parse_listen_address("[::1]:9221"), (ListenAddress{"::1", 9221}));
  EXPECT_FALSE(parse_listen_address("::1:9221"));
  EXPECT_FALSE(parse_listen_address("host:99999"));
  EXPECT_FALSE(parse_listen_address("[::1]9221"));
}

}  // namespace
}  // namespace pvex::config

namespace pvex::config {
namespace {

TEST(ConfigLoad, InvalidRegularExpressionsAreStartupErrors) {
  std::vector<const char*> argv{"pve-exporter", "--guests.include-name", "web-(", "--zfs.dataset-exclude", "*x"};
  Result<Loaded> r = load(static_cast<int>(argv.size()), argv.data(), [](const char*) -> const char* { return nullptr; });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("guests.include_name: \"web-(\" is not a valid regular expression"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("zfs.dataset_exclude: \"*x\" is not a valid regular expression"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace pvex::config
