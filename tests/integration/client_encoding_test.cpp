// The client's gzip handling (pve/client.cpp, pve/gzip.cpp) against a local HTTPS server that
// HTTPS server that answers with chosen Content-Encodings and bodies: decoded content, the size
// limit measured on the decoded content, and corrupt or unsupported encodings as errors naming the
// path.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>
#include <zlib.h>

#include "pve/client.hpp"
#include "pve/session.hpp"
#include "support/test_pki.hpp"

namespace pvex::pve {
namespace {

/// `data` as one gzip member.
std::string gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

/// The JSON the server sends: large enough to span many TLS records.
std::string big_json() {
  std::string s = R"({"data":[)";
  for (int i = 0; i < 20000; ++i) s += (i ? "," : "") + std::to_string(i);
  return s + "]}";
}

class ClientEncoding : public ::testing::Test {
 protected:
  void SetUp() override {
    m_pki = testing::make_test_pki();
    m_server =
        std::make_unique<httplib::SSLServer>(m_pki.server_cert.c_str(), m_pki.server_key.c_str());
    // application/octet-stream: httplib would compress a JSON content type a second time.
    auto send = [](httplib::Response& res, const std::string& body, const char* encoding) {
      if (encoding) res.set_header("Content-Encoding", encoding);
      res.set_content(body, "application/octet-stream");
    };
    m_server->Get("/api2/json/gzip",
                  [&, send](const httplib::Request& req, httplib::Response& res) {
                    m_accept_encoding = req.get_header_value("Accept-Encoding");
                    send(res, gzip(big_json()), "gzip");
                  });
    m_server->Get("/api2/json/plain", [send](const httplib::Request&, httplib::Response& res) {
      send(res, big_json(), nullptr);
    });
    m_server->Get("/api2/json/corrupt", [send](const httplib::Request&, httplib::Response& res) {
      std::string body = gzip(big_json());
      body[body.size() / 2] = static_cast<char>(body[body.size() / 2] ^ 0x55);
      send(res, body, "gzip");
    });
    m_server->Get("/api2/json/truncated", [send](const httplib::Request&, httplib::Response& res) {
      send(res, "\x1f\x8b\x08", "gzip");
    });
    m_server->Get("/api2/json/brotli", [send](const httplib::Request&, httplib::Response& res) {
      send(res, "xyz", "br");
    });
    m_port = m_server->bind_to_any_port("127.0.0.1");
    ASSERT_GT(m_port, 0);
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
    for (int i = 0; i < 500 && !m_server->is_running(); ++i)  // at most 5 s
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(m_server->is_running());
  }

  void TearDown() override {
    if (m_server) m_server->stop();
    if (m_thread.joinable()) m_thread.join();
    testing::remove_tree(m_pki.dir);
  }

  std::shared_ptr<Client> client(size_t max_response_bytes = 64 << 20) {
    config::ApiConfig c;
    c.host = "127.0.0.1";
    c.port = m_port;
    c.token_id = "t@pve!x";
    c.token_secret = "s";
    c.ca_file = m_pki.ca_cert;
    c.max_response_bytes = max_response_bytes;
    Result<std::shared_ptr<Client>> cl = Client::create(c);
    EXPECT_TRUE(cl.has_value()) << cl.error().message;
    return *cl;
  }

  static Clock::time_point soon() { return Clock::now() + std::chrono::seconds(10); }

  testing::TestPki m_pki;
  std::unique_ptr<httplib::SSLServer> m_server;
  std::thread m_thread;
  int m_port = 0;
  std::string m_accept_encoding;
};

TEST_F(ClientEncoding, GzipAnswerIsDecodedWithPaddingBehindIt) {
  Result<Body> b = client()->get("/gzip", soon());
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(**b, big_json());
  EXPECT_GE((*b)->capacity(), (*b)->size() + simdjson::SIMDJSON_PADDING);
  EXPECT_EQ(m_accept_encoding, "gzip");
}

TEST_F(ClientEncoding, SessionGetsTheGzipAnswerCompressedAndDecodesItOnUse) {
  Result<Answer> a = client()->get_answer("/gzip", soon());
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->encoding, Encoding::gzip);
  EXPECT_EQ(*a->bytes, gzip(big_json()));
  Session session(client()->fetcher(), soon());
  Result<Body> b = session.get("/gzip");
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(**b, big_json());
  Result<Body> corrupt = session.get("/corrupt");
  ASSERT_FALSE(corrupt.has_value());
  EXPECT_EQ(corrupt.error().kind, ErrorKind::io);
  EXPECT_EQ(corrupt.error().message, "GET /corrupt: invalid gzip body");
  const size_t limit = big_json().size() - 1;
  Result<Answer> big = client(limit)->get_answer("/gzip", soon());
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().message,
            "GET /gzip: response too large (> " + std::to_string(limit) + " bytes)");
  Result<Answer> plain = client()->get_answer("/plain", soon());
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->encoding, Encoding::identity);
  EXPECT_EQ(*plain->bytes, big_json());
}

TEST_F(ClientEncoding, PlainAnswerIsKeptAsIs) {
  Result<Body> b = client()->get("/plain", soon());
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(**b, big_json());
  EXPECT_GE((*b)->capacity(), (*b)->size() + simdjson::SIMDJSON_PADDING);
}

TEST_F(ClientEncoding, SizeLimitAppliesToTheDecodedAnswer) {
  const size_t limit = big_json().size() - 1;
  ASSERT_LT(gzip(big_json()).size(), limit);  // the compressed answer alone would pass
  Result<Body> b = client(limit)->get("/gzip", soon());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().kind, ErrorKind::io);
  EXPECT_EQ(b.error().message,
            "GET /gzip: response too large (> " + std::to_string(limit) + " bytes)");
  EXPECT_TRUE(client(big_json().size())->get("/gzip", soon()).has_value());
}

TEST_F(ClientEncoding, CorruptTruncatedOrUnknownEncodingsAreIoErrors) {
  std::shared_ptr<Client> c = client();
  const std::string where = " (127.0.0.1:" + std::to_string(m_port) + ")";
  Result<Body> corrupt = c->get("/corrupt", soon());
  ASSERT_FALSE(corrupt.has_value());
  EXPECT_EQ(corrupt.error().kind, ErrorKind::io);
  EXPECT_EQ(corrupt.error().message, "GET /corrupt: invalid gzip body" + where);
  Result<Body> truncated = c->get("/truncated", soon());
  ASSERT_FALSE(truncated.has_value());
  EXPECT_EQ(truncated.error().message, "GET /truncated: truncated gzip body" + where);
  Result<Body> brotli = c->get("/brotli", soon());
  ASSERT_FALSE(brotli.has_value());
  EXPECT_EQ(brotli.error().message, "GET /brotli: unsupported Content-Encoding br" + where);
}

}  // namespace
}  // namespace pvex::pve
