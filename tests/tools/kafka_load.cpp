// aiswatch-kafka-load: produces an NMEA file to a Kafka topic at a steady rate, for the end-to-end
// benchmarks of `aiswatchd run` (tests/bench/kafka_end_to_end.sh) and for loading a broker by hand:
//
//   $ aiswatch-kafka-load --brokers 127.0.0.1:41235 --topic aiswatch.nmea --input feed.nmea
//       --lines-per-record 16 --rate 300000            (one command line)
//   aiswatch-kafka-load: lines=9000000 records=562500 seconds=30.02 lines_per_s=299800 ...
//
// Each record's value is up to N lines joined with '\n' (no trailing newline), as the daemon's
// Kafka source takes them, e.g. with N = 2:
//   \s:station-1,c:1700000000*4F\!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*23
//   \s:station-1,c:1700000001*4E\!AIVDM,1,1,,B,13u?etPv2;0n:dDPwUM1U1Cb069E,0*23
// Records carry no key; the tool picks the partition itself:
//   round-robin  record k goes to partition k mod P (the default): the most even spread, but one
//                vessel's reports land on every partition, so their order across partitions is
//                whatever order the consumer fetches them in;
//   vessel       every line goes to partition MMSI mod P (later fragments of a multi-sentence
//                message follow their first fragment, lines without an AIS payload follow the
//                line before them), and a record holds lines of one partition only: one vessel's
//                reports stay in order, as with a producer keyed by MMSI.
// The rate is in lines per second (0: as fast as librdkafka takes them), kept by sleeping until
// line k is due at start + k / rate, so a stall is caught up afterwards rather than lost.
//
// librdkafka sets each record's timestamp (CreateTime) when produce is called: the daemon takes
// it as the lines' arrival time, so its processing latency includes the producer's linger.ms.
// `-X name=value` passes a producer property through (linger.ms, compression.type, ...).
//
// Prints one summary line on standard output at the end; exit status 0 when every record was
// delivered, 1 on a delivery failure or a broker problem, 2 on bad arguments.
//
// Plain librdkafka C API: rd_kafka_produce with an explicit partition (no RD_KAFKA_V_* macros,
// which are GNU statement expressions that clang's -Wpedantic refuses in the fuzz build).
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>

#include <librdkafka/rdkafka.h>

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* usage_text =
    "usage: aiswatch-kafka-load --brokers HOST:PORT[,...] --topic NAME --input FILE\n"
    "         [--lines-per-record N] [--rate LINES_PER_SECOND] [--partitioning "
    "round-robin|vessel]\n"
    "         [--loop] [--duration SECONDS] [--max-lines N] [-X PROPERTY=VALUE]...\n"
    "  --lines-per-record N   lines per record, joined with '\\n' (default 1)\n"
    "  --rate R               lines per second, 0: as fast as possible (default 0)\n"
    "  --partitioning P       round-robin (default) or vessel (partition = MMSI mod partitions)\n"
    "  --loop                 start the file over at its end (needs --duration or --max-lines)\n"
    "  --duration S           stop producing after S seconds\n"
    "  --max-lines N          stop after N lines\n"
    "  -X PROPERTY=VALUE      a librdkafka producer property, passed through\n";

int usage(const std::string& message) {
  std::fprintf(stderr, "aiswatch-kafka-load: %s\n%s", message.c_str(), usage_text);
  return 2;
}

bool parse_unsigned(const std::string& text, uint64_t max, uint64_t& value) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long parsed = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || parsed > max) return false;
  value = parsed;
  return true;
}

bool parse_seconds(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return *end == '\0' && value > 0 && value < 1e7;
}

struct Options {
  std::string brokers;
  std::string topic;
  std::string input;
  uint64_t lines_per_record = 1;
  uint64_t rate = 0;
  bool by_vessel = false;
  bool loop = false;
  double duration_s = 0;   // 0: no limit
  uint64_t max_lines = 0;  // 0: no limit
  std::vector<std::pair<std::string, std::string>> properties;
};

