#include "app/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace aiswatch::app {
namespace {

namespace fs = std::filesystem;

// The errors of a configuration file named aiswatch.yaml with this text.
std::vector<std::string> errors_of(const std::string& yaml, const Environment& environment = {}) {
  return load_config_text(yaml, "aiswatch.yaml", environment).errors;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

// Whether `errors` holds `expected` exactly (one whole message). A function, so that a
// temporary `errors` is evaluated once.
::testing::AssertionResult has_error(const std::vector<std::string>& errors,
                                     const std::string& expected) {
  if (std::find(errors.begin(), errors.end(), expected) != errors.end()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "expected: " << expected << "\nactual:\n"
                                       << joined(errors);
}
#define EXPECT_ERROR(errors, expected) EXPECT_TRUE(has_error(errors, expected))

fs::path temp_file(const std::string& name, const std::string& text) {
  const auto path = fs::temp_directory_path() / ("aiswatch_config_test_" + name);
  std::ofstream(path) << text;
  return path;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Config, DefaultsAreTheMainJob) {
  // The main job: embedded Kafka, the bundled sample feed into it, alerts printed as published,
  // metrics on the Prometheus exporter port, the repository's rules.
  const Config config;
  EXPECT_EQ(config.rules.dir, "rules");
  EXPECT_EQ(config.kafka.brokers, "embedded");
  EXPECT_EQ(config.kafka.input_topics, std::vector<std::string>{"aiswatch.nmea"});
  EXPECT_EQ(config.kafka.group_id, "aiswatch");
  EXPECT_EQ(config.kafka.alerts_topic, "aiswatch.alerts");
  EXPECT_FALSE(config.kafka.alerts_topic_per_type);
  EXPECT_EQ(config.kafka.json_topic, "");
  EXPECT_EQ(config.kafka.positions_topic, "");
  EXPECT_TRUE(config.kafka.consumer.empty());
  EXPECT_TRUE(config.kafka.producer.empty());
  EXPECT_EQ(config.kafka.embedded_partitions, 4);
  EXPECT_TRUE(config.sources.empty());
  EXPECT_EQ(config.sample.feed, "auto");
  EXPECT_EQ(config.sample.speed, 600.0);
  EXPECT_EQ(config.sample.minutes, 720);
  EXPECT_EQ(config.exit_when_done, "auto");
  EXPECT_TRUE(config.http.enabled);
  EXPECT_EQ(config.http.address, "0.0.0.0");
  EXPECT_EQ(config.http.port, 9464);
  EXPECT_EQ(config.log.level, "info");
  EXPECT_EQ(config.log.format, "text");
  EXPECT_EQ(config.output.stdout_format, "lines");
  EXPECT_EQ(config.output.alerts_file, "");
  EXPECT_EQ(config.core.queue_bytes, 64u << 20);
  EXPECT_EQ(config.core.idle_tick_ms, 1000);
  EXPECT_EQ(config.core.shutdown_timeout_s, 10);

  // No file and no environment: exactly the defaults, and they are valid.
  const auto result = load_config("", {});
  EXPECT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(echo_config(result.config), echo_config(config));
  // An empty file or one of comments only is the same.
  EXPECT_TRUE(errors_of("").empty());
  EXPECT_TRUE(errors_of("# nothing set\n").empty());
}

TEST(Config, FullFileParsesIntoTheStruct) {
  const auto recording =
      temp_file("recording.nmea", "!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*23\n");
  const auto sample = temp_file("sample.nmea", "");
  const std::string yaml = R"(rules:
  dir: /etc/aiswatch/rules
kafka:
  brokers: k1:9093,k2:9093
  input_topics: [ais.a, ais.b]
  group_id: g1
  alerts_topic: out.alerts
  alerts_topic_per_type: true
  json_topic: out.json
  positions_topic: out.positions
  consumer:
    security.protocol: SASL_SSL
    session.timeout.ms: 45000
  producer:
    acks: all
  embedded_partitions: 8
sources:
  coastal:
    type: tcp
    host: rx.example.net
    port: 5631
    reconnect_min_ms: 250
    reconnect_max_ms: 8000
    idle_timeout_s: 90
  listen:
    type: udp
    port: 10110
  old:
    type: file
    path: )" + recording.string() +
                           R"(
    speed: 0
    loop: true
sample:
  feed: )" + sample.string() +
                           R"(
  speed: 120.5
  minutes: 45
exit_when_done: never
http:
  enabled: false
  address: 127.0.0.1
  port: 0
log:
  level: debug
  format: json
output:
  stdout_format: json
  alerts_file: /var/log/aiswatch/alerts.jsonl
core:
  queue_bytes: 1048576
  idle_tick_ms: 250
  shutdown_timeout_s: 30
)";
  const auto path = temp_file("full.yaml", yaml);
  const auto result = load_config(path.string(), {});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  const Config& c = result.config;
  EXPECT_EQ(c.rules.dir, "/etc/aiswatch/rules");
  EXPECT_EQ(c.kafka.brokers, "k1:9093,k2:9093");
  EXPECT_EQ(c.kafka.input_topics, (std::vector<std::string>{"ais.a", "ais.b"}));
  EXPECT_EQ(c.kafka.group_id, "g1");
  EXPECT_EQ(c.kafka.alerts_topic, "out.alerts");
  EXPECT_TRUE(c.kafka.alerts_topic_per_type);
  EXPECT_EQ(c.kafka.json_topic, "out.json");
  EXPECT_EQ(c.kafka.positions_topic, "out.positions");
  EXPECT_EQ(c.kafka.consumer,
            (std::map<std::string, std::string>{{"security.protocol", "SASL_SSL"},
                                                {"session.timeout.ms", "45000"}}));
  EXPECT_EQ(c.kafka.producer, (std::map<std::string, std::string>{{"acks", "all"}}));
  EXPECT_EQ(c.kafka.embedded_partitions, 8);
  ASSERT_EQ(c.sources.size(), 3u);
  EXPECT_EQ(c.sources[0].name, "coastal");
  EXPECT_EQ(c.sources[0].type, SourceConfig::Type::tcp);
  EXPECT_EQ(c.sources[0].host, "rx.example.net");
  EXPECT_EQ(c.sources[0].port, 5631);
  EXPECT_EQ(c.sources[0].reconnect_min_ms, 250);
  EXPECT_EQ(c.sources[0].reconnect_max_ms, 8000);
  EXPECT_EQ(c.sources[0].idle_timeout_s, 90);
  EXPECT_EQ(c.sources[1].name, "listen");
  EXPECT_EQ(c.sources[1].type, SourceConfig::Type::udp);
  EXPECT_EQ(c.sources[1].host, "0.0.0.0");  // udp's default bind address
  EXPECT_EQ(c.sources[1].port, 10110);
  EXPECT_EQ(c.sources[2].name, "old");
  EXPECT_EQ(c.sources[2].type, SourceConfig::Type::file);
  EXPECT_EQ(c.sources[2].path, recording.string());
  EXPECT_EQ(c.sources[2].speed, 0.0);
  EXPECT_TRUE(c.sources[2].loop);
  EXPECT_EQ(c.sample.feed, sample.string());
  EXPECT_EQ(c.sample.speed, 120.5);
  EXPECT_EQ(c.sample.minutes, 45);
  EXPECT_EQ(c.exit_when_done, "never");
  EXPECT_FALSE(c.http.enabled);
  EXPECT_EQ(c.http.address, "127.0.0.1");
  EXPECT_EQ(c.http.port, 0);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(c.output.stdout_format, "json");
  EXPECT_EQ(c.output.alerts_file, "/var/log/aiswatch/alerts.jsonl");
  EXPECT_EQ(c.core.queue_bytes, 1048576u);
  EXPECT_EQ(c.core.idle_tick_ms, 250);
  EXPECT_EQ(c.core.shutdown_timeout_s, 30);

