#include "io/http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <random>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

#include <prometheus/counter.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "unit/io/net_test_support.h"

namespace aiswatch::io {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using namespace std::string_literals;

// The server on a loop of its own thread, as in the daemon; the test is a blocking client.
class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerConfig config = {}) {
    config.address = "127.0.0.1";
    config.port = 0;
    server_ = std::make_unique<HttpServer>(io_, config, registry_, [this] {
      Readiness readiness;
      readiness.ready = ready_.load();
      if (!readiness.ready) {
        readiness.problems = {"source ais_catcher: not connected", "kafka: no partitions"};
      }
      return readiness;
    });
    ASSERT_FALSE(server_->start());  // before the loop runs: allowed
    port_ = server_->port();
    ASSERT_NE(port_, 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      stop_server();
      work_.reset();
      thread_.join();
    }
  }

  void stop_server() {
    std::promise<void> done;
    asio::post(io_, [&] {
      server_->stop();
      done.set_value();
    });
    done.get_future().wait();
  }

  // A blocking socket that gives up after 3 s, so a broken server fails the test, never hangs it.
  tcp::socket connect() {
    tcp::socket socket(client_io_);
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_));
    timeval timeout{3, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return socket;
  }

  // Everything the server sends until it closes the connection (or 3 s pass).
  static std::string read_all(tcp::socket& socket) {
    std::string out;
    char buffer[4096];
    boost::system::error_code ec;
    for (;;) {
      const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
      out.append(buffer, n);
      if (ec) break;
    }
    return out;
  }

  // One request with Connection: close; the whole response.
  std::string exchange(const std::string& request) {
    auto socket = connect();
    boost::system::error_code ec;  // the server may close before it has read everything
    asio::write(socket, asio::buffer(request), ec);
    return read_all(socket);
  }
  std::string get(const std::string& target, const std::string& method = "GET") {
    return exchange(method + " " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  }
  // The series' value once it reaches `at_least`, or its value after 2 s.
  double wait_for_metric(std::string_view name, const test::Labels& labels, double at_least) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(2000);
    double value = test::metric_value(registry_, name, labels);
    while (value < at_least && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(2));
      value = test::metric_value(registry_, name, labels);
    }
    return value;
  }
  static std::string body_of(const std::string& response) {
    const auto end = response.find("\r\n\r\n");
    return end == std::string::npos ? "" : response.substr(end + 4);
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  asio::io_context client_io_;
  prometheus::Registry registry_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(HttpServerTest, ServesTheRegistryInPrometheusTextFormat) {
  prometheus::BuildCounter()
      .Name("aiswatch_test_things_total")
      .Help("Things counted by the test.")
      .Register(registry_)
      .Add({{"source", "a"}})
      .Increment(3);
  start();
  const auto response = get("/metrics");
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(response.find("# TYPE aiswatch_test_things_total counter\n"), std::string::npos);
  EXPECT_NE(response.find("aiswatch_test_things_total{source=\"a\"} 3\n"), std::string::npos);
  // The server's own metrics are in the same registry: this request is counted from the next on.
  const auto second = get("/metrics?name[]=x");
  EXPECT_NE(second.find("aiswatch_http_requests_total{code=\"200\",handler=\"metrics\"} 1"),
            std::string::npos)
      << second;
}

TEST_F(HttpServerTest, AnswersHealthAndReadiness) {
  start();
  const auto health = get("/healthz");
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << health;
  EXPECT_EQ(body_of(health), "ok\n");

  const auto ready = get("/readyz");
  EXPECT_EQ(ready.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ready;
  EXPECT_EQ(body_of(ready), "ready\n");

  ready_ = false;
  const auto not_ready = get("/readyz");
  EXPECT_EQ(not_ready.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << not_ready;
  EXPECT_EQ(body_of(not_ready), "source ais_catcher: not connected\nkafka: no partitions\n");
  // Health does not depend on readiness: the process is alive.
  EXPECT_EQ(get("/healthz").rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST_F(HttpServerTest, HeadSendsTheHeadersWithoutTheBody) {
  start();
  const auto response = get("/healthz", "HEAD");
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Length: 3\r\n"), std::string::npos) << response;
  EXPECT_EQ(body_of(response), "");
}

TEST_F(HttpServerTest, UnknownPathsAre404AndOtherMethods405) {
  start();
  const auto missing = get("/admin");
  EXPECT_EQ(missing.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << missing;
  const auto post = get("/metrics", "POST");
  EXPECT_EQ(post.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
  const auto del = get("/readyz", "DELETE");
  EXPECT_EQ(del.rfind("HTTP/1.1 405", 0), 0u) << del;
}

TEST_F(HttpServerTest, KeepsTheConnectionAliveForSeveralRequests) {
  start();
  auto socket = connect();
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";
  // Two requests in one write (pipelined), then a third that closes.
  asio::write(socket, asio::buffer(request + request));
  asio::write(socket,
              asio::buffer("GET /readyz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"s));
  const auto all = read_all(socket);
  std::size_t responses = 0;
  for (auto at = all.find("HTTP/1.1 200 OK"); at != std::string::npos;
       at = all.find("HTTP/1.1 200 OK", at + 1)) {
    ++responses;
  }
  EXPECT_EQ(responses, 3u) << all;
  EXPECT_NE(all.find("ready\n"), std::string::npos);
}

TEST_F(HttpServerTest, AnswersGarbageWith400AndKeepsServing) {
  start();
  const auto garbage = exchange("\x00\xff\x01 garbage \x80\r\n\r\n"s);
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << garbage;
  const auto bad_version = exchange("GET /healthz HTTP/9\r\n\r\n");
  EXPECT_EQ(bad_version.rfind("HTTP/1.1 400", 0), 0u) << bad_version;
  const auto huge_header =
      exchange("GET /healthz HTTP/1.1\r\nX-Junk: " + std::string(20000, 'j') + "\r\n\r\n");
  EXPECT_EQ(huge_header.rfind("HTTP/1.1 400", 0), 0u) << huge_header.substr(0, 100);
  const auto huge_body = exchange("GET /healthz HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" +
                                  std::string(100000, 'b'));
  EXPECT_EQ(huge_body.rfind("HTTP/1.1 400", 0), 0u) << huge_body.substr(0, 100);
  // A client that connects and leaves at once.
  { auto socket = connect(); }
  EXPECT_EQ(get("/healthz").rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_GE(
      test::metric_value(registry_, "aiswatch_http_failures_total", {{"what", "bad_request"}}), 4);
}

TEST_F(HttpServerTest, SurvivesRandomBytes) {
  HttpServerConfig config;
  config.read_timeout = milliseconds(300);  // a random prefix that parses as a request waits
  start(config);
  std::mt19937 random(20261122);  // fixed seed: the same bytes every run
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 300);
  const std::vector<std::string> prefixes = {"", "GET ", "GET /metrics HTTP/1.1\r\n",
                                             "HEAD /readyz HTTP/1.0\r\nHost: "};
  for (int i = 0; i < 40; ++i) {
    std::string request = prefixes[static_cast<std::size_t>(i) % prefixes.size()];
    const std::size_t n = length(random);
    for (std::size_t k = 0; k < n; ++k) request += static_cast<char>(byte(random));
    exchange(request + "\r\n\r\n");
  }
  EXPECT_EQ(get("/healthz").rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST_F(HttpServerTest, ClosesAClientThatSendsTooSlowlyWhileServingOthers) {
  HttpServerConfig config;
  config.read_timeout = milliseconds(200);
  start(config);
  auto slow = connect();
  asio::write(slow, asio::buffer("GET /healthz HTTP/1.1\r\nHo"s));  // and then nothing
  const auto started = std::chrono::steady_clock::now();
  // Another client is served meanwhile.
  EXPECT_EQ(get("/healthz").rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  // The slow one is cut off at the read timeout: EOF without a response.
  const auto answer = read_all(slow);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(answer, "");
  EXPECT_GE(elapsed, milliseconds(150));
  EXPECT_LT(elapsed, milliseconds(2500));
  // Beast's timer closes the socket before the read handler reports it: poll briefly.
  EXPECT_GE(wait_for_metric("aiswatch_http_failures_total", {{"what", "timeout"}}, 1), 1);
}

TEST_F(HttpServerTest, BoundsOpenConnections) {
  HttpServerConfig config;
  config.max_connections = 2;
  start(config);
  // Two kept-alive sessions, each known to be open because it answered.
  tcp::socket open[2] = {connect(), connect()};
  for (auto& socket : open) {
    asio::write(socket, asio::buffer("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"s));
    char buffer[512];
    boost::system::error_code ec;
    ASSERT_GT(socket.read_some(asio::buffer(buffer), ec), 0u) << ec.message();
  }
  auto third = connect();
  EXPECT_EQ(read_all(third), "");  // accepted and closed at once
  EXPECT_EQ(test::metric_value(registry_, "aiswatch_http_failures_total",
                               {{"what", "too_many_connections"}}),
            1);
  // A slot frees when a session ends.
  open[0].close();
  const auto end = std::chrono::steady_clock::now() + milliseconds(3000);
  std::string response;
  while (response.empty() && std::chrono::steady_clock::now() < end) response = get("/healthz");
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST_F(HttpServerTest, StopClosesTheAcceptorAndOpenConnections) {
  start();
  auto idle = connect();
  asio::write(idle, asio::buffer("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"s));
  char buffer[512];
  boost::system::error_code ec;
  ASSERT_GT(idle.read_some(asio::buffer(buffer), ec), 0u);  // kept alive after the response
  stop_server();
  EXPECT_EQ(read_all(idle), "");  // closed by stop()
  tcp::socket late(client_io_);
  late.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_), ec);
  EXPECT_TRUE(ec);  // nothing listens any more
}

TEST_F(HttpServerTest, ReportsABindFailureFromStart) {
  asio::io_context io;
  prometheus::Registry registry;
  tcp::acceptor taken(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  HttpServerConfig config;
  config.address = "127.0.0.1";
  config.port = taken.local_endpoint().port();
  HttpServer server(io, config, registry, {});
  EXPECT_EQ(server.start(), asio::error::address_in_use);
  HttpServerConfig bad;
  bad.address = "not an address";
  HttpServer server2(io, bad, registry, {});
  EXPECT_TRUE(server2.start());
}

}  // namespace
}  // namespace aiswatch::io