// Returns an empty string when the arguments are good, else the complaint.
std::string parse_options(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--loop") {
      options.loop = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") return "help";
    if (i + 1 >= argc) return "missing value after " + arg;
    const std::string value = argv[++i];
    if (arg == "--brokers") {
      options.brokers = value;
    } else if (arg == "--topic") {
      options.topic = value;
    } else if (arg == "--input") {
      options.input = value;
    } else if (arg == "--lines-per-record") {
      if (!parse_unsigned(value, 100000, options.lines_per_record) ||
          options.lines_per_record == 0) {
        return "--lines-per-record needs an integer 1 to 100000, not '" + value + "'";
      }
    } else if (arg == "--rate") {
      if (!parse_unsigned(value, 1'000'000'000, options.rate)) {
        return "--rate needs lines per second, an integer 0 to 1000000000, not '" + value + "'";
      }
    } else if (arg == "--partitioning") {
      if (value != "round-robin" && value != "vessel") {
        return "--partitioning needs round-robin or vessel, not '" + value + "'";
      }
      options.by_vessel = value == "vessel";
    } else if (arg == "--duration") {
      if (!parse_seconds(value, options.duration_s)) {
        return "--duration needs seconds > 0, not '" + value + "'";
      }
    } else if (arg == "--max-lines") {
      if (!parse_unsigned(value, UINT64_MAX, options.max_lines) || options.max_lines == 0) {
        return "--max-lines needs a positive integer, not '" + value + "'";
      }
    } else if (arg == "-X") {
      const auto equals = value.find('=');
      if (equals == std::string::npos || equals == 0) {
        return "-X needs PROPERTY=VALUE, not '" + value + "'";
      }
      options.properties.emplace_back(value.substr(0, equals), value.substr(equals + 1));
    } else {
      return "unknown option " + arg;
    }
  }
  if (options.brokers.empty()) return "--brokers is required";
  if (options.topic.empty()) return "--topic is required";
  if (options.input.empty()) return "--input is required";
  if (options.loop && options.duration_s == 0 && options.max_lines == 0) {
    return "--loop needs --duration or --max-lines (it would never end)";
  }
  return {};
}

// The MMSI of an AIVDM/AIVDO line's first fragment: message bits 8..37 of the six-bit armoured
// payload (ITU-R M.1371, every message type starts with type(6) repeat(2) MMSI(30)), e.g. from
// `!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*23` 265547250. Sets `fragment` and `count` from
// the sentence; false when the line holds no AIS sentence or the payload is too short.
struct Sentence {
  int count = 0;
  int number = 0;
  char sequence = 0;
  uint32_t mmsi = 0;
  bool has_mmsi = false;
};

bool parse_sentence(std::string_view line, Sentence& sentence) {
  // Skip a tag block (\...*hh\) and anything before the sentence's '!'.
  const auto bang = line.find('!');
  if (bang == std::string_view::npos) return false;
  line.remove_prefix(bang);
  if (line.size() < 7 || line.substr(3, 2) != "VD") return false;
  std::array<std::string_view, 6> fields{};
  std::size_t start = 0;
  for (auto& field : fields) {
    const auto comma = line.find(',', start);
    if (comma == std::string_view::npos) return false;
    field = line.substr(start, comma - start);
    start = comma + 1;
  }
  // fields: [0] !AIVDM, [1] count, [2] number, [3] sequence id, [4] channel, [5] payload
  if (fields[1].size() != 1 || fields[2].size() != 1) return false;
  sentence.count = fields[1][0] - '0';
  sentence.number = fields[2][0] - '0';
  sentence.sequence = fields[3].empty() ? 0 : fields[3][0];
  sentence.has_mmsi = false;
  if (sentence.number == 1 && fields[5].size() >= 7) {
    uint64_t bits = 0;
    for (std::size_t i = 0; i < 7; ++i) {
      int v = static_cast<unsigned char>(fields[5][i]) - 48;
      if (v > 40) v -= 8;
      if (v < 0 || v > 63) return false;
      bits = (bits << 6) | static_cast<uint64_t>(v);
    }
    sentence.mmsi = static_cast<uint32_t>((bits >> 4) & ((1u << 30) - 1));  // 42 bits, MMSI 8..37
    sentence.has_mmsi = true;
  }
  return true;
}

