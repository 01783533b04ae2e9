// Tests for the --web.config.file parser: every key, defaults, and each kind of bad input.
#include "config/web_config.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "support/test_pki.hpp"

namespace pvex::config {
namespace {

// bcrypt of "secret" at cost 4 (made with crypt_gensalt_rn + crypt_rn); only the shape matters
// to the parser.
const std::string k_hash = "$2b$04$LbnL1MI6VqU8lFvlsYt9K.2VGR3Gi7pPt7ZHgQ2a7ZbVl4PUm4nUW";

Result<WebConfigFile> parse(std::string_view yaml) {
  return parse_web_config(yaml, "/etc/pvex");
}

std::string error_of(std::string_view yaml) {
  Result<WebConfigFile> r = parse(yaml);
  if (r) return "(parsed without error)";
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  return r.error().message;
}

TEST(WebConfig, EmptyFileMeansPlainHttpWithoutAuth) {
  Result<WebConfigFile> r = parse("");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->tls_enabled);
  EXPECT_FALSE(r->requires_auth());
  EXPECT_TRUE(r->headers.empty());
}

TEST(WebConfig, ParsesEverySupportedKey) {
  Result<WebConfigFile> r = parse(R"(
tls_server_config:
  cert_file: /etc/pvex/tls/server.crt
  key_file: tls/server.key
  client_ca_file: ../ca.pem
  client_auth_type: VerifyClientCertIfGiven
  min_version: TLS13
  max_version: TLS13
  prefer_server_cipher_suites: false
http_server_config:
  http2: false
  headers:
    x-frame-options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  zoe: )" + k_hash + R"(
  alice: )" + k_hash + "\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->tls_enabled);
  TlsServerConfig want;
  want.cert_file = "/etc/pvex/tls/server.crt";
  want.key_file = "/etc/pvex/tls/server.key";  // relative: against the file's folder
  want.client_ca_file = "/etc/ca.pem";
  want.client_auth = ClientAuth::verify_client_cert_if_given;
  want.min_version = TlsVersion::tls13;
  want.max_version = TlsVersion::tls13;
  want.prefer_server_cipher_suites = false;
  EXPECT_EQ(r->tls, want);
  ASSERT_EQ(r->users.size(), 2u);
  EXPECT_EQ(r->users[0], (BasicAuthUser{"alice", k_hash}));  // sorted by name
  EXPECT_EQ(r->users[1].name, "zoe");
  using H = std::pair<std::string, std::string>;
  EXPECT_EQ(r->headers, (std::vector<H>{{"X-Frame-Options", "deny"},
                                        {"Strict-Transport-Security", "max-age=31536000"}}));
}

TEST(WebConfig, TlsDefaultsFollowExporterToolkit) {
  Result<WebConfigFile> r = parse("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tls.client_auth, ClientAuth::no_client_cert);
  EXPECT_EQ(r->tls.min_version, TlsVersion::tls12);
  EXPECT_EQ(r->tls.max_version, TlsVersion::tls13);
  EXPECT_EQ(r->tls.cert_file, "/etc/pvex/a.crt");
}

TEST(WebConfig, ClientCaWithoutPolicyMeansRequireAndVerify) {
  Result<WebConfigFile> r =
      parse("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: /ca.pem\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tls.client_auth, ClientAuth::require_and_verify_client_cert);
}

TEST(WebConfig, UnknownTopLevelKeyIsNamedWithLineAndSuggestion) {
  EXPECT_EQ(error_of("\nbasic_auth_user:\n  a: b\n"),
            "basic_auth_user (line 2): unknown key (did you mean 'basic_auth_users'?)");
}

TEST(WebConfig, UnknownNestedKeyIsNamed) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  key_file: b\n  certfile: c\n"),
            "tls_server_config.certfile (line 4): unknown key (did you mean 'cert_file'?)");
}

TEST(WebConfig, BadClientAuthTypeListsTheChoices) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                     "  client_auth_type: RequireCert\n"),
            "tls_server_config.client_auth_type (line 4): unknown value 'RequireCert'; expected "
            "one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
            "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
}

TEST(WebConfig, BadTlsVersion) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS1.2\n"),
            "tls_server_config.min_version (line 4): unknown value 'TLS1.2'; expected one of "
            "TLS10, TLS11, TLS12, TLS13");
}

TEST(WebConfig, MinAboveMaxVersion) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
                     "  max_version: TLS12\n"),
            "tls_server_config.min_version (line 2): is above max_version");
}

TEST(WebConfig, CertWithoutKey) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n"),
            "tls_server_config.key_file (line 2): missing");
}

TEST(WebConfig, VerifyingPolicyNeedsClientCa) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                     "  client_auth_type: RequireAndVerifyClientCert\n"),
            "tls_server_config.client_auth_type (line 4): RequireAndVerifyClientCert needs "
            "client_ca_file");
}

TEST(WebConfig, ClientCaWithNonVerifyingPolicyIsRefused) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n"
                     "  client_auth_type: RequestClientCert\n"),
            "tls_server_config.client_ca_file (line 5): is set but client_auth_type "
            "RequestClientCert does not verify certificates");
}

TEST(WebConfig, GoOnlyTlsKeysAreRefusedNotIgnored) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                     "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"),
            "tls_server_config.cipher_suites (line 4): not supported by pve-exporter; remove it "
            "(OpenSSL's defaults apply)");
}

