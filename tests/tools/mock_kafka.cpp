// aiswatch-mock-kafka: an in-process librdkafka mock cluster (io/kafka/embedded_cluster.h) in a
// process of its own, for tests that run the daemon as a process and for trying things by hand:
//
//   $ aiswatch-mock-kafka --brokers 3 --topic ais.raw:4 --topic aiswatch.alerts:1
//   bootstrap=127.0.0.1:41235,127.0.0.1:38011,127.0.0.1:45177
//   down 1          <- commands on standard input, one per line
//   ok
//   up 1
//   ok
//
// It prints the bootstrap line (flushed) once the cluster and its topics exist, then runs until
// SIGTERM or SIGINT, or until standard input ends (so a test that dies takes its broker along).
// Commands: `down ID` / `up ID` (broker faults; ID 1..N, or -1 for all), answered `ok` or
// `error: ...`. Exit status 0 on an orderly end, 2 on bad arguments.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "io/kafka/embedded_cluster.h"

namespace {

using aiswatch::io::kafka::EmbeddedCluster;

int usage(const char* message) {
  std::fprintf(stderr,
               "aiswatch-mock-kafka: %s\n"
               "usage: aiswatch-mock-kafka [--brokers N] [--topic NAME:PARTITIONS]...\n",
               message);
  return 2;
}

bool parse_int(const std::string& text, int& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  const long parsed = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || parsed < -1 || parsed > 100000) return false;
  value = static_cast<int>(parsed);
  return true;
}

void reply(const std::string& text) {
  std::fputs((text + "\n").c_str(), stdout);
  std::fflush(stdout);
}

void run_command(EmbeddedCluster& cluster, const std::string& line) {
  const auto space = line.find(' ');
  const std::string verb = line.substr(0, space);
  int id = 0;
  if (space == std::string::npos || !parse_int(line.substr(space + 1), id) ||
      (verb != "down" && verb != "up")) {
    reply("error: unknown command (down ID | up ID)");
    return;
  }
  const auto error = verb == "down" ? cluster.broker_down(id) : cluster.broker_up(id);
  reply(error ? "error: " + error.to_string() : "ok");
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage(("missing value after " + arg).c_str());
    const std::string value = argv[++i];
    if (arg == "--brokers") {
      if (!parse_int(value, brokers) || brokers < 1) return usage("--brokers needs N >= 1");
    } else if (arg == "--topic") {
      const auto colon = value.rfind(':');
      int partitions = 0;
      if (colon == std::string::npos || colon == 0 ||
          !parse_int(value.substr(colon + 1), partitions) || partitions < 1) {
        return usage("--topic needs NAME:PARTITIONS");
      }
      topics.emplace_back(value.substr(0, colon), partitions);
    } else {
      return usage(("unknown option " + arg).c_str());
    }
  }

  // Signals arrive through a signalfd polled beside stdin. They are blocked before the cluster
  // starts its threads, which inherit the mask, so no librdkafka thread takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGPIPE);  // a reader that went away must not kill us mid-reply
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  sigdelset(&signals, SIGPIPE);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::perror("signalfd");
    return 1;
  }

  try {
    EmbeddedCluster cluster(brokers);
    for (const auto& [name, partitions] : topics) {
      if (auto error = cluster.create_topic(name, partitions)) {
        std::fprintf(stderr, "aiswatch-mock-kafka: topic %s: %s\n", name.c_str(),
                     error.to_string().c_str());
        return 1;
      }
    }
    reply("bootstrap=" + cluster.bootstrap_servers());

    std::string pending;
    for (;;) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {signal_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        std::perror("poll");
        return 1;
      }
      if (fds[1].revents != 0) break;  // SIGTERM / SIGINT
      if (fds[0].revents == 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // end of input: whoever started us is gone
      pending.append(buffer, static_cast<std::size_t>(n));
      for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
        std::string line = pending.substr(0, end);
        pending.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) run_command(cluster, line);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aiswatch-mock-kafka: %s\n", e.what());
    return 1;
  }
  ::close(signal_fd);
  return 0;
}