// Lines of a file, read in large blocks, optionally starting over at the end.
class LineReader {
 public:
  explicit LineReader(std::FILE* file) : file_(file) {}
  // The next line without its '\n' (or "\r\n"); false at the end of the file.
  bool next(std::string& line) {
    line.clear();
    for (;;) {
      if (position_ == filled_) {
        filled_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
        position_ = 0;
        if (filled_ == 0) return !line.empty();
      }
      const char* begin = buffer_.data() + position_;
      const void* newline = std::memchr(begin, '\n', filled_ - position_);
      const std::size_t n =
          newline != nullptr ? static_cast<const char*>(newline) - begin : filled_ - position_;
      line.append(begin, n);
      position_ += n;
      if (newline != nullptr) {
        ++position_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
    }
  }
  void rewind() {
    std::rewind(file_);
    position_ = filled_ = 0;
  }

 private:
  std::FILE* file_;
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  std::size_t position_ = 0;
  std::size_t filled_ = 0;
};

std::atomic<bool> stop_requested{false};
extern "C" void on_signal(int) { stop_requested.store(true); }

struct Counters {
  uint64_t delivered = 0;
  uint64_t failed = 0;
  std::string first_error;
};

extern "C" void delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto& counters = *static_cast<Counters*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++counters.delivered;
  } else {
    if (counters.failed++ == 0) counters.first_error = rd_kafka_err2str(message->err);
  }
}

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
  void operator()(const rd_kafka_metadata_t* metadata) const {
    rd_kafka_metadata_destroy(metadata);
  }
};

