#pragma once
// `aiswatchd run [--config FILE]`: the long-running service. Sources (Kafka input topics, TCP
// receivers, UDP listeners, files) feed the detection core; alerts go to Kafka (protobuf, an
// optional JSON mirror), and to standard output as readable lines; /metrics, /healthz and
// /readyz are served over HTTP. With no configuration it is the main job: an embedded Kafka
// (librdkafka's mock cluster on loopback), the bundled sample feed produced into the input topic,
// every alert printed as it is published; it ends by itself when the sample has been processed.
//
// Threads (DESIGN.md, "Threads"):
//   - main: the detection core (app/core_loop.h): the Engine, the alert producer's produce and
//     delivery reports, offset commits. Nothing else touches the engine.
//   - io: one Asio io_context: Kafka consumer wake-ups, TCP/UDP sockets, HTTP, signals, rules
//     reload (files are read here, the swap happens on the core).
//   - librdkafka's own threads; a file source's reader thread; the sample feeder; a broker probe.
//
// Shutdown (SIGTERM, SIGINT, a fatal Kafka error, or the end of finite input): sources stop
// (no more intake), the core drains the queue, the producer is flushed (core.shutdown_timeout_s
// at most), the last acknowledged offsets are committed, then the threads end; exit 0 (1 after a
// fatal Kafka error). On SIGTERM open alerts stay open — their episodes go on; at the end of
// finite input they are closed "end of input", as `aiswatchd replay` closes them.
#include <cstdio>
#include <string>
#include <vector>

namespace aiswatch::app {

// Returns the exit code: 0 after a clean stop, 1 on invalid configuration or rules or a fatal
// runtime error, 2 on a usage error. Alert lines go to `out`, the configuration echo and logs to
// `err`.
int run_run(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace aiswatch::app
