// Tests for the Authorizer: basic auth verdicts, header parsing, reload on change, bad files.
#include "http/auth.hpp"

#include <array>

#include <crypt.h>
#include <gtest/gtest.h>

#include "support/test_pki.hpp"

namespace pvex::http {
namespace {

// bcrypt at the lowest cost (4), so tests stay fast; the code path is the same as at cost 10+.
std::string bcrypt(const std::string& password, const char* prefix = "$2b$") {
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
  EXPECT_NE(crypt_gensalt_rn(prefix, 4, nullptr, 0, salt.data(), salt.size()), nullptr);
  crypt_data data{};
  const char* out = crypt_rn(password.c_str(), salt.data(), &data, sizeof data);
  EXPECT_NE(out, nullptr);
  return out != nullptr ? std::string(out) : std::string();
}

std::string basic(std::string_view user_password) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "Basic ";
  size_t i = 0;
  for (; i + 2 < user_password.size(); i += 3) {
    uint32_t n = (uint8_t(user_password[i]) << 16) | (uint8_t(user_password[i + 1]) << 8) |
                 uint8_t(user_password[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += k_alphabet[(n >> shift) & 63];
  }
  size_t rest = user_password.size() - i;
  if (rest == 1) {
    uint32_t n = uint8_t(user_password[i]) << 16;
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t n = (uint8_t(user_password[i]) << 16) | (uint8_t(user_password[i + 1]) << 8);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = testing::make_temp_dir("pvex-auth-");
    m_path = m_dir + "/web.yml";
  }
  void TearDown() override { testing::remove_tree(m_dir); }

  void write(const std::string& yaml) { testing::write_file_atomically(m_path, yaml); }

  std::shared_ptr<Authorizer> create() {
    Result<std::shared_ptr<Authorizer>> a = Authorizer::create(m_path);
    EXPECT_TRUE(a) << a.error().message;
    return a ? *a : nullptr;
  }

  std::string m_dir;
  std::string m_path;
};

TEST(ParseBasicCredentials, DecodesUserAndPassword) {
  EXPECT_EQ(parse_basic_credentials("Basic dXNlcjpwYTpzcw=="),
            (std::pair<std::string, std::string>{"user", "pa:ss"}));
  EXPECT_EQ(parse_basic_credentials("  basic   dTpw  "),
            (std::pair<std::string, std::string>{"u", "p"}));
  EXPECT_EQ(parse_basic_credentials(basic("prometheus:")),
            (std::pair<std::string, std::string>{"prometheus", ""}));
}

TEST(ParseBasicCredentials, RejectsOtherSchemesAndBadEncoding) {
  EXPECT_EQ(parse_basic_credentials("Bearer dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(parse_basic_credentials("Basic"), std::nullopt);
  EXPECT_EQ(parse_basic_credentials("Basic dXNlcjpwYXN"), std::nullopt);   // length % 4
  EXPECT_EQ(parse_basic_credentials("Basic dXNl*jpwYXNz"), std::nullopt);  // bad character
  EXPECT_EQ(parse_basic_credentials("Basic dXN=cjpwYXNz"), std::nullopt);  // inner padding
  EXPECT_EQ(parse_basic_credentials("Basic " + basic("nocolon").substr(6)), std::nullopt);
}

TEST_F(AuthorizerTest, WithoutUsersEverythingPasses) {
  write("http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
  std::shared_ptr<Authorizer> auth = create();
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->check(""), AuthResult::ok);
  EXPECT_EQ(auth->check("Basic garbage"), AuthResult::ok);
  EXPECT_FALSE(auth->tls_enabled());
  EXPECT_EQ(auth->current()->headers.size(), 1u);
}

TEST_F(AuthorizerTest, RightWrongAndMissingPassword) {
  write("basic_auth_users:\n  prometheus: " + bcrypt("s3cret") +
        "\n  other: " + bcrypt("x", "$2y$") + "\n");
  std::shared_ptr<Authorizer> auth = create();
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->check(basic("prometheus:s3cret")), AuthResult::ok);
  EXPECT_EQ(auth->check(basic("prometheus:s3cret")), AuthResult::ok);  // from the cache
  EXPECT_EQ(auth->check(basic("other:x")), AuthResult::ok);            // $2y$ hashes work
  EXPECT_EQ(auth->check(basic("prometheus:s3cre")), AuthResult::denied);
  EXPECT_EQ(auth->check(basic("prometheus:s3cret ")), AuthResult::denied);
  EXPECT_EQ(auth->check(basic("other:s3cret")), AuthResult::denied);       // another user's
  EXPECT_EQ(auth->check(basic("nobody:s3cret")), AuthResult::denied);      // unknown user
  EXPECT_EQ(auth->check(basic("Prometheus:s3cret")), AuthResult::denied);  // names are exact
  EXPECT_EQ(auth->check(basic(std::string_view("prometheus:s3cret\0x", 19))), AuthResult::denied);
  EXPECT_EQ(auth->check(""), AuthResult::missing);
  EXPECT_EQ(auth->check("   "), AuthResult::missing);
  EXPECT_EQ(auth->check("Bearer abc"), AuthResult::denied);
  EXPECT_EQ(auth->check("Basic !!!!"), AuthResult::denied);
}

TEST_F(AuthorizerTest, ReloadsUsersWhenTheFileChanges) {
  write("basic_auth_users:\n  prometheus: " + bcrypt("old") + "\n");
  std::shared_ptr<Authorizer> auth = create();
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->check(basic("prometheus:old")), AuthResult::ok);  // now cached
  EXPECT_EQ(auth->generation(), 1u);

  write("basic_auth_users:\n  prometheus: " + bcrypt("new") + "\n  grafana: " + bcrypt("g") + "\n");
  EXPECT_EQ(auth->check(basic("prometheus:old")), AuthResult::denied);  // cache did not survive
  EXPECT_EQ(auth->check(basic("prometheus:new")), AuthResult::ok);
  EXPECT_EQ(auth->check(basic("grafana:g")), AuthResult::ok);
  EXPECT_EQ(auth->generation(), 2u);
}

TEST_F(AuthorizerTest, FailedReloadKeepsTheLastGoodConfig) {
  write("basic_auth_users:\n  prometheus: " + bcrypt("pw") + "\n");
  std::shared_ptr<Authorizer> auth = create();
  ASSERT_TRUE(auth);
  write("basic_auth_users:\n  prometheus: [broken\n");
  EXPECT_EQ(auth->check(basic("prometheus:pw")), AuthResult::ok);
  EXPECT_EQ(auth->check(basic("prometheus:wrong")), AuthResult::denied);
  EXPECT_EQ(auth->generation(), 1u);

  // A later good version is picked up.
  write("basic_auth_users:\n  prometheus: " + bcrypt("pw2") + "\n");
  EXPECT_EQ(auth->check(basic("prometheus:pw2")), AuthResult::ok);
  EXPECT_EQ(auth->generation(), 2u);
}

TEST_F(AuthorizerTest, DeletedFileKeepsTheLastGoodConfig) {
  write("basic_auth_users:\n  prometheus: " + bcrypt("pw") + "\n");
  std::shared_ptr<Authorizer> auth = create();
  ASSERT_TRUE(auth);
  testing::remove_tree(m_path);
  EXPECT_EQ(auth->check(basic("prometheus:pw")), AuthResult::ok);
  EXPECT_EQ(auth->check(""), AuthResult::missing);
}

TEST_F(AuthorizerTest, MalformedFileFailsAtCreation) {
  write("basic_auth_users:\n  prometheus: plaintext\n");
  Result<std::shared_ptr<Authorizer>> a = Authorizer::create(m_path);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, ErrorKind::config);
  EXPECT_EQ(a.error().message.find("plaintext"), std::string::npos);
  EXPECT_NE(a.error().message.find("basic_auth_users.prometheus (line 2): not a bcrypt hash"),
            std::string::npos);
}

TEST_F(AuthorizerTest, MissingFileFailsAtCreation) {
  Result<std::shared_ptr<Authorizer>> a = Authorizer::create(m_dir + "/absent.yml");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, ErrorKind::io);
}

TEST_F(AuthorizerTest, KeyNotMatchingCertificateFailsAtCreation) {
  testing::TestPki pki = testing::make_test_pki();
  write("tls_server_config:\n  cert_file: " + pki.server_cert + "\n  key_file: " + pki.client_key +
        "\n");
  Result<std::shared_ptr<Authorizer>> a = Authorizer::create(m_path);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, ErrorKind::tls);
  EXPECT_EQ(a.error().message,
            "web config '" + m_path + "': tls_server_config: key_file does not match cert_file");
  testing::remove_tree(pki.dir);
}