// User + system CPU time of the whole process (librdkafka's threads included).
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const auto problem = parse_options(argc, argv, options); !problem.empty()) {
    if (problem == "help") {
      std::fputs(usage_text, stdout);
      return 0;
    }
    return usage(problem);
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(options.input.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) {
    std::fprintf(stderr, "aiswatch-kafka-load: --input %s: %s\n", options.input.c_str(),
                 std::strerror(errno));
    return 2;
  }

  Counters counters;
  std::unique_ptr<rd_kafka_conf_t, KafkaDeleter> conf(rd_kafka_conf_new());
  char reason[512] = {0};
  // Our defaults, then the -X properties (they win). A large local queue: at a high rate the
  // producer should wait for the broker only when the broker is really behind.
  std::vector<std::pair<std::string, std::string>> properties = {
      {"bootstrap.servers", options.brokers},
      {"client.id", "aiswatch-kafka-load"},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"}};
  properties.insert(properties.end(), options.properties.begin(), options.properties.end());
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), reason, sizeof reason) !=
        RD_KAFKA_CONF_OK) {
      return usage("-X " + name + "=" + value + ": " + reason);
    }
  }
  rd_kafka_conf_set_opaque(conf.get(), &counters);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &delivery_report);
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), reason, sizeof reason));
  if (!rk) {
    std::fprintf(stderr, "aiswatch-kafka-load: %s\n", reason);
    return 1;
  }
  conf.release();  // owned by rk now
  std::unique_ptr<rd_kafka_topic_t, KafkaDeleter> topic(
      rd_kafka_topic_new(rk.get(), options.topic.c_str(), nullptr));

  // The topic's partition count, from the brokers (the topic must exist: an auto-created one
  // would get the broker's default count, not the one the benchmark asked for).
  int partitions = 0;
  {
    const rd_kafka_metadata_t* raw = nullptr;
    const auto error = rd_kafka_metadata(rk.get(), 0, topic.get(), &raw, 10000);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "aiswatch-kafka-load: metadata of topic %s: %s\n", options.topic.c_str(),
                   rd_kafka_err2str(error));
      return 1;
    }
    std::unique_ptr<const rd_kafka_metadata_t, KafkaDeleter> metadata(raw);
    if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
        metadata->topics[0].partition_cnt < 1) {
      std::fprintf(stderr, "aiswatch-kafka-load: topic %s: %s\n", options.topic.c_str(),
                   metadata->topic_cnt == 1 ? rd_kafka_err2str(metadata->topics[0].err)
                                            : "not in the metadata");
      return 1;
    }
    partitions = metadata->topics[0].partition_cnt;
  }

  std::signal(SIGINT, &on_signal);
  std::signal(SIGTERM, &on_signal);

  // One pending record per partition (vessel partitioning) or one in all (round-robin).
  struct Pending {
    std::string value;
    uint64_t lines = 0;
  };
  std::vector<Pending> pending(options.by_vessel ? static_cast<std::size_t>(partitions) : 1);
  uint64_t lines = 0;
  uint64_t records = 0;
  uint64_t produce_refusals = 0;
  bool broken = false;

  const auto start = Clock::now();
  const auto deadline = options.duration_s > 0
                            ? start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options.duration_s))
                            : Clock::time_point::max();

  auto send = [&](int32_t partition, Pending& record) {
    for (;;) {
      if (rd_kafka_produce(topic.get(), partition, RD_KAFKA_MSG_F_COPY, record.value.data(),
                           record.value.size(), nullptr, 0, nullptr) == 0) {
        break;
      }
      const auto error = rd_kafka_last_error();
      if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "aiswatch-kafka-load: produce to %s [%d]: %s\n", options.topic.c_str(),
                     partition, rd_kafka_err2str(error));
        ++counters.failed;
        broken = true;
        return;
      }
      ++produce_refusals;  // the local queue is full: wait for the broker
      rd_kafka_poll(rk.get(), 10);
    }
    ++records;
    record.value.clear();
    record.lines = 0;
    rd_kafka_poll(rk.get(), 0);
  };

  LineReader reader(file.get());
  std::string line;
  int32_t last_partition = 0;
  // Partition of the first fragment of each multi-sentence message, by sequence id.
  std::array<int32_t, 256> fragment_partition{};
  Sentence sentence;
  bool read_any = false;
  while (!broken && !stop_requested.load()) {
    if (options.max_lines > 0 && lines >= options.max_lines) break;
    if (!reader.next(line)) {
      if (!options.loop || !read_any) break;
      reader.rewind();
      continue;
    }
    read_any = true;
    if (line.empty()) continue;
    int32_t partition = 0;
    if (options.by_vessel) {
      partition = last_partition;
      if (parse_sentence(line, sentence)) {
        const auto id = static_cast<unsigned char>(sentence.sequence);
        if (sentence.has_mmsi) {
          partition = static_cast<int32_t>(sentence.mmsi % static_cast<uint32_t>(partitions));
          if (sentence.count > 1) fragment_partition[id] = partition;
        } else if (sentence.number > 1) {
          partition = fragment_partition[id];
        }
      }
      last_partition = partition;
    }
    auto& record = pending[static_cast<std::size_t>(partition)];
    if (!record.value.empty()) record.value += '\n';
    record.value += line;
    ++record.lines;
    ++lines;
    if (record.lines >= options.lines_per_record) {
      send(options.by_vessel ? partition : static_cast<int32_t>(records % partitions), record);
    }
    // Pacing: line k is due at start + k / rate.
    if (options.rate > 0 && lines % 64 == 0) {
      const auto due =
          start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                      static_cast<double>(lines) / static_cast<double>(options.rate)));
      auto now = Clock::now();
      if (now >= deadline) break;
      while (due > now + std::chrono::microseconds(200)) {
        rd_kafka_poll(rk.get(), 0);
        std::this_thread::sleep_for(
            std::min<Clock::duration>(due - now, std::chrono::milliseconds(5)));
        now = Clock::now();
      }
    } else if (lines % 4096 == 0 && Clock::now() >= deadline) {
      break;
    }
  }
  // What is left over: partial records.
  for (std::size_t p = 0; p < pending.size() && !broken; ++p) {
    if (pending[p].lines > 0) {
      send(options.by_vessel ? static_cast<int32_t>(p) : static_cast<int32_t>(records % partitions),
           pending[p]);
    }
  }
  const auto produced = Clock::now();
  // Every record's delivery report (at most a minute: the mock broker is local).
  const auto flush_error = rd_kafka_flush(rk.get(), 60000);
  const auto end = Clock::now();
  const uint64_t unreported = records - counters.delivered - std::min(counters.failed, records);
  const double seconds = std::chrono::duration<double>(end - start).count();
  std::printf(
      "aiswatch-kafka-load: lines=%llu records=%llu partitions=%d seconds=%.3f "
      "lines_per_s=%.0f produce_seconds=%.3f delivered=%llu failed=%llu unreported=%llu "
      "queue_full_waits=%llu cpu_seconds=%.2f%s\n",
      static_cast<unsigned long long>(lines), static_cast<unsigned long long>(records), partitions,
      seconds, seconds > 0 ? static_cast<double>(lines) / seconds : 0.0,
      std::chrono::duration<double>(produced - start).count(),
      static_cast<unsigned long long>(counters.delivered),
      static_cast<unsigned long long>(counters.failed), static_cast<unsigned long long>(unreported),
      static_cast<unsigned long long>(produce_refusals), cpu_seconds(),
      stop_requested.load() ? " (stopped)" : "");
  std::fflush(stdout);
  if (counters.failed > 0) {
    std::fprintf(stderr, "aiswatch-kafka-load: %llu record(s) not delivered (first: %s)\n",
                 static_cast<unsigned long long>(counters.failed), counters.first_error.c_str());
  }
  if (flush_error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "aiswatch-kafka-load: flush: %s\n", rd_kafka_err2str(flush_error));
  }
  return counters.failed > 0 || unreported > 0 || broken ? 1 : 0;
}