  // The echo loads back to the same configuration (no secrets here to mask).
  const auto again = load_config_text(echo_config(c), "echo.yaml", {});
  ASSERT_TRUE(again.ok()) << joined(again.errors);
  EXPECT_EQ(echo_config(again.config), echo_config(c));
}

TEST(Config, UnknownKeysSayWhatWasMeant) {
  const auto errors = errors_of(
      "kafka:\n  broker: x\nkafak: {}\nlog:\n  levl: debug\nsources:\n  a:\n    type: udp\n"
      "    prot: 1\nzebra: 1\n");
  EXPECT_ERROR(errors, "aiswatch.yaml:2: kafka.broker: unknown key (did you mean kafka.brokers?)");
  EXPECT_ERROR(errors, "aiswatch.yaml:3: kafak: unknown key (did you mean kafka?)");
  EXPECT_ERROR(errors, "aiswatch.yaml:5: log.levl: unknown key (did you mean log.level?)");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:9: sources.a.prot: unknown key (did you mean sources.a.port?)");
  EXPECT_ERROR(errors, "aiswatch.yaml:10: zebra: unknown key");
  // A librdkafka property at the wrong level gets a pointer to where it belongs.
  EXPECT_ERROR(errors_of("kafka.brokers: b:1\n"),
               "aiswatch.yaml:1: kafka.brokers: unknown key; keys are nested maps, one word per "
               "level");
  EXPECT_ERROR(errors_of("kafka:\n  security.protocol: SASL_SSL\n"),
               "aiswatch.yaml:2: kafka.security.protocol: unknown key; librdkafka properties go "
               "under kafka.consumer and kafka.producer");
}

