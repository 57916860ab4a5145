#include "io/net/udp_source.h"

#include <array>
#include <atomic>
#include <utility>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "io/line_reader.h"
#include "io/clock.h"
#include "io/log.h"
#include "io/net/source_probe.h"

namespace aiswatch::io {
namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;

namespace {

}  // namespace

struct UdpSource::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, UdpSourceConfig source_config, BatchQueue& batch_queue,
       prometheus::Registry& registry)
      : config(std::move(source_config)),
        queue(batch_queue),
        probe(registry, config.name),
        dropped_queue_full(SourceProbe::dropped(registry, config.name, "queue_full")),
        datagrams(prometheus::BuildCounter()
                      .Name("aiswatch_source_datagrams_total")
                      .Help("Datagrams received.")
                      .Register(registry)
                      .Add({{"source", config.name}})),
        socket(io_context),
        rebind_timer(io_context),
        splitter(config.max_line_length, /*cr_ends_line=*/true) {
    if (!config.clock) config.clock = wall_clock_ms;
  }

  void start() {
    if (!stopped) return;
    stopped = false;
    bind();
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    ++generation;
    rebind_timer.cancel();
    error_code ignored;
    socket.close(ignored);
    bound = false;
    port = 0;
  }

  void bind() {
    error_code ec;
    const auto address = asio::ip::make_address(config.address, ec);
    if (ec) return bind_failed("address", ec);
    const udp::endpoint endpoint(address, config.port);
    socket.open(endpoint.protocol(), ec);
    if (ec) return bind_failed("open", ec);
    if (config.receive_buffer_bytes > 0) {
      error_code ignored;  // best effort: the kernel may cap or refuse it
      socket.set_option(asio::socket_base::receive_buffer_size(config.receive_buffer_bytes),
                        ignored);
    }
    socket.bind(endpoint, ec);
    if (ec) return bind_failed("bind", ec);
    port = socket.local_endpoint(ec).port();
    bound = true;
    log::info(
        "udp", "listening",
        {{"source", config.name}, {"address", config.address + ":" + std::to_string(port.load())}});
    receive();
  }

  void bind_failed(const char* step, const error_code& ec) {
    log::warn_limited("udp", "bind failed",
                      {{"source", config.name},
                       {"address", config.address + ":" + std::to_string(config.port)},
                       {"step", step},
                       {"error", ec.message()}});
    error_code ignored;
    socket.close(ignored);
    rebind_timer.expires_after(config.rebind_interval);
    rebind_timer.async_wait([self = shared_from_this(), gen = generation](const error_code& e) {
      if (e || self->stopped || gen != self->generation) return;
      self->bind();
    });
  }

  void receive() {
    socket.async_receive_from(
        asio::buffer(buffer), sender,
        [self = shared_from_this(), gen = generation](const error_code& ec, std::size_t n) {
          if (self->stopped || gen != self->generation) return;
          self->on_datagram(ec, n);
        });
  }

  void on_datagram(const error_code& ec, std::size_t n) {
    if (ec) {
      // ICMP errors and the like concern one datagram, not the socket: log and go on. (Linux
      // reports a datagram larger than the buffer as truncated data, not as an error.)
      log::warn_limited("udp", "receive failed",
                        {{"source", config.name}, {"error", ec.message()}});
      return receive();
    }
    datagrams.Increment();
    probe.bytes.Increment(static_cast<double>(n));
    LineBatch batch(config.name);
    const int64_t arrival_ms = config.clock();
    auto add = [&](std::string_view line, bool overlong) {
      if (overlong) {
        probe.overlong_lines.Increment();
        log::warn_limited("udp", "overlong line cut", {{"source", config.name}});
      }
      if (!line.empty()) batch.add_line(line, arrival_ms);
    };
    splitter.push(std::string_view(buffer.data(), n), add);
    splitter.finish(add);  // a datagram is complete: its last line needs no line end
    if (!batch.empty()) {
      const auto lines = static_cast<double>(batch.size());
      if (queue.try_push(batch)) {
        probe.lines.Increment(lines);
      } else {
        dropped_queue_full.Increment(lines);
        log::warn_limited("udp", "queue full, datagram dropped", {{"source", config.name}});
      }
    }
    receive();
  }

  UdpSourceConfig config;
  BatchQueue& queue;
  SourceProbe probe;
  prometheus::Counter& dropped_queue_full;
  prometheus::Counter& datagrams;
  udp::socket socket;
  asio::steady_timer rebind_timer;
  udp::endpoint sender;
  std::array<char, 65536> buffer{};  // the largest UDP payload
  LineSplitter splitter;
  bool stopped = true;
  uint64_t generation = 0;
  std::atomic<bool> bound{false};
  std::atomic<uint16_t> port{0};
};

UdpSource::UdpSource(asio::io_context& io, UdpSourceConfig config, BatchQueue& queue,
                     prometheus::Registry& registry)
    : impl_(std::make_shared<Impl>(io, std::move(config), queue, registry)) {}

UdpSource::~UdpSource() { impl_->stop(); }

const std::string& UdpSource::name() const { return impl_->config.name; }
void UdpSource::start() { impl_->start(); }
void UdpSource::stop() { impl_->stop(); }
bool UdpSource::ready() const { return impl_->bound; }
uint16_t UdpSource::bound_port() const { return impl_->port; }

}  // namespace aiswatch::io
