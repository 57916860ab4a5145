#include "io/net/tcp_source.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <utility>
#include <vector>

#include <prometheus/gauge.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "io/line_reader.h"
#include "io/clock.h"
#include "io/log.h"
#include "io/net/source_probe.h"

namespace aiswatch::io {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using steady = std::chrono::steady_clock;

namespace {

enum class Reason { eof, error, idle, stopped };

prometheus::Counter& disconnects(prometheus::Registry& registry, const std::string& source,
                                 const char* reason) {
  return prometheus::BuildCounter()
      .Name("aiswatch_source_disconnects_total")
      .Help("Connections lost or closed, by reason (eof, error, idle, stopped).")
      .Register(registry)
      .Add({{"source", source}, {"reason", reason}});
}

prometheus::Counter& counter(prometheus::Registry& registry, const char* name, const char* help,
                             const std::string& source) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(
      {{"source", source}});
}

}  // namespace

struct TcpSource::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, TcpSourceConfig source_config, BatchQueue& batch_queue,
       prometheus::Registry& registry)
      : config(std::move(source_config)),
        queue(batch_queue),
        probe(registry, config.name),
        connects(counter(registry, "aiswatch_source_connects_total", "Connections established.",
                         config.name)),
        connect_failures(counter(registry, "aiswatch_source_connect_failures_total",
                                 "Failed name resolutions and connection attempts.", config.name)),
        disconnects_eof(disconnects(registry, config.name, "eof")),
        disconnects_error(disconnects(registry, config.name, "error")),
        disconnects_idle(disconnects(registry, config.name, "idle")),
        disconnects_stopped(disconnects(registry, config.name, "stopped")),
        connected_gauge(prometheus::BuildGauge()
                            .Name("aiswatch_source_connected")
                            .Help("1 while the source is connected.")
                            .Register(registry)
                            .Add({{"source", config.name}})),
        resolver(io_context),
        socket(io_context),
        retry_timer(io_context),
        push_timer(io_context),
        idle_timer(io_context),
        buffer(std::max<std::size_t>(config.read_buffer_bytes, 512)),
        splitter(config.max_line_length, /*cr_ends_line=*/true),
        random(std::random_device{}()) {
    if (!config.clock) config.clock = wall_clock_ms;
    if (config.reconnect_min.count() < 1) config.reconnect_min = std::chrono::milliseconds(1);
    config.reconnect_max = std::max(config.reconnect_max, config.reconnect_min);
  }

  void start() {
    if (!stopped) return;
    stopped = false;
    failures = 0;
    resolve();
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    if (connected) {
      disconnect(Reason::stopped, {});
    } else {
      ++generation;
      error_code ignored;
      socket.close(ignored);  // aborts a connect in progress
    }
    resolver.cancel();
    retry_timer.cancel();
  }

  // --- connecting ---------------------------------------------------------------------------

  void resolve() {
    resolver.async_resolve(config.host, std::to_string(config.port), tcp::resolver::numeric_service,
                           [self = shared_from_this(), gen = generation](
                               const error_code& ec, const tcp::resolver::results_type& found) {
                             if (self->stopped || gen != self->generation) return;
                             if (ec) return self->attempt_failed("resolve", ec);
                             self->connect(found);
                           });
  }

  void connect(const tcp::resolver::results_type& endpoints) {
    asio::async_connect(
        socket, endpoints,
        [self = shared_from_this(), gen = generation](const error_code& ec, const tcp::endpoint&) {
          if (self->stopped || gen != self->generation) return;
          if (ec) return self->attempt_failed("connect", ec);
          self->on_connected();
        });
  }

  void attempt_failed(const char* step, const error_code& ec) {
    connect_failures.Increment();
    log::warn_limited("tcp", "connect failed",
                      {{"source", config.name},
                       {"address", config.host + ":" + std::to_string(config.port)},
                       {"step", step},
                       {"error", ec.message()}});
    error_code ignored;
    socket.close(ignored);
    schedule_reconnect();
  }

  // Full jitter: uniform(0, min(max, min * 2^failures)).
  void schedule_reconnect() {
    const auto shift = std::min(failures, 20u);
    const auto ceiling = std::min<int64_t>(config.reconnect_max.count(),
                                           config.reconnect_min.count() * (int64_t{1} << shift));
    std::uniform_int_distribution<int64_t> jitter(0, ceiling);
    const std::chrono::milliseconds delay(jitter(random));
    ++failures;
    retry_timer.expires_after(delay);
    retry_timer.async_wait([self = shared_from_this(), gen = generation](const error_code& ec) {
      if (ec || self->stopped || gen != self->generation) return;
      self->resolve();
    });
  }

  void on_connected() {
    connected = true;
    blocked = false;
    connects.Increment();
    connected_gauge.Set(1);
    splitter.reset();
    last_data = steady::now();
    error_code ignored;
    const auto peer = socket.remote_endpoint(ignored);
    log::info("tcp", "connected",
              {{"source", config.name},
               {"address", peer.address().to_string() + ":" + std::to_string(peer.port())}});
    arm_idle();
    read();
  }

  void disconnect(Reason reason, const error_code& ec) {
    if (!connected) return;
    connected = false;
    blocked = false;
    ++generation;  // handlers of this connection still queued become no-ops
    connected_gauge.Set(0);
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    push_timer.cancel();
    idle_timer.cancel();
    pending = LineBatch();
    splitter.reset();  // a line cut by the disconnect must not be joined to the next one
    const char* why = "stopped";
    switch (reason) {
      case Reason::eof:
        disconnects_eof.Increment();
        why = "eof";
        break;
      case Reason::error:
        disconnects_error.Increment();
        why = "error";
        break;
      case Reason::idle:
        disconnects_idle.Increment();
        why = "idle";
        break;
      case Reason::stopped:
        disconnects_stopped.Increment();
        break;
    }
    if (reason == Reason::stopped) {
      log::info("tcp", "disconnected", {{"source", config.name}, {"reason", why}});
      return;
    }
    log::warn_limited("tcp", "disconnected",
                      {{"source", config.name}, {"reason", why}, {"error", ec.message()}});
    schedule_reconnect();
  }

  // --- reading ------------------------------------------------------------------------------

  void read() {
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this(), gen = generation](
                                                     const error_code& ec, std::size_t n) {
      if (self->stopped || gen != self->generation) return;
      self->on_read(ec, n);
    });
  }

  void on_read(const error_code& ec, std::size_t n) {
    if (ec) {
      return disconnect(ec == asio::error::eof ? Reason::eof : Reason::error, ec);
    }
    probe.bytes.Increment(static_cast<double>(n));
    last_data = steady::now();
    failures = 0;  // this connection delivers: the next loss reconnects at the shortest back-off
    LineBatch batch(config.name);
    const int64_t arrival_ms = config.clock();
    splitter.push(std::string_view(buffer.data(), n), [&](std::string_view line, bool overlong) {
      if (overlong) {
        probe.overlong_lines.Increment();
        log::warn_limited(
            "tcp", "overlong line cut",
            {{"source", config.name}, {"max_line_length", std::to_string(config.max_line_length)}});
      }
      // CR and LF both end lines here, so CRLF leaves an empty line between: skip it.
      if (!line.empty()) batch.add_line(line, arrival_ms);
    });
    if (batch.empty()) return read();
    offer(std::move(batch));
  }

  // Hands a batch to the core, or holds it and stops reading until the queue has room.
  void offer(LineBatch batch) {
    const auto lines = batch.size();
    if (queue.try_push(batch)) {
      probe.lines.Increment(static_cast<double>(lines));
      return read();
    }
    pending = std::move(batch);
    blocked = true;
    retry_push();
  }

  void retry_push() {
    if (queue.closed()) return;  // shutting down: hold still until stop()
    push_timer.expires_after(config.backpressure_retry);
    push_timer.async_wait([self = shared_from_this(), gen = generation](const error_code& ec) {
      if (ec || self->stopped || gen != self->generation) return;
      const auto lines = self->pending.size();
      if (!self->queue.try_push(self->pending)) return self->retry_push();
      self->probe.lines.Increment(static_cast<double>(lines));
      self->pending = LineBatch();
      self->blocked = false;
      self->last_data = steady::now();  // the wait was ours, not the sender's silence
      self->read();
    });
  }

  // One timer per connection, re-armed from the time of the last data rather than on every read.
  void arm_idle() {
    if (config.idle_timeout.count() <= 0) return;  // off
    idle_timer.expires_at(last_data + config.idle_timeout);
    idle_timer.async_wait([self = shared_from_this(), gen = generation](const error_code& ec) {
      if (ec || self->stopped || gen != self->generation) return;
      if (self->blocked) self->last_data = steady::now();
      if (steady::now() - self->last_data >= self->config.idle_timeout) {
        return self->disconnect(Reason::idle, asio::error::timed_out);
      }
      self->arm_idle();
    });
  }

  TcpSourceConfig config;
  BatchQueue& queue;
  SourceProbe probe;
  prometheus::Counter& connects;
  prometheus::Counter& connect_failures;
  prometheus::Counter& disconnects_eof;
  prometheus::Counter& disconnects_error;
  prometheus::Counter& disconnects_idle;
  prometheus::Counter& disconnects_stopped;
  prometheus::Gauge& connected_gauge;

  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer retry_timer;  // back-off between attempts
  asio::steady_timer push_timer;   // back-pressure: offering the held batch again
  asio::steady_timer idle_timer;
  std::vector<char> buffer;
  LineSplitter splitter;
  LineBatch pending;  // the batch the queue refused, while blocked
  std::minstd_rand random;

  bool stopped = true;
  std::atomic<bool> connected{false};
  bool blocked = false;   // reading paused: `pending` waits for room in the queue
  unsigned failures = 0;  // consecutive failed attempts: the back-off exponent
  uint64_t generation = 0;
  steady::time_point last_data{};
};

TcpSource::TcpSource(asio::io_context& io, TcpSourceConfig config, BatchQueue& queue,
                     prometheus::Registry& registry)
    : impl_(std::make_shared<Impl>(io, std::move(config), queue, registry)) {}

TcpSource::~TcpSource() { impl_->stop(); }

const std::string& TcpSource::name() const { return impl_->config.name; }
void TcpSource::start() { impl_->start(); }
void TcpSource::stop() { impl_->stop(); }
bool TcpSource::ready() const { return impl_->connected; }

}  // namespace aiswatch::io
