#include "io/http/http_server.h"

#include <algorithm>
#include <list>
#include <optional>
#include <string_view>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/text_serializer.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "io/log.h"

namespace aiswatch::io {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* text_content_type = "text/plain; charset=utf-8";

bool is_http_parse_error(const error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_method).category();
}

}  // namespace

// Owns the acceptor and everything sessions share; kept alive by pending handlers, so the
// HttpServer may be destroyed while operations are still queued.
struct HttpServer::Listener : std::enable_shared_from_this<Listener> {
  Listener(asio::io_context& io_context, HttpServerConfig server_config,
           prometheus::Registry& metrics_registry, ReadinessCheck readiness_check)
      : io(io_context),
        config(std::move(server_config)),
        registry(metrics_registry),
        readiness(std::move(readiness_check)),
        requests(prometheus::BuildCounter()
                     .Name("aiswatch_http_requests_total")
                     .Help("HTTP requests answered, by handler and status code.")
                     .Register(registry)),
        failures(prometheus::BuildCounter()
                     .Name("aiswatch_http_failures_total")
                     .Help("Failed HTTP operations (accept, read, write, timeout, bad_request, "
                           "too_many_connections).")
                     .Register(registry)),
        acceptor(io_context),
        accept_retry(io_context) {}

  error_code start();
  void stop();
  void accept();
  void on_accept(const error_code& ec, tcp::socket socket);

  // The one place where asynchronous failures are reported: counted by a fixed `what`, logged
  // rate-limited (a port scanner or a broken probe must not flood the log).
  void report(const char* what, const error_code& ec, log::Level level = log::Level::warn) {
    failures.Add({{"what", what}}).Increment();
    log::write_limited(level, "http", what, {{"error", ec.message()}});
  }

  void count_request(const char* handler, unsigned code) {
    requests.Add({{"handler", handler}, {"code", std::to_string(code)}}).Increment();
  }

  asio::io_context& io;
  HttpServerConfig config;
  prometheus::Registry& registry;
  ReadinessCheck readiness;
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Counter>& failures;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::list<std::weak_ptr<Session>> sessions;  // open connections, closed by stop()
  bool stopped = true;
  uint16_t bound_port = 0;
};