TEST(Config, WrongTypes) {
  const auto errors = errors_of(
      "http:\n  enabled: yes\n  port: abc\nsample:\n  speed: fast\nkafka:\n"
      "  input_topics: aiswatch.nmea\n  brokers: [a, b]\n  group_id: {a: 1}\n"
      "log: debug\ncore:\n  idle_tick_ms:\n");
  EXPECT_ERROR(errors, "aiswatch.yaml:2: http.enabled: must be true or false, not 'yes'");
  EXPECT_ERROR(errors, "aiswatch.yaml:3: http.port: 'abc' is not a whole number");
  EXPECT_ERROR(errors, "aiswatch.yaml:5: sample.speed: 'fast' is not a number");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:7: kafka.input_topics: must be a list of topics ([a, b]), not a "
               "single value");
  EXPECT_ERROR(errors, "aiswatch.yaml:8: kafka.brokers: must be a single value, not a list");
  EXPECT_ERROR(errors, "aiswatch.yaml:9: kafka.group_id: must be a single value, not a map");
  EXPECT_ERROR(errors, "aiswatch.yaml:10: log: must be a map of keys");
  EXPECT_ERROR(errors, "aiswatch.yaml:12: core.idle_tick_ms: has no value (a whole number)");
  EXPECT_EQ(errors.size(), 8u) << joined(errors);
  EXPECT_ERROR(errors_of("core:\n  queue_bytes: 1.5\n"),
               "aiswatch.yaml:2: core.queue_bytes: '1.5' is not a whole number");
  EXPECT_ERROR(errors_of("kafka:\n  consumer: [a]\n"),
               "aiswatch.yaml:2: kafka.consumer: must be a map of librdkafka properties (name: "
               "value)");
  EXPECT_ERROR(errors_of("kafka:\n  consumer:\n    acks: [1]\n"),
               "aiswatch.yaml:3: kafka.consumer.acks: must be a single value");
}

TEST(Config, OutOfRangeNumbers) {
  const auto errors = errors_of(
      "http:\n  port: 70000\ncore:\n  idle_tick_ms: 0\n  shutdown_timeout_s: -1\n"
      "  queue_bytes: 100\nkafka:\n  embedded_partitions: 0\nsample:\n  speed: 0\n"
      "sources:\n  t:\n    type: tcp\n    host: h\n    port: 0\n    reconnect_min_ms: 0\n"
      "    idle_timeout_s: 0\n  f:\n    type: file\n    path: /dev/null\n    speed: -1\n");
  EXPECT_ERROR(errors, "aiswatch.yaml:2: http.port: 70000 is out of range [0, 65535]");
  EXPECT_ERROR(errors, "aiswatch.yaml:4: core.idle_tick_ms: 0 is out of range [10, 60000]");
  EXPECT_ERROR(errors, "aiswatch.yaml:5: core.shutdown_timeout_s: -1 is out of range [1, 3600]");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:6: core.queue_bytes: 100 is out of range [65536, 17179869184]");
  EXPECT_ERROR(errors, "aiswatch.yaml:8: kafka.embedded_partitions: 0 is out of range [1, 256]");
  EXPECT_ERROR(errors, "aiswatch.yaml:10: sample.speed: 0 is out of range [0.1, 100000]");
  EXPECT_ERROR(errors, "aiswatch.yaml:15: sources.t.port: 0 is out of range [1, 65535]");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:16: sources.t.reconnect_min_ms: 0 is out of range [1, 3600000]");
  EXPECT_ERROR(errors, "aiswatch.yaml:17: sources.t.idle_timeout_s: 0 is out of range [1, 86400]");
  EXPECT_ERROR(errors, "aiswatch.yaml:21: sources.f.speed: -1 is out of range [0, 100000]");
  // A value beyond the field's type is out of range, never wrapped.
  EXPECT_ERROR(errors_of("http:\n  port: 65536\n"),
               "aiswatch.yaml:2: http.port: 65536 is out of range [0, 65535]");
  EXPECT_ERROR(errors_of("core:\n  idle_tick_ms: 99999999999999999999\n"),
               "aiswatch.yaml:2: core.idle_tick_ms: '99999999999999999999' is not a whole number");
}

TEST(Config, ReconnectMinNotAboveMax) {
  EXPECT_ERROR(errors_of("sources:\n  t:\n    host: h\n    port: 1\n    reconnect_min_ms: 5000\n"
                         "    reconnect_max_ms: 1000\n"),
               "aiswatch.yaml:5: sources.t.reconnect_min_ms: 5000 is more than reconnect_max_ms "
               "(1000)");
  // Against the default maximum (30000), the line is the minimum's.
  EXPECT_ERROR(errors_of("sources:\n  t:\n    host: h\n    port: 1\n    reconnect_min_ms: 40000\n"),
               "aiswatch.yaml:5: sources.t.reconnect_min_ms: 40000 is more than reconnect_max_ms "
               "(30000)");
  EXPECT_TRUE(errors_of("sources:\n  t:\n    host: h\n    port: 1\n    reconnect_min_ms: 1000\n"
                        "    reconnect_max_ms: 1000\n")
                  .empty());
}

