#pragma once
// A TCP client for receivers and aggregators that serve NMEA text over a plain TCP stream:
// AIS-catcher (-S / "server" output), AISHub and other aggregators, gpsd's raw port, rtl-ais,
// most shipborne serial-to-IP bridges. What arrives is lines such as
//
//   !AIVDM,1,1,,B,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0*1A\r\n
//   \s:rEV02,c:1334337317*58\!AIVDM,1,1,,B,19NW...,0*5F\r\n
//
// cut anywhere by TCP, sometimes with CR-only line ends, NUL padding or binary garbage from a
// misconfigured port. Each read becomes one LineBatch (complete lines only; a line split across
// reads is joined in a bounded buffer, io/line_reader.h), stamped with the wall-clock arrival time.
//
// Staying connected is the whole job:
//   - the host name is resolved asynchronously on every attempt (a DNS change is followed);
//   - a failed attempt or a lost connection is retried after an exponential back-off with full
//     jitter: the n-th consecutive failure waits uniform(0, min(max, min * 2^n)) ms. Full jitter
//     ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015) keeps many daemons that
//     lost the same aggregator from reconnecting in lock-step. The back-off starts over after a
//     connection that delivered data, so a feed that drops once a day reconnects at once;
//   - a feed silent for idle_timeout is treated as dead and reconnected: a half-open TCP
//     connection (the receiver rebooted, a NAT forgot us) otherwise waits forever. AIS is never
//     silent for a minute on a working receiver near any coast, hence the 60 s default.
//   - back-pressure: when the queue refuses a batch, reading stops and the push is retried on a
//     short timer. The socket's receive buffer fills and TCP flow control slows the sender;
//     nothing is lost, and the idle timer does not count that time as silence.
//
// Threading: construct, start(), stop() and destroy on the thread that runs `io` (or while `io`
// is not running); every handler runs there too. The source may be destroyed with operations
// still pending: they hold the internal state alive and do nothing once stopped.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <prometheus/registry.h>
#include <boost/asio/io_context.hpp>

#include "io/batch_queue.h"
#include "io/source.h"

namespace aiswatch::io {

struct TcpSourceConfig {
  std::string name;  // the source's name: metrics label, LineBatch::source()
  std::string host;  // name or address of the receiver / aggregator
  uint16_t port = 0;
  std::chrono::milliseconds reconnect_min{500};    // first back-off ceiling, doubled per failure
  std::chrono::milliseconds reconnect_max{30000};  // back-off ceiling cap
  std::chrono::milliseconds idle_timeout{60000};   // silence that counts as dead; 0: off
  // While the queue is full, how often the refused batch is offered again.
  std::chrono::milliseconds backpressure_retry{20};
  std::size_t read_buffer_bytes = 64 * 1024;  // one read, one batch at most this much text
  // NMEA 0183 allows 82 characters; tag blocks and vendor suffixes add a few hundred. Anything
  // longer is garbage and is cut (counted), never accumulated.
  std::size_t max_line_length = 4096;
  // Arrival time in Unix epoch milliseconds; empty: the system clock. Tests inject their own.
  std::function<int64_t()> clock;
};

// Metrics (label source = config.name; reason from a fixed set):
//   aiswatch_source_lines_total, _bytes_total, _overlong_lines_total   (source_probe.h)
//   aiswatch_source_connects_total{source}                 connections established
//   aiswatch_source_connect_failures_total{source}         failed resolves and connects
//   aiswatch_source_disconnects_total{source,reason}       reason: eof, error, idle, stopped
//   aiswatch_source_connected{source}                      1 while connected
class TcpSource final : public Source {
 public:
  TcpSource(boost::asio::io_context& io, TcpSourceConfig config, BatchQueue& queue,
            prometheus::Registry& registry);
  ~TcpSource() override;
  TcpSource(const TcpSource&) = delete;
  TcpSource& operator=(const TcpSource&) = delete;

  const std::string& name() const override;
  void start() override;
  void stop() override;
  bool ready() const override;  // connected

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aiswatch::io
