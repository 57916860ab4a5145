#pragma once
// The operations endpoint: what Prometheus, a load balancer and Kubernetes probes talk to.
//
//   GET /metrics  Prometheus text exposition format 0.0.4 of the registry, e.g.
//                   # HELP aiswatch_source_lines_total Lines handed to the core.
//                   # TYPE aiswatch_source_lines_total counter
//                   aiswatch_source_lines_total{source="ais_catcher"} 48211
//   GET /healthz  200 "ok": the process is alive and its loop turns (a liveness probe; a loop
//                 that is stuck answers nothing, and the probe restarts the process)
//   GET /readyz   200 "ready", or 503 with one problem per line ("source ais_catcher: not
//                 connected"): whether to send traffic / count this instance as up
//   HEAD of each works; another path is 404, another method on these paths 405.
//
// It is an HTTP/1.1 server on the daemon's one io_context, after Beast's advanced server example
// (example/advanced/server/): an acceptor that hands each connection to a session; a session
// reads a request, writes the response, and reads the next one while the client keeps the
// connection alive. What a hostile or broken client can do is bounded:
//   - header and body size (an oversize request is answered 400 and the connection closed);
//   - time: the whole request must arrive within read_timeout, so a client that trickles bytes
//     (slowloris) or idles on a kept-alive connection is closed;
//   - connections: beyond max_connections a new connection is closed at once;
//   - a malformed request is answered 400 and closed; nothing a client sends throws.
// Every async failure goes to one reporter that counts it in aiswatch_http_failures_total{what}
// and logs it (rate-limited); requests are counted in aiswatch_http_requests_total{handler,code}
// (handler: metrics, healthz, readyz, other — a fixed set, never the raw path).
//
// Threading: construct, start(), stop(), port() and destroy on the thread that runs `io`, or
// while it is not running; the io_context must be run by one thread (sessions use no strand).
// The readiness callback runs on that thread: it must be quick and must not block.
// The registry must outlive the server.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/registry.h>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

namespace aiswatch::io {

struct Readiness {
  bool ready = true;
  std::vector<std::string> problems;  // one line each in the 503 body
};
using ReadinessCheck = std::function<Readiness()>;

struct HttpServerConfig {
  std::string address = "0.0.0.0";
  uint16_t port = 9464;  // 0: an ephemeral port, see HttpServer::port()
  // The whole request (headers and body) must arrive within this; also how long a kept-alive
  // connection may idle. Prometheus scrapes every 15-60 s and reconnects cheaply.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  std::size_t max_header_bytes = 8 * 1024;  // a probe's request is a few hundred bytes
  std::size_t max_body_bytes = 4 * 1024;    // we take no request bodies
  std::size_t max_connections = 64;
};

class HttpServer {
 public:
  // `registry` is what /metrics serves and where the server registers its own metrics.
  // `readiness` empty: always ready.
  HttpServer(boost::asio::io_context& io, HttpServerConfig config, prometheus::Registry& registry,
             ReadinessCheck readiness);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts accepting. An error (address in use, bad address) is returned
  // for the caller to report at start-up; the server then serves nothing.
  boost::system::error_code start();
  // Closes the acceptor and every open connection; pending handlers then do nothing.
  void stop();
  // The bound port (the ephemeral one when config.port was 0); 0 before start().
  uint16_t port() const;

 private:
  struct Listener;
  struct Session;
  std::shared_ptr<Listener> listener_;
};

}  // namespace aiswatch::io