TEST(Config, Choices) {
  const auto errors = errors_of(
      "log:\n  level: verbose\n  format: xml\noutput:\n  stdout_format: jsonl\n"
      "exit_when_done: always\nsources:\n  s:\n    type: tcpp\n");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:2: log.level: 'verbose' is not one of debug, info, warn, error");
  EXPECT_ERROR(errors, "aiswatch.yaml:3: log.format: 'xml' is not one of text, json");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:5: output.stdout_format: 'jsonl' is not one of lines, json, none "
               "(did you mean json?)");
  EXPECT_ERROR(errors, "aiswatch.yaml:6: exit_when_done: 'always' is not one of auto, never");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:9: sources.s.type: 'tcpp' is not one of tcp, udp, file (did you mean "
               "tcp?)");
  // A refused type adds no guesses about what the source needs.
  EXPECT_EQ(errors.size(), 5u) << joined(errors);
}

TEST(Config, SampleFeedIsAKeywordOrAReadableFile) {
  for (const char* feed : {"auto", "builtin", "none"}) {
    EXPECT_TRUE(errors_of(std::string("sample:\n  feed: ") + feed + "\n").empty()) << feed;
  }
  EXPECT_ERROR(errors_of("sample:\n  feed: builtn\n"),
               "aiswatch.yaml:2: sample.feed: cannot read builtn: No such file or directory (did "
               "you mean builtin?)");
  EXPECT_ERROR(errors_of("sample:\n  feed: \"\"\n"),
               "aiswatch.yaml:2: sample.feed: must be auto, builtin, none or the path of an NMEA "
               "file");
  const auto feed = temp_file("feed.nmea", "");
  EXPECT_TRUE(errors_of("sample:\n  feed: " + feed.string() + "\n").empty());
  // The feed is produced into the first input topic, so it needs one.
  EXPECT_ERROR(errors_of("kafka:\n  input_topics: []\nsample:\n  feed: builtin\n"),
               "aiswatch.yaml:4: sample.feed: needs kafka.input_topics (the feed is produced into "
               "the first of them)");
  EXPECT_TRUE(errors_of("kafka:\n  input_topics: []\n").empty());
}

TEST(Config, EachSourceTypeNeedsItsKeys) {
  const auto errors = errors_of(
      "sources:\n  t:\n    type: tcp\n  u:\n    type: udp\n  f:\n    type: file\n"
      "  g:\n    type: file\n    path: /nonexistent/x.nmea\n  d:\n    type: udp\n    port: 1\n"
      "    path: /dev/null\n    reconnect_min_ms: 10\n");
  EXPECT_ERROR(errors, "aiswatch.yaml:2: sources.t: a tcp source needs host");
  EXPECT_ERROR(errors, "aiswatch.yaml:2: sources.t: a tcp source needs port");
  EXPECT_ERROR(errors, "aiswatch.yaml:4: sources.u: a udp source needs port");
  EXPECT_ERROR(errors, "aiswatch.yaml:6: sources.f: a file source needs path");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:10: sources.g.path: cannot read /nonexistent/x.nmea: No such file "
               "or directory");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:14: sources.d.path: does not apply to a udp source (only file)");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:15: sources.d.reconnect_min_ms: does not apply to a udp source (only "
               "tcp)");
  EXPECT_EQ(errors.size(), 7u) << joined(errors);
  // The type defaults to tcp; udp binds every address unless told otherwise.
  const auto result = load_config_text("sources:\n  u:\n    type: udp\n    port: 10110\n", "a", {});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(result.config.sources.at(0).host, "0.0.0.0");
}

