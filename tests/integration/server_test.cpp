// The HTTP server over real loopback sockets: routes, status codes, limits, gzip, shutdown.
#include "http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

namespace pvex::http {
namespace {

config::WebConfig loopback_web() {
  config::WebConfig web;
  web.listen_addresses = {"127.0.0.1:0"};
  web.max_request_bytes = 1024;
  web.max_connections = 4;
  return web;
}

Routes simple_routes(std::atomic<int>* metrics_calls = nullptr,
                     std::chrono::milliseconds delay = {}) {
  Routes r;
  r.landing = [](const Request&) {
    Response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = "<html>landing</html>";
    return res;
  };
  r.metrics = [metrics_calls, delay](const Request& req) {
    if (metrics_calls) ++*metrics_calls;
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    Response res;
    res.body = std::string(4000, 'x') + (req.scrape_timeout_seconds ? " timeout" : "");
    return res;
  };
  r.ready = [] { return true; };
  return r;
}

/// Sends raw bytes and returns the status line of the answer.
/// A TCP connection to 127.0.0.1:port with a 5 s receive timeout, or -1.
int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string raw_request(int port, const std::string& bytes) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "connect failed";
  (void)!write(fd, bytes.data(), bytes.size());
  char buf[256] = {};
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  std::string answer(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return answer.substr(0, answer.find("\r\n"));
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Server>> s = Server::start(loopback_web(), simple_routes(&m_calls));
    ASSERT_TRUE(s) << s.error().message;
    m_server = std::move(*s);
    m_port = m_server->ports().at(0);
  }
  void TearDown() override {
    if (m_server) m_server->stop(std::chrono::seconds(2));
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", m_port);
    c.set_connection_timeout(5);
    c.set_read_timeout(5);
    c.set_decompress(false);
    return c;
  }
  std::atomic<int> m_calls{0};
  std::unique_ptr<Server> m_server;
  int m_port = 0;
};

TEST_F(ServerTest, ServesMetricsHealthReadyAndLanding) {
  httplib::Client c = client();
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::string(4000, 'x'));
  EXPECT_EQ(r->get_header_value("Content-Encoding"), "");
  for (const char* path : {"/-/healthy", "/health"}) {
    auto h = c.Get(path);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200) << path;
    EXPECT_EQ(h->body, "Healthy\n");
  }
  auto ready = c.Get("/-/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  auto landing = c.Get("/");
  ASSERT_TRUE(landing);
  EXPECT_EQ(landing->body, "<html>landing</html>");
  EXPECT_EQ(landing->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(m_calls.load(), 1);
}

TEST_F(ServerTest, PassesThePrometheusTimeoutHeader) {
  httplib::Client c = client();
  auto r = c.Get("/metrics", {{"X-Prometheus-Scrape-Timeout-Seconds", "9.5"}});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->body.ends_with(" timeout"));
}

TEST_F(ServerTest, GzipWhenAccepted) {
  httplib::Client c = client();
  auto r = c.Get("/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Encoding"), "gzip");
  EXPECT_LT(r->body.size(), 200u);
  // Not compressed twice: the body starts with exactly one gzip header.
  EXPECT_EQ(static_cast<unsigned char>(r->body[0]), 0x1f);
  auto br = c.Get("/metrics", {{"Accept-Encoding", "br"}});
  ASSERT_TRUE(br);
  EXPECT_EQ(br->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(br->body.size(), 4000u);
}

TEST_F(ServerTest, UnknownPathIs404) {
  httplib::Client c = client();
  auto r = c.Get("/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "Not Found\n");
  auto regex_like = c.Get("/metricsX");
  ASSERT_TRUE(regex_like);
  EXPECT_EQ(regex_like->status, 404);
}

TEST_F(ServerTest, WrongMethodIs405) {
  httplib::Client c = client();
  auto r = c.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD");
  auto d = c.Delete("/-/healthy");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 405);
  EXPECT_EQ(m_calls.load(), 0);
}