TEST_F(AuthorizerTest, NonPemCertificateFailsAtCreation) {
  testing::TestPki pki = testing::make_test_pki();
  testing::write_file_atomically(pki.dir + "/junk.pem", "not a certificate\n");
  write("tls_server_config:\n  cert_file: " + pki.dir + "/junk.pem\n  key_file: " + pki.server_key +
        "\n");
  Result<std::shared_ptr<Authorizer>> a = Authorizer::create(m_path);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "web config '" + m_path + "': tls_server_config.cert_file '" +
                                   pki.dir + "/junk.pem': no PEM certificate");
  testing::remove_tree(pki.dir);
}

TEST_F(AuthorizerTest, TurningTlsOnByReloadIsRefused) {
  testing::TestPki pki = testing::make_test_pki();
  write("basic_auth_users:\n  u: " + bcrypt("p") + "\n");
  std::shared_ptr<Authorizer> auth = create();
  ASSERT_TRUE(auth);
  write("tls_server_config:\n  cert_file: " + pki.server_cert + "\n  key_file: " + pki.server_key +
        "\n");
  EXPECT_EQ(auth->check(""), AuthResult::missing);  // old config (with a user) still in force
  EXPECT_EQ(auth->generation(), 1u);
  EXPECT_FALSE(auth->tls_enabled());
  testing::remove_tree(pki.dir);
}