TEST(Config, TextChecks) {
  const auto errors = errors_of(
      "kafka:\n  brokers: \"\"\n  alerts_topic: bad topic\n  input_topics: [ok, \"no/slash\"]\n"
      "  group_id:\nrules:\n  dir: \"\"\nhttp:\n  address: \"\"\n");
  EXPECT_ERROR(errors, "aiswatch.yaml:2: kafka.brokers: must not be empty");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:3: kafka.alerts_topic: 'bad topic' is not a Kafka topic name "
               "(letters, digits, '.', '_', '-'; 1 to 249)");
  EXPECT_ERROR(errors,
               "aiswatch.yaml:4: kafka.input_topics: 'no/slash' is not a Kafka topic name "
               "(letters, digits, '.', '_', '-'; 1 to 249)");
  EXPECT_ERROR(errors, "aiswatch.yaml:5: kafka.group_id: must not be empty");
  EXPECT_ERROR(errors, "aiswatch.yaml:7: rules.dir: must not be empty");
  EXPECT_ERROR(errors, "aiswatch.yaml:9: http.address: must not be empty");
  EXPECT_ERROR(errors_of("kafka:\n  brokers: a:1,,b:2\n"),
               "aiswatch.yaml:2: kafka.brokers: 'a:1,,b:2' has an empty entry");
  EXPECT_ERROR(errors_of("output:\n  alerts_file: a\xff\n"),
               "aiswatch.yaml:2: output.alerts_file: is not valid UTF-8");
  // Optional topics may be empty (off).
  EXPECT_TRUE(errors_of("kafka:\n  json_topic: \"\"\n  positions_topic:\n").empty());
}

TEST(Config, SourceNames) {
  const auto errors = errors_of(
      "sources:\n  Coastal:\n    type: udp\n    port: 1\n  rx-1:\n    port: 1\n  ok_1:\n"
      "    type: udp\n    port: 2\n");
  EXPECT_ERROR(errors, "aiswatch.yaml:2: sources.Coastal: a source name must be [a-z0-9_]+");
  EXPECT_ERROR(errors, "aiswatch.yaml:5: sources.rx-1: a source name must be [a-z0-9_]+");
  EXPECT_EQ(errors.size(), 2u) << joined(errors);
  EXPECT_ERROR(errors_of("sources: [a]\n"),
               "aiswatch.yaml:1: sources: must be a map of sources by name");
  EXPECT_ERROR(errors_of("sources:\n  a: 1\n"),
               "aiswatch.yaml:2: sources.a: must be a map of source keys (type, host, port, ...)");
}

TEST(Config, FileLevelProblems) {
  EXPECT_ERROR(errors_of("- kafka\n- log\n"),
               "aiswatch.yaml:1: must be a map of keys (rules, kafka, sources, sample, "
               "exit_when_done, http, log, output, checkpoint, core), not a list");
  EXPECT_ERROR(errors_of("just words\n"),
               "aiswatch.yaml:1: must be a map of keys (rules, kafka, sources, sample, "
               "exit_when_done, http, log, output, checkpoint, core), not a single value");
  // Syntax errors carry line and column.
  EXPECT_ERROR(errors_of("kafka:\n  input_topics: [a, b\nlog:\n  level: info\n"),
               "aiswatch.yaml:3:4: not valid YAML: end of sequence flow not found");
  EXPECT_ERROR(errors_of("kafka: {}\n---\nlog: {}\n"),
               "aiswatch.yaml:2: more than one YAML document ('---'); one is expected");
  EXPECT_ERROR(errors_of("log:\n  level: info\nlog:\n  format: json\n"),
               "aiswatch.yaml:3: log: given twice (first at line 1)");
  EXPECT_ERROR(errors_of("? [a, b]\n: 1\n"),
               "aiswatch.yaml:1: a key must be a plain word, not a list or map");
  EXPECT_ERROR(errors_of("kafka:\n  consumer:\n    group.id: g\n    bootstrap.servers: b:1\n"),
               "aiswatch.yaml:3: kafka.consumer.group.id: set by kafka.group_id; set that instead");
  EXPECT_ERROR(errors_of("kafka:\n  consumer:\n    group.id: g\n    bootstrap.servers: b:1\n"),
               "aiswatch.yaml:4: kafka.consumer.bootstrap.servers: set by kafka.brokers; set that "
               "instead");

  // The file itself: the OS's reason.
  const auto missing = load_config("/nonexistent/aiswatch.yaml", {});
  ASSERT_EQ(missing.errors.size(), 1u) << joined(missing.errors);
  EXPECT_EQ(missing.errors[0],
            "/nonexistent/aiswatch.yaml: cannot read: No such file or directory");
  const auto directory = load_config(fs::temp_directory_path().string(), {});
  ASSERT_EQ(directory.errors.size(), 1u) << joined(directory.errors);
  EXPECT_EQ(directory.errors[0],
            fs::temp_directory_path().string() + ": cannot read: Is a directory");
  // A file's errors name the path as given.
  const auto path = temp_file("bad_port.yaml", "http:\n  port: -1\n");
  const auto bad = load_config(path.string(), {});
  ASSERT_EQ(bad.errors.size(), 1u) << joined(bad.errors);
  EXPECT_EQ(bad.errors[0], path.string() + ":2: http.port: -1 is out of range [0, 65535]");
}

