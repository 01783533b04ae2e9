// Web config over real TLS on loopback: the exporter's server with make_security(): basic auth
// verdicts, client certificates, TLS versions, certificate and user rotation without restart.
#include "http/auth.hpp"

#include <array>
#include <chrono>
#include <thread>

#include <arpa/inet.h>
#include <crypt.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/test_pki.hpp"

namespace pvex::http {
namespace {

std::string bcrypt(const std::string& password) {
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
  EXPECT_NE(crypt_gensalt_rn("$2y$", 4, nullptr, 0, salt.data(), salt.size()), nullptr);
  crypt_data data{};
  const char* out = crypt_rn(password.c_str(), salt.data(), &data, sizeof data);
  return out != nullptr ? std::string(out) : std::string();
}

// The exporter's HTTP server on 127.0.0.1, secured by make_security() from a web config file.
class TlsServer {
 public:
  explicit TlsServer(const std::string& web_config_file, bool health_without_auth = false) {
    config::WebConfig web;
    web.listen_addresses = {"127.0.0.1:0"};
    web.config_file = web_config_file;
    web.health_without_auth = health_without_auth;
    Result<Security> security = make_security(web);
    EXPECT_TRUE(security) << security.error().message;
    if (!security) return;
    Routes routes;
    routes.landing = [](const Request&) { return Response{}; };
    routes.metrics = [](const Request&) {
      Response res;
      res.body = "up 1\n";
      return res;
    };
    routes.ready = [] { return true; };
    Result<std::unique_ptr<Server>> server = Server::start(web, std::move(routes), *security);
    EXPECT_TRUE(server) << server.error().message;
    if (server) m_server = std::move(*server);
  }
  ~TlsServer() {
    if (m_server) m_server->stop(std::chrono::seconds(2));
  }
  int port() const { return m_server ? m_server->ports().at(0) : 0; }

 private:
  std::unique_ptr<Server> m_server;
};

struct ClientOptions {
  std::string cert, key;  // client certificate; empty: none
  std::string user, password;
};

ClientOptions password(std::string user, std::string pw) {
  ClientOptions o;
  o.user = std::move(user);
  o.password = std::move(pw);
  return o;
}

ClientOptions client_cert(std::string cert, std::string key) {
  ClientOptions o;
  o.cert = std::move(cert);
  o.key = std::move(key);
  return o;
}

httplib::Result get(int port, const testing::TestPki& pki, const ClientOptions& o,
                    const std::string& path = "/metrics") {
  std::unique_ptr<httplib::SSLClient> cli =
      o.cert.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                     : std::make_unique<httplib::SSLClient>("127.0.0.1", port, o.cert, o.key);
  cli->set_ca_cert_path(pki.ca_cert.c_str());
  cli->enable_server_certificate_verification(true);
  cli->set_connection_timeout(std::chrono::seconds(5));
  cli->set_read_timeout(std::chrono::seconds(5));
  if (!o.user.empty()) cli->set_basic_auth(o.user.c_str(), o.password.c_str());
  return cli->Get(path.c_str());
}

// A raw OpenSSL handshake, to see what the server presents and which versions it accepts.
struct Handshake {
  bool ok = false;
  std::string server_cn;
  int version = 0;
};

Handshake handshake(int port, const testing::TestPki& pki, int max_version = 0) {
  Handshake h;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return h;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, pki.ca_cert.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) == 1) {
    h.ok = true;
    h.version = SSL_version(ssl);
    X509* peer = SSL_get1_peer_certificate(ssl);
    if (peer != nullptr) {
      std::array<char, 256> cn{};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn.data(),
                                static_cast<int>(cn.size()));
      h.server_cn = cn.data();
      X509_free(peer);
    }
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return h;
}

class WebConfigTls : public ::testing::Test {
 protected:
  void SetUp() override {
    m_pki = testing::make_test_pki();
    m_path = m_pki.dir + "/web.yml";
  }
  void TearDown() override { testing::remove_tree(m_pki.dir); }

  // Writes the web config; the server built from it is the one under test.
  void write_config(const std::string& yaml) { testing::write_file_atomically(m_path, yaml); }

  std::string tls_block(const std::string& extra = "") const {
    return "tls_server_config:\n  cert_file: " + m_pki.server_cert +
           "\n  key_file: " + m_pki.server_key + "\n" + extra;
  }

  testing::TestPki m_pki;
  std::string m_path;
};

TEST_F(WebConfigTls, RightPasswordGets200WrongOrMissingGets401) {
  write_config(tls_block() + "basic_auth_users:\n  prometheus: " + bcrypt("s3cret") +
               "\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n");
  TlsServer server(m_path);

  httplib::Result ok = get(server.port(), m_pki, password("prometheus", "s3cret"));
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "up 1\n");
  EXPECT_EQ(ok->get_header_value("X-Content-Type-Options"), "nosniff");

  httplib::Result wrong = get(server.port(), m_pki, password("prometheus", "nope"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->get_header_value("WWW-Authenticate"), "Basic realm=\"pve-exporter\"");
  EXPECT_EQ(wrong->body, "Unauthorized\n");

  httplib::Result missing = get(server.port(), m_pki, {});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);

  httplib::Result health = get(server.port(), m_pki, {}, "/-/healthy");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 401);  // not exempt unless configured
}

