#include "io/net/udp_source.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/asio/ip/udp.hpp>

#include "unit/io/net_test_support.h"

namespace aiswatch::io {
namespace {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using std::chrono::milliseconds;
using namespace std::string_literals;
using test::metric_value;
using test::run_until;

UdpSourceConfig test_config() {
  UdpSourceConfig config;
  config.name = "rtl_ais";
  config.address = "127.0.0.1";
  config.port = 0;
  config.max_line_length = 100;
  config.clock = [] { return int64_t{1'700'000'000'123}; };
  return config;
}

test::Labels source_label() { return {{"source", "rtl_ais"}}; }

// Sends datagrams to the source's bound port from a socket of the test's own.
class Sender {
 public:
  Sender(asio::io_context& io, uint16_t port)
      : socket_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)),
        target_(asio::ip::address_v4::loopback(), port) {}
  void send(const std::string& datagram) { socket_.send_to(asio::buffer(datagram), target_); }

 private:
  udp::socket socket_;
  udp::endpoint target_;
};

TEST(UdpSource, SplitsEachDatagramIntoItsLines) {
  asio::io_context io;
  BatchQueue queue;
  prometheus::Registry registry;
  UdpSource source(io, test_config(), queue, registry);
  EXPECT_FALSE(source.ready());
  source.start();
  ASSERT_TRUE(source.ready());
  ASSERT_NE(source.bound_port(), 0);
  Sender sender(io, source.bound_port());

  // AIS-catcher style: both fragments of a type 5 in one datagram, CRLF line ends.
  sender.send(
      "!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\r\n"
      "!AIVDM,2,2,3,B,1@0000000000000,2*55\r\n");
  // rtl-ais style: one sentence, no line end at all.
  sender.send("!AIVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0*1A");
  // Garbage, NULs, CR-only line ends and an overlong line, then a good line in the same datagram.
  sender.send("\x01\xff\x00junk\r"s + std::string(300, 'y') + "\r!AIVDM,1,1,,B,ok,0*00\r"s);
  sender.send("");  // an empty datagram is legal and carries nothing

  std::vector<test::ReceivedLine> lines;
  ASSERT_TRUE(run_until(io, [&] {
    test::drain(queue, lines);
    return metric_value(registry, "aiswatch_source_datagrams_total", source_label()) >= 4;
  }));
  test::drain(queue, lines);
  const std::vector<std::string> expected = {
      "!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E",
      "!AIVDM,2,2,3,B,1@0000000000000,2*55",
      "!AIVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0*1A",
      "\x01\xff\x00junk"s,
      std::string(100, 'y'),
      "!AIVDM,1,1,,B,ok,0*00",
  };
  EXPECT_EQ(test::texts(lines), expected);
  for (const auto& line : lines) {
    EXPECT_EQ(line.source, "rtl_ais");
    EXPECT_EQ(line.arrival_ms, 1'700'000'000'123);
  }
  EXPECT_EQ(metric_value(registry, "aiswatch_source_lines_total", source_label()), 6);
  EXPECT_EQ(metric_value(registry, "aiswatch_source_overlong_lines_total", source_label()), 1);
  EXPECT_GT(metric_value(registry, "aiswatch_source_bytes_total", source_label()), 400);

  source.stop();
  EXPECT_FALSE(source.ready());
  EXPECT_EQ(source.bound_port(), 0);
}

TEST(UdpSource, DropsAndCountsDatagramsWhenTheQueueIsFull) {
  asio::io_context io;
  BatchQueue queue(1);  // holds one batch: the second datagram finds it full
  prometheus::Registry registry;
  UdpSource source(io, test_config(), queue, registry);
  source.start();
  ASSERT_TRUE(source.ready());
  Sender sender(io, source.bound_port());
  sender.send("!AIVDM,1,1,,A,kept,0*00\n");
  sender.send("!AIVDM,1,1,,A,lost 1,0*00\n!AIVDM,1,1,,A,lost 2,0*00\n");
  ASSERT_TRUE(run_until(io, [&] {
    return metric_value(registry, "aiswatch_source_datagrams_total", source_label()) >= 2;
  }));
  EXPECT_EQ(metric_value(registry, "aiswatch_source_dropped_total",
                         {{"source", "rtl_ais"}, {"reason", "queue_full"}}),
            2);
  EXPECT_EQ(metric_value(registry, "aiswatch_source_lines_total", source_label()), 1);
  std::vector<test::ReceivedLine> lines;
  test::drain(queue, lines);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "!AIVDM,1,1,,A,kept,0*00");

  // Room again: the next datagram goes through.
  sender.send("!AIVDM,1,1,,A,after,0*00\n");
  ASSERT_TRUE(run_until(io, [&] {
    test::drain(queue, lines);
    return lines.size() == 2;
  }));
  EXPECT_EQ(lines[1].text, "!AIVDM,1,1,,A,after,0*00");
}

TEST(UdpSource, RetriesABindThatFailsUntilThePortIsFree) {
  asio::io_context io;
  // Someone else holds the port at first.
  auto holder =
      std::make_unique<udp::socket>(io, udp::endpoint(asio::ip::address_v4::loopback(), 0));
  const uint16_t port = holder->local_endpoint().port();
  BatchQueue queue;
  prometheus::Registry registry;
  auto config = test_config();
  config.port = port;
  config.rebind_interval = milliseconds(10);
  UdpSource source(io, config, queue, registry);
  source.start();
  EXPECT_FALSE(source.ready());
  EXPECT_EQ(source.bound_port(), 0);
  holder.reset();
  ASSERT_TRUE(run_until(io, [&] { return source.ready(); }));
  EXPECT_EQ(source.bound_port(), port);
}

}  // namespace
}  // namespace aiswatch::io