TEST(Config, EveryProblemIsReportedNotJustTheFirst) {
  const auto errors = errors_of("http:\n  port: x\nlog:\n  level: loud\nkafka:\n  brokers: \"\"\n",
                                {{"AISWATCH_CORE_IDLE_TICK_MS", "0"}, {"AISWATCH_NOPE", "1"}});
  EXPECT_EQ(errors.size(), 5u) << joined(errors);
}

TEST(Config, EnvironmentOverridesTheFile) {
  const Environment environment = {
      {"AISWATCH_KAFKA_BROKERS", "b1:9092,b2:9092"},
      {"AISWATCH_KAFKA_INPUT_TOPICS", "ais.a, ais.b"},
      {"AISWATCH_HTTP_PORT", "8080"},
      {"AISWATCH_HTTP_ENABLED", "false"},
      {"AISWATCH_SAMPLE_SPEED", "2.5"},
      {"AISWATCH_LOG_LEVEL", "debug"},
      {"AISWATCH_KAFKA_CONSUMER_SASL_PASSWORD", "hunter2"},
      {"AISWATCH_KAFKA_PRODUCER_LINGER_MS", "5"},
      {"AISWATCH_SOURCES_COASTAL_PORT", "6000"},
      {"AISWATCH_SOURCES_RX_2_HOST", "rx2.example.net"},
      {"AISWATCH_SOURCES_RX_2_PORT", "5631"},
      {"AISWATCH_SOURCES_RX_2_RECONNECT_MAX_MS", "9000"},
      {"PATH", "/usr/bin"},  // not ours: ignored
  };
  const auto result = load_config_text(
      "kafka:\n  brokers: file:9092\n  consumer:\n    sasl.username: u\nhttp:\n  port: 9000\n"
      "log:\n  level: warn\nsources:\n  coastal:\n    host: rx.example.net\n    port: 5631\n",
      "aiswatch.yaml", environment);
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  const Config& c = result.config;
  EXPECT_EQ(c.kafka.brokers, "b1:9092,b2:9092");
  EXPECT_EQ(c.kafka.input_topics, (std::vector<std::string>{"ais.a", "ais.b"}));
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_FALSE(c.http.enabled);
  EXPECT_EQ(c.sample.speed, 2.5);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.kafka.consumer, (std::map<std::string, std::string>{{"sasl.password", "hunter2"},
                                                                  {"sasl.username", "u"}}));
  EXPECT_EQ(c.kafka.producer, (std::map<std::string, std::string>{{"linger.ms", "5"}}));
  ASSERT_EQ(c.sources.size(), 2u);
  EXPECT_EQ(c.sources[0].name, "coastal");
  EXPECT_EQ(c.sources[0].host, "rx.example.net");  // from the file
  EXPECT_EQ(c.sources[0].port, 6000);              // from the environment
  // A variable for a source the file does not have creates it (names may hold '_').
  EXPECT_EQ(c.sources[1].name, "rx_2");
  EXPECT_EQ(c.sources[1].type, SourceConfig::Type::tcp);
  EXPECT_EQ(c.sources[1].host, "rx2.example.net");
  EXPECT_EQ(c.sources[1].port, 5631);
  EXPECT_EQ(c.sources[1].reconnect_max_ms, 9000);

  // An empty list variable empties the list.
  const auto empty = load_config_text("", "a.yaml", {{"AISWATCH_KAFKA_INPUT_TOPICS", ""}});
  ASSERT_TRUE(empty.ok()) << joined(empty.errors);
  EXPECT_TRUE(empty.config.kafka.input_topics.empty());
}

TEST(Config, EnvironmentErrorsNameTheVariable) {
  const auto errors = errors_of("", {{"AISWATCH_KAFKA_BROKER", "x"},
                                     {"AISWATCH_HTTP_PORT", "99999"},
                                     {"AISWATCH_LOG_FORMAT", "xml"},
                                     {"AISWATCH_KAFKA_BROKERS", ""},
                                     {"AISWATCH_SOURCES_NEW_PORT", "5"},
                                     {"AISWATCH_SOURCES_X-Y_PORT", "5"},
                                     {"AISWATCH_KAFKA_CONSUMER_GROUP_ID", "g"},
                                     {"AISWATCH_KAFKA_INPUT_TOPICS", "a,b c"},
                                     {"AISWATCH_COMPLETELY_UNKNOWN", "1"}});
  EXPECT_ERROR(errors,
               "environment AISWATCH_KAFKA_BROKER: unknown variable (did you mean "
               "AISWATCH_KAFKA_BROKERS?)");
  EXPECT_ERROR(errors, "environment AISWATCH_COMPLETELY_UNKNOWN: unknown variable");
  EXPECT_ERROR(errors,
               "environment AISWATCH_HTTP_PORT: http.port: 99999 is out of range [0, 65535]");
  EXPECT_ERROR(errors,
               "environment AISWATCH_LOG_FORMAT: log.format: 'xml' is not one of text, json");
  EXPECT_ERROR(errors, "environment AISWATCH_KAFKA_BROKERS: kafka.brokers: must not be empty");
  EXPECT_ERROR(errors,
               "environment AISWATCH_SOURCES_NEW_PORT: sources.new: a tcp source needs host");
  EXPECT_ERROR(errors,
               "environment AISWATCH_SOURCES_X-Y_PORT: sources.x-y: a source name must be "
               "[a-z0-9_]+");
  EXPECT_ERROR(errors,
               "environment AISWATCH_KAFKA_CONSUMER_GROUP_ID: kafka.consumer.group.id: set by "
               "kafka.group_id; set that instead");
  EXPECT_ERROR(errors,
               "environment AISWATCH_KAFKA_INPUT_TOPICS: kafka.input_topics: 'b c' is not a Kafka "
               "topic name (letters, digits, '.', '_', '-'; 1 to 249)");
  EXPECT_EQ(errors.size(), 9u) << joined(errors);
}