TEST_F(ServerTest, OversizedBodyIs413) {
  httplib::Client c = client();
  auto r = c.Post("/metrics", std::string(4096, 'a'), "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, MalformedRequestsAreRejectedWithoutCrash) {
  EXPECT_EQ(raw_request(m_port, "garbage\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(raw_request(m_port, "GET /metrics HTTP/9.9\r\n\r\n").substr(0, 12), "HTTP/1.1 400");
  EXPECT_EQ(
      raw_request(m_port, "GET /" + std::string(10000, 'a') + " HTTP/1.1\r\n\r\n").substr(0, 12),
      "HTTP/1.1 414");
  EXPECT_EQ(raw_request(m_port, std::string("\0\x01\x02\xff\r\n\r\n", 8)),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(raw_request(m_port, "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 400 Bad Request");
  // Still serving after all that.
  httplib::Client c = client();
  auto r = c.Get("/-/healthy");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(Server, PortInUseIsAClearError) {
  Result<std::unique_ptr<Server>> first = Server::start(loopback_web(), simple_routes());
  ASSERT_TRUE(first) << first.error().message;
  config::WebConfig web = loopback_web();
  web.listen_addresses = {"127.0.0.1:" + std::to_string((*first)->ports()[0])};
  Result<std::unique_ptr<Server>> second = Server::start(web, simple_routes());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message,
            "cannot listen on " + web.listen_addresses[0] + ": address already in use");
  (*first)->stop(std::chrono::seconds(1));
}

TEST(Server, ListensOnSeveralAddressesIncludingIpv6Loopback) {
  config::WebConfig web = loopback_web();
  web.listen_addresses = {"127.0.0.1:0", "[::1]:0"};
  Result<std::unique_ptr<Server>> s = Server::start(web, simple_routes());
  if (!s && s.error().message.find("[::1]") != std::string::npos)
    GTEST_SKIP() << "no IPv6 loopback here";
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ((*s)->ports().size(), 2u);
  httplib::Client v6("::1", (*s)->ports()[1]);
  v6.set_connection_timeout(5);
  auto r = v6.Get("/-/healthy");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  (*s)->stop(std::chrono::seconds(1));
}

TEST(Server, StopLetsInFlightScrapesFinish) {
  std::atomic<int> calls{0};
  Result<std::unique_ptr<Server>> s =
      Server::start(loopback_web(), simple_routes(&calls, std::chrono::milliseconds(300)));
  ASSERT_TRUE(s);
  const int port = (*s)->ports()[0];
  auto scrape = std::async(std::launch::async, [port] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(5);
    auto r = c.Get("/metrics");
    return r ? r->status : -1;
  });
  for (int i = 0; i < 200 && calls.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(calls.load(), 1);
  EXPECT_TRUE((*s)->stop(std::chrono::seconds(3)));
  EXPECT_EQ(scrape.get(), 200);
  // No longer accepting.
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(1);
  EXPECT_FALSE(c.Get("/-/healthy"));
}

}  // namespace
}  // namespace pvex::http

namespace pvex::http {
namespace {

// A streamed body: `pieces` pieces of 10,000 bytes each (lines "piece N ..."), optionally slow.
Routes streaming_routes(int pieces, std::atomic<int>* produced,
                        std::chrono::milliseconds per_piece = {}) {
  Routes r = simple_routes();
  r.metrics = [pieces, produced, per_piece](const Request&) {
    Response res;
    auto n = std::make_shared<int>(0);
    res.stream = [pieces, produced, per_piece, n](std::string& out) {
      if (per_piece.count() > 0) std::this_thread::sleep_for(per_piece);
      std::string line = "piece " + std::to_string(*n) + " ";
      line.resize(9999, 'y');
      out += line;
      out += '\n';
      if (produced) ++*produced;
      return ++*n < pieces;
    };
    return res;
  };
  return r;
}

std::string expected_stream(int pieces) {
  std::string all;
  for (int i = 0; i < pieces; ++i) {
    std::string line = "piece " + std::to_string(i) + " ";
    line.resize(9999, 'y');
    all += line + "\n";
  }
  return all;
}

TEST(Server, StreamsABodyPlainAndGzipped) {
  Result<std::unique_ptr<Server>> s = Server::start(loopback_web(), streaming_routes(50, nullptr));
  ASSERT_TRUE(s) << s.error().message;
  httplib::Client c("127.0.0.1", (*s)->ports()[0]);
  c.set_read_timeout(5);
  auto plain = c.Get("/metrics");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->get_header_value("Transfer-Encoding"), "chunked");
  EXPECT_EQ(plain->body, expected_stream(50));

  c.set_decompress(false);
  auto packed = c.Get("/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(packed);
  EXPECT_EQ(packed->get_header_value("Content-Encoding"), "gzip");
  EXPECT_LT(packed->body.size(), 50'000u);  // 500,000 bytes of repetitive text
  std::string unpacked;
  ASSERT_TRUE(httplib::detail::gzip_decompressor().decompress(
      packed->body.data(), packed->body.size(), [&](const char* d, size_t n) {
        unpacked.append(d, n);
        return true;
      }));
  EXPECT_EQ(unpacked, expected_stream(50));
  (*s)->stop(std::chrono::seconds(1));
}

TEST(Server, EmptyPiecesDoNotEndTheStreamAndTheConnectionStaysUsable) {
  // The chunked framing is ours: a piece without bytes must not be sent as the last (empty)
  // chunk, and the answer must end where the client expects so that it can reuse the connection.
  Routes r = simple_routes();
  r.metrics = [](const Request&) {
    Response res;
    auto n = std::make_shared<int>(0);
    res.stream = [n](std::string& out) {
      if (*n % 2 == 1) out += "line " + std::to_string(*n) + "\n";
      return ++*n < 9;
    };
    return res;
  };
  Result<std::unique_ptr<Server>> s = Server::start(loopback_web(), r);
  ASSERT_TRUE(s) << s.error().message;
  {
    httplib::Client c("127.0.0.1", (*s)->ports()[0]);
    c.set_read_timeout(5);
    c.set_keep_alive(true);
    for (int i = 0; i < 3; ++i) {
      auto res = c.Get("/metrics");
      ASSERT_TRUE(res) << i;
      EXPECT_EQ(res->body, "line 1\nline 3\nline 5\nline 7\n") << i;
      EXPECT_EQ(res->get_header_value("Transfer-Encoding"), "chunked");
    }
    auto head = c.Head("/metrics");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_TRUE(head->body.empty());
    auto after = c.Get("/metrics");  // the HEAD left the connection (or a new one) usable
    ASSERT_TRUE(after);
    EXPECT_EQ(after->body, "line 1\nline 3\nline 5\nline 7\n");
  }  // the client and its idle keep-alive connection are gone before the stop
  EXPECT_TRUE((*s)->stop(std::chrono::seconds(5)));
}

TEST(Server, AClientLeavingMidStreamStopsTheProducer) {
  std::atomic<int> produced{0};
  Result<std::unique_ptr<Server>> s = Server::start(
      loopback_web(), streaming_routes(100000, &produced, std::chrono::milliseconds(1)));
  ASSERT_TRUE(s);
  const int port = (*s)->ports()[0];
  {
    // Read the first bytes of the answer, then hang up.
    const int fd = connect_loopback(port);
    ASSERT_GE(fd, 0);
    const std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
    char buf[4096];
    EXPECT_GT(read(fd, buf, sizeof buf), 0);
    close(fd);
  }
  // The server notices the closed connection and stops asking for pieces: stop() finds nothing
  // in flight well before the 100,000 pieces (100 s) would be done.
  EXPECT_TRUE((*s)->stop(std::chrono::seconds(10)));
  EXPECT_LT(produced.load(), 100000);
}

TEST(Server, StopWaitsForAStreamBeingSent) {
  std::atomic<int> produced{0};
  Result<std::unique_ptr<Server>> s =
      Server::start(loopback_web(), streaming_routes(20, &produced, std::chrono::milliseconds(20)));
  ASSERT_TRUE(s);
  const int port = (*s)->ports()[0];
  auto scrape = std::async(std::launch::async, [port] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(5);
    auto r = c.Get("/metrics");
    return r ? r->body : std::string("no answer");
  });
  for (int i = 0; i < 200 && produced.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_GT(produced.load(), 0);
  auto stopped =
      std::async(std::launch::async, [&] { return (*s)->stop(std::chrono::seconds(5)); });
  for (int i = 0; i < 100 && produced.load() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // While the stream is still being sent, new requests are refused.
  httplib::Client late("127.0.0.1", port);
  late.set_read_timeout(5);
  auto refused = late.Get("/metrics");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_TRUE(stopped.get());
  EXPECT_EQ(scrape.get(), expected_stream(20));
}

}  // namespace
}  // namespace pvex::http