TEST_F(WebConfigTls, HealthWithoutAuthOnlyWhenAsked) {
  write_config(tls_block() + "basic_auth_users:\n  prometheus: " + bcrypt("pw") + "\n");
  TlsServer server(m_path, /*health_without_auth=*/true);
  httplib::Result health = get(server.port(), m_pki, {}, "/-/healthy");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  httplib::Result metrics = get(server.port(), m_pki, {});
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 401);
}

TEST_F(WebConfigTls, RequireAndVerifyClientCert) {
  write_config(tls_block("  client_ca_file: " + m_pki.ca_cert + "\n"));
  TlsServer server(m_path);

  httplib::Result good =
      get(server.port(), m_pki, client_cert(m_pki.client_cert, m_pki.client_key));
  ASSERT_TRUE(good) << httplib::to_string(good.error());
  EXPECT_EQ(good->status, 200);

  httplib::Result none = get(server.port(), m_pki, {});
  EXPECT_FALSE(none);  // handshake refused: no certificate

  httplib::Result rogue = get(server.port(), m_pki, client_cert(m_pki.rogue_cert, m_pki.rogue_key));
  EXPECT_FALSE(rogue);  // handshake refused: certificate not from the client CA
}

TEST_F(WebConfigTls, RequireAnyClientCertAcceptsUnverifiedButNotNone) {
  write_config(tls_block("  client_auth_type: RequireAnyClientCert\n"));
  TlsServer server(m_path);
  httplib::Result rogue = get(server.port(), m_pki, client_cert(m_pki.rogue_cert, m_pki.rogue_key));
  ASSERT_TRUE(rogue) << httplib::to_string(rogue.error());
  EXPECT_EQ(rogue->status, 200);
  EXPECT_FALSE(get(server.port(), m_pki, {}));
}

TEST_F(WebConfigTls, VerifyClientCertIfGiven) {
  write_config(tls_block("  client_ca_file: " + m_pki.ca_cert +
                         "\n  client_auth_type: VerifyClientCertIfGiven\n"));
  TlsServer server(m_path);
  httplib::Result none = get(server.port(), m_pki, {});
  ASSERT_TRUE(none) << httplib::to_string(none.error());
  EXPECT_EQ(none->status, 200);
  EXPECT_FALSE(get(server.port(), m_pki, client_cert(m_pki.rogue_cert, m_pki.rogue_key)));
}

TEST_F(WebConfigTls, MinVersionIsEnforced) {
  write_config(tls_block("  min_version: TLS13\n"));
  TlsServer server(m_path);
  Handshake tls13 = handshake(server.port(), m_pki);
  EXPECT_TRUE(tls13.ok);
  EXPECT_EQ(tls13.version, TLS1_3_VERSION);
  EXPECT_FALSE(handshake(server.port(), m_pki, TLS1_2_VERSION).ok);
}

TEST_F(WebConfigTls, CertificateRotatesWithoutRestart) {
  std::string cert = m_pki.dir + "/live.pem";
  std::string key = m_pki.dir + "/live-key.pem";
  testing::write_file_atomically(cert, testing::read_file(m_pki.server_cert));
  testing::write_file_atomically(key, testing::read_file(m_pki.server_key));
  write_config("tls_server_config:\n  cert_file: live.pem\n  key_file: live-key.pem\n");
  TlsServer server(m_path);
  EXPECT_EQ(handshake(server.port(), m_pki).server_cn, "localhost");

  testing::write_file_atomically(key, testing::read_file(m_pki.server2_key));
  testing::write_file_atomically(cert, testing::read_file(m_pki.server2_cert));
  Handshake after = handshake(server.port(), m_pki);
  EXPECT_TRUE(after.ok);
  EXPECT_EQ(after.server_cn, "rotated");
}

TEST_F(WebConfigTls, UsersRotateWithoutRestartAndBrokenEditKeepsThem) {
  write_config(tls_block() + "basic_auth_users:\n  prometheus: " + bcrypt("one") + "\n");
  TlsServer server(m_path);
  EXPECT_EQ(get(server.port(), m_pki, password("prometheus", "one"))->status, 200);

  testing::write_file_atomically(
      m_path, tls_block() + "basic_auth_users:\n  prometheus: " + bcrypt("two") + "\n");
  EXPECT_EQ(get(server.port(), m_pki, password("prometheus", "one"))->status, 401);
  EXPECT_EQ(get(server.port(), m_pki, password("prometheus", "two"))->status, 200);

  testing::write_file_atomically(m_path, tls_block() + "basic_auth_users: [\n");
  EXPECT_EQ(get(server.port(), m_pki, password("prometheus", "two"))->status, 200);
}

}  // namespace
}  // namespace pvex::http