TEST(Config, ProcessEnvironmentHoldsOnlyOurVariables) {
  ::setenv("AISWATCH_CONFIG_TEST_PROBE", "a=b", 1);
  const auto environment = process_environment();
  ::unsetenv("AISWATCH_CONFIG_TEST_PROBE");
  EXPECT_EQ(environment.at("AISWATCH_CONFIG_TEST_PROBE"), "a=b");
  for (const auto& [name, value] : environment) EXPECT_EQ(name.rfind("AISWATCH_", 0), 0u) << name;
}

TEST(Config, EchoMasksSecrets) {
  Config config;
  config.kafka.consumer = {{"sasl.password", "hunter2"},
                           {"sasl.username", "aiswatch"},
                           {"ssl.key.password", "k-pass"},
                           {"ssl.key.pem", "-----BEGIN PRIVATE KEY-----"},
                           {"ssl.key.location", "/etc/aiswatch/client.key"},
                           {"security.protocol", "SASL_SSL"}};
  config.kafka.producer = {{"sasl.oauthbearer.client.secret", "s3cr3t"}, {"acks", "all"}};
  const std::string echo = echo_config(config);
  for (const char* secret : {"hunter2", "k-pass", "PRIVATE KEY", "s3cr3t"}) {
    EXPECT_EQ(echo.find(secret), std::string::npos) << secret << " in\n" << echo;
  }
  EXPECT_NE(echo.find("    sasl.password: \"***\"\n"), std::string::npos) << echo;
  EXPECT_NE(echo.find("    ssl.key.password: \"***\"\n"), std::string::npos) << echo;
  EXPECT_NE(echo.find("    ssl.key.pem: \"***\"\n"), std::string::npos) << echo;
  EXPECT_NE(echo.find("    sasl.oauthbearer.client.secret: \"***\"\n"), std::string::npos) << echo;
  // Not secrets: shown as they are.
  EXPECT_NE(echo.find("    sasl.username: aiswatch\n"), std::string::npos) << echo;
  EXPECT_NE(echo.find("    ssl.key.location: /etc/aiswatch/client.key\n"), std::string::npos)
      << echo;
  EXPECT_NE(echo.find("    acks: all\n"), std::string::npos) << echo;
  // The echo is YAML the loader takes back.
  EXPECT_TRUE(load_config_text(echo, "echo.yaml", {}).ok());
}

TEST(Config, EchoOfTheDefaults) {
  EXPECT_EQ(
      echo_config(Config{}),
      R"(# aiswatchd: the effective configuration (environment > file > defaults); secrets masked
rules:
  dir: rules
kafka:
  brokers: embedded
  input_topics: [aiswatch.nmea]
  group_id: aiswatch
  alerts_topic: aiswatch.alerts
  alerts_topic_per_type: false
  json_topic: ""
  positions_topic: ""
  consumer: {}
  producer: {}
  embedded_partitions: 4
sources: {}
sample:
  feed: auto
  speed: 600
  minutes: 720
exit_when_done: auto
http:
  enabled: true
  address: 0.0.0.0
  port: 9464
log:
  level: info
  format: text
output:
  stdout_format: lines
  alerts_file: ""
checkpoint:
  path: auto
  interval_s: 30
  max_bytes: 4294967296
core:
  queue_bytes: 67108864
  idle_tick_ms: 1000
  shutdown_timeout_s: 10
)");
}

