// Web config over real TLS on loopback: basic auth verdicts, client certificates, TLS versions,
// certificate and user rotation without restart. The server here is httplib::SSLServer wired
// to the Authorizer exactly as http/server.cpp does it (setup_ssl_ctx + a pre-routing check).
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

// A TLS server on 127.0.0.1 whose security comes from one Authorizer.
class TlsServer {
 public:
  explicit TlsServer(std::shared_ptr<Authorizer> auth, bool health_without_auth = false)
      : m_auth(std::move(auth)),
        m_server([this](SSL_CTX& ctx) { return m_auth->setup_ssl_ctx(ctx); }) {
    m_server.set_pre_routing_handler(
        [this, health_without_auth](const httplib::Request& req, httplib::Response& res) {
          for (const auto& [name, value] : m_auth->current()->headers) res.set_header(name, value);
          if (health_without_auth && req.path == "/-/healthy")
            return httplib::Server::HandlerResponse::Unhandled;
          if (m_auth->check(req.get_header_value("Authorization")) == AuthResult::ok)
            return httplib::Server::HandlerResponse::Unhandled;
          res.status = 401;
          res.set_header("WWW-Authenticate", std::string(k_basic_challenge));
          res.set_content("Unauthorized\n", "text/plain");
          return httplib::Server::HandlerResponse::Handled;
        });
    m_server.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("up 1\n", "text/plain");
    });
    m_server.Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("OK\n", "text/plain");
    });
    EXPECT_TRUE(m_server.is_valid());
    m_port = m_server.bind_to_any_port("127.0.0.1");
    EXPECT_GT(m_port, 0);
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    for (int i = 0; i < 500 && !m_server.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(m_server.is_running());
  }
  ~TlsServer() {
    m_server.stop();
    m_thread.join();
  }
  int port() const { return m_port; }

 private:
  std::shared_ptr<Authorizer> m_auth;
  httplib::SSLServer m_server;
  int m_port = 0;
  std::thread m_thread;
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

  std::shared_ptr<Authorizer> create(const std::string& yaml) {
    testing::write_file_atomically(m_path, yaml);
    Result<std::shared_ptr<Authorizer>> a = Authorizer::create(m_path);
    EXPECT_TRUE(a) << a.error().message;
    return a ? *a : nullptr;
  }

  std::string tls_block(const std::string& extra = "") const {
    return "tls_server_config:\n  cert_file: " + m_pki.server_cert +
           "\n  key_file: " + m_pki.server_key + "\n" + extra;
  }

  testing::TestPki m_pki;
  std::string m_path;
};

TEST_F(WebConfigTls, RightPasswordGets200WrongOrMissingGets401) {
  std::shared_ptr<Authorizer> auth =
      create(tls_block() + "basic_auth_users:\n  prometheus: " + bcrypt("s3cret") +
             "\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n");
  ASSERT_TRUE(auth);
  TlsServer server(auth);

  httplib::Result ok = get(server.port(), m_pki, password("prometheus", "s3cret"));
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "up 1\n");
  EXPECT_EQ(ok->get_header_value("X-Content-Type-Options"), "nosniff");

  httplib::Result wrong = get(server.port(), m_pki, password("prometheus", "nope"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->get_header_value("WWW-Authenticate"), k_basic_challenge);
  EXPECT_EQ(wrong->body, "Unauthorized\n");

  httplib::Result missing = get(server.port(), m_pki, {});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);

  httplib::Result health = get(server.port(), m_pki, {}, "/-/healthy");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 401);  // not exempt unless configured
}

TEST_F(WebConfigTls, HealthWithoutAuthOnlyWhenAsked) {
  std::shared_ptr<Authorizer> auth =
      create(tls_block() + "basic_auth_users:\n  prometheus: " + bcrypt("pw") + "\n");
  ASSERT_TRUE(auth);
  TlsServer server(auth, /*health_without_auth=*/true);
  httplib::Result health = get(server.port(), m_pki, {}, "/-/healthy");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  httplib::Result metrics = get(server.port(), m_pki, {});
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 401);
}

TEST_F(WebConfigTls, RequireAndVerifyClientCert) {
  std::shared_ptr<Authorizer> auth = create(tls_block("  client_ca_file: " + m_pki.ca_cert + "\n"));
  ASSERT_TRUE(auth);
  TlsServer server(auth);

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
  std::shared_ptr<Authorizer> auth =
      create(tls_block("  client_auth_type: RequireAnyClientCert\n"));
  ASSERT_TRUE(auth);
  TlsServer server(auth);
  httplib::Result rogue = get(server.port(), m_pki, client_cert(m_pki.rogue_cert, m_pki.rogue_key));
  ASSERT_TRUE(rogue) << httplib::to_string(rogue.error());
  EXPECT_EQ(rogue->status, 200);
  EXPECT_FALSE(get(server.port(), m_pki, {}));
}

TEST_F(WebConfigTls, VerifyClientCertIfGiven) {
  std::shared_ptr<Authorizer> auth = create(tls_block(
      "  client_ca_file: " + m_pki.ca_cert + "\n  client_auth_type: VerifyClientCertIfGiven\n"));
  ASSERT_TRUE(auth);
  TlsServer server(auth);
  httplib::Result none = get(server.port(), m_pki, {});
  ASSERT_TRUE(none) << httplib::to_string(none.error());
  EXPECT_EQ(none->status, 200);
  EXPECT_FALSE(get(server.port(), m_pki, client_cert(m_pki.rogue_cert, m_pki.rogue_key)));
}

TEST_F(WebConfigTls, MinVersionIsEnforced) {
  std::shared_ptr<Authorizer> auth = create(tls_block("  min_version: TLS13\n"));
  ASSERT_TRUE(auth);
  TlsServer server(auth);
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
  std::shared_ptr<Authorizer> auth =
      create("tls_server_config:\n  cert_file: live.pem\n  key_file: live-key.pem\n");
  ASSERT_TRUE(auth);
  TlsServer server(auth);
  EXPECT_EQ(handshake(server.port(), m_pki).server_cn, "localhost");

  testing::write_file_atomically(key, testing::read_file(m_pki.server2_key));
  testing::write_file_atomically(cert, testing::read_file(m_pki.server2_cert));
  Handshake after = handshake(server.port(), m_pki);
  EXPECT_TRUE(after.ok);
  EXPECT_EQ(after.server_cn, "rotated");
}

TEST_F(WebConfigTls, UsersRotateWithoutRestartAndBrokenEditKeepsThem) {
  std::shared_ptr<Authorizer> auth =
      create(tls_block() + "basic_auth_users:\n  prometheus: " + bcrypt("one") + "\n");
  ASSERT_TRUE(auth);
  TlsServer server(auth);
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
