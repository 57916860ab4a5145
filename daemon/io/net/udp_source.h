#pragma once
// A UDP listener for receivers that push NMEA as datagrams: AIS-catcher (-u HOST PORT), rtl-ais
// (-h/-P), OpenCPN and many shipborne AIS transponders' NMEA-over-UDP outputs. A datagram holds
// one or several complete lines, e.g. both fragments of a type 5 message:
//
//   !AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\r\n
//   !AIVDM,2,2,3,B,1@0000000000000,2*55\r\n
//
// Each datagram becomes one LineBatch stamped with its wall-clock arrival time; a last line
// without its line end is complete (a datagram never continues in the next one). Lines end at
// '\n' or a bare '\r'; an overlong line is cut and counted, as in tcp_source.h.
//
// UDP has no flow control: a sender cannot be asked to slow down. So when the queue is full the
// datagram is dropped and its lines counted (aiswatch_source_dropped_total{reason="queue_full"})
// rather than buffered without bound — sizing core.queue_bytes is how an operator avoids that.
// If the bind fails (address in use, not yet configured), it is retried every rebind_interval.
//
// Threading: construct, start(), stop(), bound_port() and destroy on the thread that runs `io`
// (or while `io` is not running); ready() may be read from any thread.
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

struct UdpSourceConfig {
  std::string name;                 // metrics label, LineBatch::source()
  std::string address = "0.0.0.0";  // bind address ("::" for IPv6, "127.0.0.1" for local only)
  uint16_t port = 0;                // 0: an ephemeral port (tests), see bound_port()
  std::chrono::milliseconds rebind_interval{1000};
  std::size_t max_line_length = 4096;
  // Kernel receive buffer to ask for: bursts arrive faster than one loop turn sometimes; the
  // kernel caps it at net.core.rmem_max. 0 leaves the system default.
  int receive_buffer_bytes = 1 << 20;
  // Arrival time in Unix epoch milliseconds; empty: the system clock.
  std::function<int64_t()> clock;
};

// Metrics: aiswatch_source_lines_total, _bytes_total, _overlong_lines_total,
// aiswatch_source_dropped_total{reason="queue_full"} (source_probe.h), and
// aiswatch_source_datagrams_total{source}.
class UdpSource final : public Source {
 public:
  UdpSource(boost::asio::io_context& io, UdpSourceConfig config, BatchQueue& queue,
            prometheus::Registry& registry);
  ~UdpSource() override;
  UdpSource(const UdpSource&) = delete;
  UdpSource& operator=(const UdpSource&) = delete;

  const std::string& name() const override;
  // Binds at once (so bound_port() is known on return when the bind succeeds), then receives.
  void start() override;
  void stop() override;
  bool ready() const override;  // bound
  // The port actually bound (the ephemeral one when config.port is 0); 0 while not bound.
  uint16_t bound_port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aiswatch::io