TEST(Config, TheKeysAreTheIssuesKeys) {
  std::vector<std::string> paths;
  for (const auto& key : config_keys()) paths.push_back(key.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "rules.dir",
                       "kafka.brokers",
                       "kafka.input_topics",
                       "kafka.group_id",
                       "kafka.alerts_topic",
                       "kafka.alerts_topic_per_type",
                       "kafka.json_topic",
                       "kafka.positions_topic",
                       "kafka.consumer.*",
                       "kafka.producer.*",
                       "kafka.embedded_partitions",
                       "sources.NAME.type",
                       "sources.NAME.host",
                       "sources.NAME.port",
                       "sources.NAME.reconnect_min_ms",
                       "sources.NAME.reconnect_max_ms",
                       "sources.NAME.idle_timeout_s",
                       "sources.NAME.path",
                       "sources.NAME.speed",
                       "sources.NAME.loop",
                       "sample.feed",
                       "sample.speed",
                       "sample.minutes",
                       "exit_when_done",
                       "http.enabled",
                       "http.address",
                       "http.port",
                       "log.level",
                       "log.format",
                       "output.stdout_format",
                       "output.alerts_file",
                       "checkpoint.path",
                       "checkpoint.interval_s",
                       "checkpoint.max_bytes",
                       "core.queue_bytes",
                       "core.idle_tick_ms",
                       "core.shutdown_timeout_s",
                   }));
}

TEST(Config, EveryIntegerRangeFitsItsField) {
  // Each integer key set to its maximum through its variable comes back unchanged: the ranges
  // in the table never exceed what the struct's field holds.
  for (const auto& key : config_keys()) {
    if (key.type != "integer") continue;
    const std::string max = key.allowed.substr(key.allowed.find(" to ") + 4);
    Environment environment;
    std::string field = key.path.substr(key.path.rfind('.') + 1);
    std::string variable = key.environment;
    if (key.path.rfind("sources.NAME.", 0) == 0) {
      variable.replace(variable.find("<NAME>"), 6, "T");
      environment = {{"AISWATCH_SOURCES_T_HOST", "h"}, {"AISWATCH_SOURCES_T_PORT", "1"}};
      if (field == "reconnect_min_ms") environment["AISWATCH_SOURCES_T_RECONNECT_MAX_MS"] = max;
    }
    environment[variable] = max;
    const auto result = load_config_text("", "a.yaml", environment);
    ASSERT_TRUE(result.ok()) << key.path << "\n" << joined(result.errors);
    EXPECT_NE(echo_config(result.config).find(" " + field + ": " + max + "\n"), std::string::npos)
        << key.path << " = " << max << "\n"
        << echo_config(result.config);
  }
}

// The reference page in the repository is the code's, word for word.
TEST(Config, DocsConfigurationMdIsTheReference) {
  const fs::path doc = fs::path(AISWATCH_SOURCE_DIR) / "docs" / "configuration.md";
  ASSERT_TRUE(fs::exists(doc)) << doc;
  EXPECT_EQ(read_text(doc), config_reference_markdown())
      << "docs/configuration.md is out of date: "
         "build/<preset>/daemon/app/aiswatchd config reference > docs/configuration.md";
}

TEST(Config, TheDocsKeyTableAndTheCodesTableHaveTheSameKeys) {
  const fs::path doc = fs::path(AISWATCH_SOURCE_DIR) / "docs" / "configuration.md";
  std::set<std::string> documented;
  std::istringstream lines(read_text(doc));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    documented.insert(line.substr(3, line.find('`', 3) - 3));
  }
  std::set<std::string> in_code;
  for (const auto& key : config_keys()) in_code.insert(key.path);
  EXPECT_EQ(documented, in_code);
  // And each row gives the key's variable.
  const std::string text = read_text(doc);
  for (const auto& key : config_keys()) {
    EXPECT_NE(text.find("| `" + key.environment + "` |"), std::string::npos) << key.environment;
  }
}

TEST(Config, TheReferencesExampleIsValid) {
  const std::string reference = config_reference_markdown();
  const std::size_t start = reference.find("```yaml\n");
  ASSERT_NE(start, std::string::npos);
  const std::size_t end = reference.find("```\n", start + 8);
  ASSERT_NE(end, std::string::npos);
  const std::string example = reference.substr(start + 8, end - start - 8);
  const auto result = load_config_text(example, "example.yaml",
                                       {{"AISWATCH_KAFKA_CONSUMER_SASL_PASSWORD", "p"},
                                        {"AISWATCH_KAFKA_PRODUCER_SASL_PASSWORD", "p"}});
  ASSERT_TRUE(result.ok()) << joined(result.errors);
  EXPECT_EQ(result.config.kafka.consumer.at("sasl.mechanism"), "SCRAM-SHA-512");
  EXPECT_EQ(result.config.kafka.consumer.at("sasl.password"), "p");
  ASSERT_EQ(result.config.sources.size(), 1u);
  EXPECT_EQ(result.config.sources[0].type, SourceConfig::Type::tcp);
}

}  // namespace
}  // namespace aiswatch::app
