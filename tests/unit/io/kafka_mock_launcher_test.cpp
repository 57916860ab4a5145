// Starts tests/tools/mock_kafka.cpp (aiswatch-mock-kafka) as a process, the way an end-to-end
// test of the daemon would, and talks to its cluster and its command channel.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/kafka/consumer_source.h"
#include "io/kafka/producer.h"
#include "tools/kafka_test_util.h"

extern char** environ;

namespace aiswatch::io::kafka {
namespace {

using namespace std::chrono_literals;
using aiswatch::testing::Collected;
using aiswatch::testing::fast_consumer_properties;
using aiswatch::testing::fast_producer_properties;
using aiswatch::testing::run_until;

// The launcher with pipes on its standard input and output.
class Launcher {
 public:
  explicit Launcher(const std::vector<std::string>& args) {
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> argv_storage{AISWATCH_MOCK_KAFKA};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, AISWATCH_MOCK_KAFKA, &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~Launcher() {
    close_stdin();
    if (pid_ > 0 && !wait_exit(5s)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) ::close(stdout_);
  }

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // One line of the launcher's output, or nullopt at the deadline or end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd fd{stdout_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[512];
      const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  std::optional<std::string> command(const std::string& line) {
    const std::string text = line + "\n";
    if (::write(stdin_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      return std::nullopt;
    }
    return read_line();
  }
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }
  // Waits for the process to end; its exit status goes to status().
  bool wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const pid_t done = ::waitpid(pid_, &status_, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        return true;
      }
      ::usleep(5000);
    }
    return false;
  }
  int status() const { return status_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int status_ = 0;
  std::string buffer_;
};

std::string bootstrap_of(Launcher& launcher) {
  const auto line = launcher.read_line();
  if (!line || line->rfind("bootstrap=", 0) != 0) return {};
  return line->substr(10);
}

TEST(MockKafkaLauncher, ServesProduceConsumeAndBrokerFaults) {
  Launcher launcher({"--brokers", "2", "--topic", "ais.raw:2"});
  ASSERT_TRUE(launcher.running());
  const std::string brokers = bootstrap_of(launcher);
  ASSERT_FALSE(brokers.empty());
  EXPECT_NE(brokers.find(','), std::string::npos) << brokers;  // two listeners

  prometheus::Registry registry;
  boost::asio::io_context io;
  BatchQueue queue;
  KafkaProducer producer(brokers, fast_producer_properties(), registry);
  KafkaSource source(io, queue, "feed", brokers, "g1", {"ais.raw"}, fast_consumer_properties(),
                     registry);
  source.start();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(producer.produce("ais.raw", "k" + std::to_string(i), "r" + std::to_string(i)).ok());
  }
  Collected got;
  ASSERT_TRUE(run_until(io, queue, got, [&] {
    producer.poll(0ms);
    return got.lines.size() >= 10;
  }));

  EXPECT_EQ(launcher.command("down 1"), "ok");
  for (int i = 10; i < 20; ++i) {
    ASSERT_TRUE(producer.produce("ais.raw", "k" + std::to_string(i), "r" + std::to_string(i)).ok());
  }
  run_until(
      io, queue, got, [] { return false; }, 200ms);
  EXPECT_EQ(launcher.command("up 1"), "ok");
  ASSERT_TRUE(run_until(
      io, queue, got,
      [&] {
        producer.poll(0ms);
        return producer.acked_through() == 20 &&
               std::set<std::string>(got.lines.begin(), got.lines.end()).size() == 20;
      },
      20s));

  const auto bad = launcher.command("explode 1");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->rfind("error:", 0), 0u) << *bad;

  // End of standard input ends the launcher (a test that dies takes its broker along).
  launcher.close_stdin();
  ASSERT_TRUE(launcher.wait_exit(5s));
  EXPECT_TRUE(WIFEXITED(launcher.status()));
  EXPECT_EQ(WEXITSTATUS(launcher.status()), 0);
}

TEST(MockKafkaLauncher, SigtermEndsItInOrder) {
  Launcher launcher({"--topic", "a:1", "--topic", "b:3"});
  ASSERT_TRUE(launcher.running());
  ASSERT_FALSE(bootstrap_of(launcher).empty());
  ASSERT_EQ(::kill(launcher.pid(), SIGTERM), 0);
  ASSERT_TRUE(launcher.wait_exit(5s));
  EXPECT_TRUE(WIFEXITED(launcher.status()));
  EXPECT_EQ(WEXITSTATUS(launcher.status()), 0);
}

TEST(MockKafkaLauncher, BadArgumentsExitWithUsage) {
  Launcher launcher({"--topic", "no-partitions"});
  ASSERT_TRUE(launcher.running());
  ASSERT_TRUE(launcher.wait_exit(5s));
  EXPECT_EQ(WEXITSTATUS(launcher.status()), 2);
}

}  // namespace
}  // namespace aiswatch::io::kafka