TEST(WebConfig, PlainPasswordInsteadOfHashIsRefusedWithoutEchoingIt) {
  std::string message = error_of("basic_auth_users:\n  prometheus: hunter2\n");
  EXPECT_EQ(message,
            "basic_auth_users.prometheus (line 2): not a bcrypt hash (expected $2y$/$2b$/$2a$, 60 "
            "characters; generate one with `htpasswd -nBC 10 USER`)");
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
}

TEST(WebConfig, HashOfWrongAlgorithmIsRefused) {
  // A SHA-512 crypt hash: valid for crypt(3), but not bcrypt.
  EXPECT_NE(
      error_of(
          "basic_auth_users:\n  u: $6$salt$abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxy\n")
          .find("not a bcrypt hash"),
      std::string::npos);
}

TEST(WebConfig, UserNameWithColonIsRefused) {
  EXPECT_EQ(error_of("basic_auth_users:\n  \"a:b\": " + k_hash + "\n"),
            "basic_auth_users.a:b (line 2): a user name must be non-empty and contain no ':'");
}

TEST(WebConfig, HeaderOutsideTheAllowListIsRefused) {
  EXPECT_EQ(error_of("http_server_config:\n  headers:\n    Server: nginx\n"),
            "http_server_config.headers.Server (line 3): header not allowed; allowed: "
            "Strict-Transport-Security X-Content-Type-Options X-Frame-Options X-XSS-Protection "
            "Content-Security-Policy");
}

TEST(WebConfig, WrongTypesAreNamed) {
  EXPECT_EQ(error_of("basic_auth_users: [a, b]\n"),
            "basic_auth_users (line 1): expected a mapping of user: bcrypt hash");
  EXPECT_EQ(error_of("tls_server_config: yes\n"), "tls_server_config (line 1): expected a mapping");
  EXPECT_EQ(error_of("http_server_config:\n  http2: sometimes\n"),
            "http_server_config.http2 (line 2): expected true or false");
}

TEST(WebConfig, ReportsEveryProblemAtOnce) {
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  min_version: X\n"
                     "basic_auth_users:\n  u: plain\n"),
            "tls_server_config.min_version (line 3): unknown value 'X'; expected one of TLS10, "
            "TLS11, TLS12, TLS13\n"
            "tls_server_config.key_file (line 2): missing\n"
            "basic_auth_users.u (line 5): not a bcrypt hash (expected $2y$/$2b$/$2a$, 60 "
            "characters; generate one with `htpasswd -nBC 10 USER`)");
}

TEST(WebConfig, MalformedYamlGivesPosition) {
  EXPECT_EQ(error_of("basic_auth_users:\n  u: [unclosed\n"),
            "malformed YAML at line 3, column 1: end of sequence flow not found");
}

TEST(WebConfig, NonMappingDocumentIsRefused) {
  EXPECT_EQ(error_of("- a\n- b\n"), " (line 1): expected a mapping");
}

TEST(WebConfigLoad, MissingFileIsIoError) {
  Result<WebConfigFile> r = load_web_config("/nonexistent/web.yml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::io);
  EXPECT_EQ(r.error().message, "web config '/nonexistent/web.yml': cannot open");
}

TEST(WebConfigLoad, MissingCertificateFileFailsAtLoad) {
  std::string dir = testing::make_temp_dir("pvex-webcfg-");
  std::string path = dir + "/web.yml";
  testing::write_file_atomically(
      path, "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n");
  Result<WebConfigFile> r = load_web_config(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_EQ(r.error().message, "web config '" + path +
                                   "': tls_server_config.cert_file: no such file '" + dir +
                                   "/nope.crt'");
  testing::remove_tree(dir);
}

TEST(WebConfigLoad, ResolvesPathsAgainstTheFilesFolder) {
  testing::TestPki pki = testing::make_test_pki();
  std::string path = pki.dir + "/web.yml";
  testing::write_file_atomically(path,
                                 "tls_server_config:\n  cert_file: server.pem\n"
                                 "  key_file: server-key.pem\n  client_ca_file: ca.pem\n");
  Result<WebConfigFile> r = load_web_config(path);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->tls.cert_file, pki.server_cert);
  EXPECT_EQ(r->tls.key_file, pki.server_key);
  EXPECT_EQ(r->tls.client_ca_file, pki.ca_cert);
  testing::remove_tree(pki.dir);
}

}  // namespace
}  // namespace pvex::config

namespace pvex::config {
namespace {

TEST(WebConfigExample, ShippedExampleParses) {
  std::string text = testing::read_file(std::string(PVEX_SOURCE_DIR) + "/packaging/web-config.yml");
  Result<WebConfigFile> r = parse_web_config(text, "/etc/pve-exporter");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->tls_enabled);
  EXPECT_EQ(r->tls.cert_file, "/etc/pve-exporter/tls/exporter.crt");
  EXPECT_EQ(r->tls.client_auth, ClientAuth::no_client_cert);
  ASSERT_EQ(r->users.size(), 1u);
  EXPECT_EQ(r->users[0].name, "prometheus");
  EXPECT_EQ(r->headers.size(), 2u);
}

}  // namespace
}  // namespace pvex::config
