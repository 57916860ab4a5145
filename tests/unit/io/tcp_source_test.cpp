#include "io/net/tcp_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "unit/io/net_test_support.h"

namespace aiswatch::io {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using namespace std::string_literals;
using test::metric_value;
using test::run_until;

// A feed server on the test's own loop: accepts every connection, writes what the test says.
class FeedServer {
 public:
  explicit FeedServer(asio::io_context& io, uint16_t port = 0) : acceptor_(io) {
    const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    accept();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t accepted() const { return clients_.size(); }

  void send(std::size_t client, std::string data) {
    auto buffer = std::make_shared<std::string>(std::move(data));
    asio::async_write(*clients_.at(client), asio::buffer(*buffer),
                      [buffer](const boost::system::error_code&, std::size_t) {});
  }
  void close(std::size_t client) {
    boost::system::error_code ignored;
    clients_.at(client)->shutdown(tcp::socket::shutdown_both, ignored);
    clients_.at(client)->close(ignored);
  }

 private:
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      clients_.push_back(std::make_unique<tcp::socket>(std::move(socket)));
      accept();
    });
  }
  tcp::acceptor acceptor_;
  std::vector<std::unique_ptr<tcp::socket>> clients_;
};

TcpSourceConfig test_config(uint16_t port) {
  TcpSourceConfig config;
  config.name = "catcher";
  config.host = "127.0.0.1";
  config.port = port;
  config.reconnect_min = milliseconds(1);
  config.reconnect_max = milliseconds(20);
  config.max_line_length = 100;
  config.clock = [] { return int64_t{1'700'000'000'000}; };
  return config;
}

test::Labels source_label() { return {{"source", "catcher"}}; }

TEST(TcpSource, DeliversLinesThroughGarbageAndOverlongLinesAndReconnectsAfterEof) {
  asio::io_context io;
  FeedServer server(io);
  BatchQueue queue;
  prometheus::Registry registry;
  TcpSource source(io, test_config(server.port()), queue, registry);
  EXPECT_EQ(source.name(), "catcher");
  source.start();
  ASSERT_TRUE(run_until(io, [&] { return server.accepted() == 1 && source.ready(); }));

  const std::string overlong(5000, 'x');
  const std::string garbage = "\x00\x01\xff\xfe binary\x00 junk"s;
  server.send(0, "!AIVDM,1,1,,A,first,0*00\r\n" + garbage + "\r\n" + overlong +
                     "\n!AIVDM,1,1,,B,after overlong,0*00\r" +  // CR-only line end
                     "!AIVDM,1,1,,B,cr only,0*00\r!AIVDM,1,1,,A,split ");
  std::vector<test::ReceivedLine> lines;
  ASSERT_TRUE(run_until(io, [&] {
    test::drain(queue, lines);
    return lines.size() >= 5;
  }));
  server.send(0, "across reads,0*00\r\n\0\0\0\r\n"s);
  ASSERT_TRUE(run_until(io, [&] {
    test::drain(queue, lines);
    return lines.size() >= 7;
  }));
  server.close(0);
  // The source sees EOF, backs off (1-20 ms) and connects again; the new connection's data
  // arrives on its own, not glued to anything from the old one.
  ASSERT_TRUE(run_until(io, [&] { return server.accepted() == 2; }));
  ASSERT_TRUE(run_until(io, [&] { return source.ready(); }));
  server.send(1, "!AIVDM,1,1,,A,second connection,0*00\n");
  ASSERT_TRUE(run_until(io, [&] {
    test::drain(queue, lines);
    return lines.size() >= 8;
  }));

  const std::vector<std::string> expected = {
      "!AIVDM,1,1,,A,first,0*00",
      garbage,  // passed on: the framer rejects it and counts it as malformed
      std::string(100, 'x'),
      "!AIVDM,1,1,,B,after overlong,0*00",
      "!AIVDM,1,1,,B,cr only,0*00",
      "!AIVDM,1,1,,A,split across reads,0*00",
      std::string(3, '\0'),
      "!AIVDM,1,1,,A,second connection,0*00",
  };
  EXPECT_EQ(test::texts(lines), expected);
  for (const auto& line : lines) {
    EXPECT_EQ(line.source, "catcher");
    EXPECT_EQ(line.arrival_ms, 1'700'000'000'000);
  }
  EXPECT_EQ(metric_value(registry, "aiswatch_source_overlong_lines_total", source_label()), 1);
  EXPECT_EQ(metric_value(registry, "aiswatch_source_lines_total", source_label()), 8);
  EXPECT_GT(metric_value(registry, "aiswatch_source_bytes_total", source_label()), 5000);
  EXPECT_EQ(metric_value(registry, "aiswatch_source_connects_total", source_label()), 2);
  EXPECT_EQ(metric_value(registry, "aiswatch_source_disconnects_total",
                         {{"source", "catcher"}, {"reason", "eof"}}),
            1);
  EXPECT_EQ(metric_value(registry, "aiswatch_source_connected", source_label()), 1);

  source.stop();
  EXPECT_FALSE(source.ready());
  EXPECT_EQ(metric_value(registry, "aiswatch_source_connected", source_label()), 0);
  EXPECT_EQ(metric_value(registry, "aiswatch_source_disconnects_total",
                         {{"source", "catcher"}, {"reason", "stopped"}}),
            1);
  // Nothing is pushed after stop(), even if the server still talks.
  server.send(1, "!AIVDM,1,1,,A,too late,0*00\n");
  run_until(
      io, [] { return false; }, milliseconds(50));
  lines.clear();
  test::drain(queue, lines);
  EXPECT_TRUE(lines.empty());
}