TEST_F(AuthorizerTest, CertificateRotationIsAReload) {
  testing::TestPki pki = testing::make_test_pki();
  write("tls_server_config:\n  cert_file: live.pem\n  key_file: live-key.pem\n");
  testing::write_file_atomically(m_dir + "/live.pem", testing::read_file(pki.server_cert));
  testing::write_file_atomically(m_dir + "/live-key.pem", testing::read_file(pki.server_key));
  std::shared_ptr<Authorizer> auth = create();
  ASSERT_TRUE(auth);
  EXPECT_TRUE(auth->tls_enabled());
  EXPECT_EQ(auth->generation(), 1u);

  // New certificate without its key yet: mismatch, keep the old pair.
  testing::write_file_atomically(m_dir + "/live.pem", testing::read_file(pki.server2_cert));
  EXPECT_EQ(auth->generation(), 1u);
  // The key follows: the pair loads.
  testing::write_file_atomically(m_dir + "/live-key.pem", testing::read_file(pki.server2_key));
  EXPECT_EQ(auth->generation(), 2u);
  testing::remove_tree(pki.dir);
}

TEST_F(AuthorizerTest, MakeSecurityWithoutWebConfigIsOpen) {
  config::WebConfig web;
  web.health_without_auth = true;
  Result<Security> s = make_security(web);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->authorize);
  EXPECT_FALSE(s->setup_tls);
  EXPECT_TRUE(s->cert_file.empty());
  EXPECT_TRUE(s->health_without_auth);
}

TEST_F(AuthorizerTest, MakeSecurityFromAFile) {
  testing::TestPki pki = testing::make_test_pki();
  write("tls_server_config:\n  cert_file: " + pki.server_cert + "\n  key_file: " + pki.server_key +
        "\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  u: " +
        bcrypt("p") + "\n");
  config::WebConfig web;
  web.config_file = m_path;
  Result<Security> s = make_security(web);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->cert_file, pki.server_cert);
  EXPECT_EQ(s->key_file, pki.server_key);
  EXPECT_TRUE(s->setup_tls);
  ASSERT_TRUE(s->authorize);
  EXPECT_EQ(s->authorize(basic("u:p")), AuthResult::ok);
  EXPECT_EQ(s->authorize(basic("u:x")), AuthResult::denied);
  EXPECT_EQ(s->authorize(""), AuthResult::missing);
  EXPECT_EQ(s->headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Frame-Options", "deny"}}));
  EXPECT_FALSE(s->health_without_auth);
  testing::remove_tree(pki.dir);
}

TEST_F(AuthorizerTest, MakeSecurityFailsOnAMalformedFile) {
  write("tls_server_config:\n  cert_file: a.pem\n");
  config::WebConfig web;
  web.config_file = m_path;
  Result<Security> s = make_security(web);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "web config '" + m_path + "': tls_server_config.key_file (line 2): missing");
}

TEST_F(AuthorizerTest, ShippedExampleHashIsOfTheDocumentedPassword) {
  std::string example =
      testing::read_file(std::string(PVEX_SOURCE_DIR) + "/packaging/web-config.yml");
  size_t at = example.find("  prometheus: $2");
  ASSERT_NE(at, std::string::npos);
  std::string line = example.substr(at, example.find('\n', at) - at);
  write("basic_auth_users:\n" + line + "\n");
  std::shared_ptr<Authorizer> auth = create();
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->check(basic("prometheus:change-me")), AuthResult::ok);
  EXPECT_EQ(auth->check(basic("prometheus:change-me!")), AuthResult::denied);
}

}  // namespace
}  // namespace pvex::http