// One connection: read a request, answer it, repeat while kept alive.
struct HttpServer::Session : std::enable_shared_from_this<Session> {
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Listener> listener)
      : stream_(std::move(socket)),
        listener_(std::move(listener)),
        // Headers and body of one request, plus what a pipelining client sent after it.
        buffer_(2 * (listener_->config.max_header_bytes + listener_->config.max_body_bytes)) {}

  void start() { read(); }

  void close() {
    closed_ = true;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  void read() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(listener_->config.max_header_bytes));
    parser_->body_limit(listener_->config.max_body_bytes);
    // One deadline for the whole request: a client that sends a byte a second gains nothing.
    stream_.expires_after(listener_->config.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(const error_code& ec) {
    if (closed_) return;
    if (ec == http::error::end_of_stream) return linger();  // the client is done
    if (ec == beast::error::timeout) {
      // An idle kept-alive connection timing out is normal; a half-sent request is not.
      if (parser_->got_some() || buffer_.size() > 0) listener_->report("timeout", ec);
      return close();
    }
    if (is_http_parse_error(ec)) {
      listener_->report("bad_request", ec);
      return respond_error(http::status::bad_request, "bad request\n");
    }
    if (ec) {
      if (ec != asio::error::operation_aborted) listener_->report("read", ec, log::Level::debug);
      return close();
    }
    handle(parser_->get());
  }

  void handle(const http::request<http::string_body>& request) {
    std::string_view target(request.target().data(), request.target().size());
    target = target.substr(0, target.find('?'));
    const char* handler = "other";
    if (target == "/metrics") handler = "metrics";
    if (target == "/healthz") handler = "healthz";
    if (target == "/readyz") handler = "readyz";

    auto& response = response_.emplace();
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.set(http::field::server, "aiswatch");
    response.set(http::field::content_type, text_content_type);
    const bool head = request.method() == http::verb::head;
    if (std::string_view(handler) == "other") {
      response.result(http::status::not_found);
      response.body() = "not found\n";
    } else if (!head && request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      response.set(http::field::allow, "GET, HEAD");
      response.body() = "method not allowed\n";
    } else if (target == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, metrics_content_type);
      response.body() = prometheus::TextSerializer().Serialize(listener_->registry.Collect());
    } else if (target == "/healthz") {
      response.result(http::status::ok);
      response.body() = "ok\n";
    } else {
      const Readiness readiness = listener_->readiness ? listener_->readiness() : Readiness{};
      if (readiness.ready) {
        response.result(http::status::ok);
        response.body() = "ready\n";
      } else {
        response.result(http::status::service_unavailable);
        for (const auto& problem : readiness.problems) response.body() += problem + "\n";
        if (readiness.problems.empty()) response.body() = "not ready\n";
      }
    }
    response.set(http::field::cache_control, "no-store");
    response.prepare_payload();
    // HEAD: the same headers (Content-Length of the body GET would send), no body. Beast writes
    // the header fields as they are, so clearing the body after prepare_payload keeps them.
    if (head) response.body().clear();
    listener_->count_request(handler, response.result_int());
    write();
  }

  void respond_error(http::status status, const char* body) {
    auto& response = response_.emplace(status, 11);
    response.set(http::field::server, "aiswatch");
    response.set(http::field::content_type, text_content_type);
    response.keep_alive(false);  // after a parse error the stream's framing is unknown
    response.body() = body;
    response.prepare_payload();
    listener_->count_request("other", response.result_int());
    write();
  }

  void write() {
    stream_.expires_after(listener_->config.write_timeout);
    http::async_write(
        stream_, *response_,
        [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(const error_code& ec) {
    if (closed_) return;
    if (ec) {
      if (ec != asio::error::operation_aborted) listener_->report("write", ec, log::Level::debug);
      return close();
    }
    const bool keep_alive = response_->keep_alive();
    response_.reset();
    if (!keep_alive) return linger();
    read();
  }

  // A connection we end: half-close and read away what the client still sends before closing.
  // Closing a socket with unread data makes the kernel send a reset, and the client may then lose
  // the response it has not read yet (the 400 for an oversize request, above all). Bounded in
  // time and bytes, like Apache's lingering close.
  void linger() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::min(listener_->config.read_timeout, max_linger));
    drain();
  }

  void drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(std::min<std::size_t>(buffer_.max_size(), 4096)),
                            [self = shared_from_this()](const error_code& ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->closed_ || self->lingered_ > max_linger_bytes)
                                return self->close();
                              self->drain();
                            });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::Listener> listener_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::size_t lingered_ = 0;
  bool closed_ = false;

  static constexpr std::chrono::milliseconds max_linger{1000};
  static constexpr std::size_t max_linger_bytes = 256 * 1024;
};

error_code HttpServer::Listener::start() {
  error_code ec;
  const auto address = asio::ip::make_address(config.address, ec);
  if (ec) return ec;
  const tcp::endpoint endpoint(address, config.port);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return ec;
  // A restarted daemon must rebind at once, not wait out TIME_WAIT from the last run.
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return ec;
  acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
    return ec;
  }
  bound_port = acceptor.local_endpoint(ec).port();
  stopped = false;
  log::info("http", "listening", {{"address", config.address + ":" + std::to_string(bound_port)}});
  accept();
  return {};
}

void HttpServer::Listener::stop() {
  if (stopped) return;
  stopped = true;
  error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) session->close();
  }
  sessions.clear();
}

void HttpServer::Listener::accept() {
  acceptor.async_accept(io, [self = shared_from_this()](const error_code& ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void HttpServer::Listener::on_accept(const error_code& ec, tcp::socket socket) {
  if (stopped) return;
  if (ec) {
    // Out of descriptors (EMFILE) and the like: retrying at once would spin; wait a little.
    report("accept", ec);
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([self = shared_from_this()](const error_code& e) {
      if (!e && !self->stopped) self->accept();
    });
    return;
  }
  sessions.remove_if([](const std::weak_ptr<Session>& s) { return s.expired(); });
  if (sessions.size() >= config.max_connections) {
    report("too_many_connections", asio::error::no_buffer_space);
    error_code ignored;
    socket.close(ignored);
  } else {
    auto session = std::make_shared<Session>(std::move(socket), shared_from_this());
    sessions.push_back(session);
    session->start();
  }
  accept();
}

HttpServer::HttpServer(asio::io_context& io, HttpServerConfig config,
                       prometheus::Registry& registry, ReadinessCheck readiness)
    : listener_(std::make_shared<Listener>(io, std::move(config), registry, std::move(readiness))) {
}

HttpServer::~HttpServer() { listener_->stop(); }

error_code HttpServer::start() { return listener_->start(); }
void HttpServer::stop() { listener_->stop(); }
uint16_t HttpServer::port() const { return listener_->bound_port; }

}  // namespace aiswatch::io