TEST(TcpSource, ReconnectsASilentFeedAfterTheIdleTimeout) {
  asio::io_context io;
  FeedServer server(io);
  BatchQueue queue;
  prometheus::Registry registry;
  auto config = test_config(server.port());
  config.idle_timeout = milliseconds(100);
  TcpSource source(io, config, queue, registry);
  source.start();
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(io, [&] { return server.accepted() >= 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(90));
  EXPECT_GE(metric_value(registry, "aiswatch_source_disconnects_total",
                         {{"source", "catcher"}, {"reason", "idle"}}),
            1);
}

TEST(TcpSource, KeepsAFeedThatTalksConnectedPastTheIdleTimeout) {
  asio::io_context io;
  FeedServer server(io);
  BatchQueue queue;
  prometheus::Registry registry;
  auto config = test_config(server.port());
  config.idle_timeout = milliseconds(150);
  TcpSource source(io, config, queue, registry);
  source.start();
  // The client can be connected before the server's accept handler has run: wait for both.
  ASSERT_TRUE(run_until(io, [&] { return source.ready() && server.accepted() == 1; }));
  for (int i = 0; i < 8; ++i) {
    server.send(0, "!AIVDM,1,1,,A,tick,0*00\n");
    run_until(
        io, [] { return false; }, milliseconds(50));
  }
  EXPECT_EQ(server.accepted(), 1u);
  EXPECT_EQ(metric_value(registry, "aiswatch_source_disconnects_total",
                         {{"source", "catcher"}, {"reason", "idle"}}),
            0);
}

TEST(TcpSource, ConnectsOnceAServerThatWasDownComesUp) {
  asio::io_context io;
  uint16_t port = 0;
  {
    // A port that was free a moment ago: nothing listens there now.
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = probe.local_endpoint().port();
  }
  BatchQueue queue;
  prometheus::Registry registry;
  auto config = test_config(port);
  config.host = "localhost";  // resolved asynchronously on every attempt
  TcpSource source(io, config, queue, registry);
  source.start();
  ASSERT_TRUE(run_until(io, [&] {
    return metric_value(registry, "aiswatch_source_connect_failures_total", source_label()) >= 3;
  }));
  EXPECT_FALSE(source.ready());
  FeedServer server(io, port);
  ASSERT_TRUE(run_until(io, [&] { return source.ready() && server.accepted() == 1; }));
  server.send(0, "!AIVDM,1,1,,A,late,0*00\n");
  std::vector<test::ReceivedLine> lines;
  ASSERT_TRUE(run_until(io, [&] {
    test::drain(queue, lines);
    return !lines.empty();
  }));
  EXPECT_EQ(lines[0].text, "!AIVDM,1,1,,A,late,0*00");
}

TEST(TcpSource, StopsReadingWhileTheQueueIsFullAndLosesNothing) {
  asio::io_context io;
  FeedServer server(io);
  BatchQueue queue(64);  // room for about one line: every read waits for the core
  prometheus::Registry registry;
  auto config = test_config(server.port());
  config.read_buffer_bytes = 512;
  config.backpressure_retry = milliseconds(1);
  TcpSource source(io, config, queue, registry);
  source.start();
  ASSERT_TRUE(run_until(io, [&] { return source.ready() && server.accepted() == 1; }));
  constexpr int count = 5000;
  std::string feed;
  for (int i = 0; i < count; ++i) feed += "!AIVDM,1,1,,A,line " + std::to_string(i) + ",0*00\r\n";
  server.send(0, feed);

  // A slow core: one batch per loop turn.
  std::vector<test::ReceivedLine> lines;
  std::size_t max_depth_bytes = 0;
  ASSERT_TRUE(run_until(
      io,
      [&] {
        max_depth_bytes = std::max(max_depth_bytes, queue.depth_bytes());
        if (auto batch = queue.pop(milliseconds(0))) {
          for (std::size_t i = 0; i < batch->size(); ++i) {
            lines.push_back({batch->source(), std::string(batch->line(i)), 0});
          }
        }
        return lines.size() >= count;
      },
      milliseconds(10000)));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    ASSERT_EQ(lines[i].text, "!AIVDM,1,1,,A,line " + std::to_string(i) + ",0*00");
  }
  // The queue takes a batch only while below its bound: never more than bound + one read.
  EXPECT_LT(max_depth_bytes, 64u + 512u);
  EXPECT_TRUE(source.ready());
}

TEST(TcpSource, StopWhileWaitingToReconnectEndsQuietly) {
  asio::io_context io;
  BatchQueue queue;
  prometheus::Registry registry;
  auto config = test_config(1);  // nothing listens on port 1
  config.reconnect_min = milliseconds(1000);
  {
    TcpSource source(io, config, queue, registry);
    source.start();
    ASSERT_TRUE(run_until(io, [&] {
      return metric_value(registry, "aiswatch_source_connect_failures_total", source_label()) >= 1;
    }));
    source.stop();
  }  // destroyed with its back-off timer still queued
  run_until(
      io, [] { return false; }, milliseconds(20));
  EXPECT_EQ(queue.depth_batches(), 0u);
}

}  // namespace
}  // namespace aiswatch::io
