#include "app/run_command.h"

#include <librdkafka/rdkafka.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "app/checkpoint.h"
#include "app/commit_tracker.h"
#include "app/config.h"
#include "app/core_loop.h"
#include "app/publishers.h"
#include "app/sample_feed.h"
#include "detect/engine.h"
#include "detect/registry.h"
#include "io/batch_queue.h"
#include "io/clock.h"
#include "io/file_source.h"
#include "io/http/http_server.h"
#include "io/kafka/consumer_source.h"
#include "io/kafka/embedded_cluster.h"
#include "io/kafka/producer.h"
#include "io/log.h"
#include "io/net/tcp_source.h"
#include "io/net/udp_source.h"
#include "ruleset/ruleset.h"

namespace aiswatch::app {
namespace {

namespace asio = boost::asio;
namespace log = io::log;
using std::chrono::milliseconds;

// The alert producer as the publishers see it. A full local queue (the brokers are slow or
// away) is back-pressure: the produce is retried, which holds the core, which holds the sources,
// for as long as `keep_trying` says — until shutdown, when a broker that is still away must not
// hold the daemon forever (what is then refused is counted and logged).
class KafkaRecordProducer : public RecordProducer {
 public:
  KafkaRecordProducer(io::kafka::KafkaProducer& producer, std::function<bool()> keep_trying)
      : producer_(producer), keep_trying_(std::move(keep_trying)) {}
  bool produce(const std::string& topic, std::string_view key, std::string_view value,
               const Headers& headers) override {
    for (;;) {
      const io::kafka::KafkaError error = producer_.produce(topic, key, value, headers);
      if (!error) return true;
      if (error.code() == RD_KAFKA_RESP_ERR__QUEUE_FULL && keep_trying_()) {
        log::warn_limited("kafka", "producer queue full; holding input until the brokers take it",
                          {{"topic", topic}});
        continue;
      }
      log::warn_limited("kafka", "produce refused",
                        {{"topic", topic}, {"error", error.to_string()}});
      return false;
    }
  }

 private:
  io::kafka::KafkaProducer& producer_;
  std::function<bool()> keep_trying_;
};

// The sample feeder's producer runs on the feeder's thread and serves its own reports.
class PollingRecordProducer : public KafkaRecordProducer {
 public:
  PollingRecordProducer(io::kafka::KafkaProducer& producer, std::function<bool()> keep_trying)
      : KafkaRecordProducer(producer, std::move(keep_trying)), producer_(producer) {}
  bool produce(const std::string& topic, std::string_view key, std::string_view value,
               const Headers& headers) override {
    const bool ok = KafkaRecordProducer::produce(topic, key, value, headers);
    producer_.poll(milliseconds(0));
    return ok;
  }

 private:
  io::kafka::KafkaProducer& producer_;
};

// Rules loaded on SIGHUP (on the io thread), waiting for the core to take them.
class RulesMailbox {
 public:
  void put(std::shared_ptr<const ruleset::Ruleset> rules) {
    std::lock_guard lock(mutex_);
    rules_ = std::move(rules);
  }
  std::shared_ptr<const ruleset::Ruleset> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(rules_, nullptr);
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<const ruleset::Ruleset> rules_;
};

void print_load_errors(const ruleset::LoadResult& loaded, std::FILE* err) {
  for (const auto& error : loaded.errors) std::fprintf(err, "%s\n", error.to_string().c_str());
}

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// Checkpoint metrics, registered only when checkpoints are on.
struct CheckpointMetrics {
  explicit CheckpointMetrics(prometheus::Registry& registry)
      : results(prometheus::BuildCounter()
                    .Name("aiswatch_checkpoints_total")
                    .Help("State checkpoints by result (written, failed, too_large)")
                    .Register(registry)),
        written(results.Add({{"result", "written"}})),
        failed(results.Add({{"result", "failed"}})),
        too_large(results.Add({{"result", "too_large"}})),
        restores(prometheus::BuildCounter()
                     .Name("aiswatch_checkpoint_restores_total")
                     .Help("State restored at start, by result (restored, missing, invalid)")
                     .Register(registry)),
        gauges(prometheus::BuildGauge()
                   .Name("aiswatch_checkpoint")
                   .Help("The latest checkpoint: bytes, take_seconds (the core thread's pause), "
                         "sequence, written_timestamp_seconds")
                   .Register(registry)),
        bytes(gauges.Add({{"value", "bytes"}})),
        take_seconds(gauges.Add({{"value", "take_seconds"}})),
        sequence(gauges.Add({{"value", "sequence"}})),
        written_at(gauges.Add({{"value", "written_timestamp_seconds"}})) {}

  prometheus::Family<prometheus::Counter>& results;
  prometheus::Counter& written;
  prometheus::Counter& failed;
  prometheus::Counter& too_large;
  prometheus::Family<prometheus::Counter>& restores;
  prometheus::Family<prometheus::Gauge>& gauges;
  prometheus::Gauge& bytes;
  prometheus::Gauge& take_seconds;
  prometheus::Gauge& sequence;
  prometheus::Gauge& written_at;
};

bool sample_feed_on(const Config& config) {
  const std::string& feed = config.sample.feed;
  if (feed == "none") return false;
  if (feed == "auto") return config.kafka.brokers == "embedded";
  return true;
}

}  // namespace

int run_run(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  namespace po = boost::program_options;
  po::options_description options("aiswatchd run options");
  options.add_options()("help,h", "show this help")(
      "config", po::value<std::string>()->value_name("FILE"),
      "YAML configuration (docs/configuration.md); without it, the built-in main job: embedded "
      "Kafka, the bundled sample feed, alerts printed as they are published");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(err, "aiswatchd run: %s\n", e.what());
    return 2;
  }
  if (vm.count("help") != 0) {
    std::ostringstream text;
    text << "usage: aiswatchd run [--config FILE]\n\n" << options;
    std::fputs(text.str().c_str(), out);
    return 0;
  }

  // Configuration and rules: every problem named before anything starts.
  const std::string config_path = vm.count("config") != 0 ? vm["config"].as<std::string>() : "";
  ConfigResult loaded_config = load_config(config_path, process_environment());
  if (!loaded_config.ok()) {
    for (const auto& error : loaded_config.errors) std::fprintf(err, "%s\n", error.c_str());
    std::fprintf(err, "aiswatchd run: %zu configuration error(s); not started\n",
                 loaded_config.errors.size());
    return 1;
  }
  const Config config = std::move(loaded_config.config);
  log::Level level = log::Level::info;
  log::Format format = log::Format::text;
  log::parse_level(config.log.level, level);
  log::parse_format(config.log.format, format);
  log::configure(level, format, err);

  ruleset::LoadResult loaded_rules = ruleset::load_ruleset(config.rules.dir);
  if (!loaded_rules.ok()) {
    print_load_errors(loaded_rules, err);
    std::fprintf(err, "aiswatchd run: %s: %zu rules error(s); not started\n",
                 config.rules.dir.c_str(), loaded_rules.errors.size());
    return 1;
  }
  std::shared_ptr<const ruleset::Ruleset> rules = loaded_rules.ruleset;
  std::fprintf(err, "aiswatchd run: configuration%s%s\n%s",
               config_path.empty() ? " (built-in defaults)" : " from ", config_path.c_str(),
               echo_config(config).c_str());
  std::fflush(err);

  auto registry = std::make_shared<prometheus::Registry>();
  auto& reload_family = prometheus::BuildCounter()
                            .Name("aiswatch_rules_reloads_total")
                            .Help("Rules reloads on SIGHUP, by result (ok, invalid)")
                            .Register(*registry);
  prometheus::Counter& reloads_ok = reload_family.Add({{"result", "ok"}});
  prometheus::Counter& reloads_invalid = reload_family.Add({{"result", "invalid"}});

  // Kafka: the embedded cluster first (everything else connects to it), destroyed last.
  std::unique_ptr<io::kafka::EmbeddedCluster> embedded;
  std::string brokers = config.kafka.brokers;
  io::kafka::Properties consumer_properties(config.kafka.consumer.begin(),
                                            config.kafka.consumer.end());
  io::kafka::Properties producer_properties(config.kafka.producer.begin(),
                                            config.kafka.producer.end());
  std::atomic<bool> fatal{false};
  std::unique_ptr<io::kafka::KafkaProducer> producer;
  try {
    if (brokers == "embedded") {
      embedded = std::make_unique<io::kafka::EmbeddedCluster>(1);
      brokers = embedded->bootstrap_servers();
      for (const std::string& topic : config.kafka.input_topics) {
        if (const auto error = embedded->create_topic(topic, config.kafka.embedded_partitions)) {
          log::warn("kafka", "embedded topic not created; it is auto-created with 4 partitions",
                    {{"topic", topic}, {"error", error.to_string()}});
        }
      }
      // The mock cluster holds an empty fetch for the whole fetch.wait.max.ms: at librdkafka's
      // 500 ms default every caught-up fetch would add half a second of latency.
      consumer_properties.try_emplace("fetch.wait.max.ms", "10");
      log::info(
          "kafka", "embedded Kafka cluster started",
          {{"bootstrap", brokers},
           {"read_alerts_with", "kcat -b " + brokers + " -C -t " + config.kafka.alerts_topic}});
    }
    producer = std::make_unique<io::kafka::KafkaProducer>(
        brokers, producer_properties, *registry, [&](const io::kafka::KafkaError& error) {
          log::error("kafka", "fatal producer error", {{"error", error.to_string()}});
          fatal = true;
        });
  } catch (const std::exception& e) {
    std::fprintf(err, "aiswatchd run: kafka: %s\n", e.what());
    return 1;
  }

  std::FILE* alerts_file = nullptr;
  if (!config.output.alerts_file.empty()) {
    alerts_file = std::fopen(config.output.alerts_file.c_str(), "a");
    if (alerts_file == nullptr) {
      std::fprintf(err, "aiswatchd run: output.alerts_file: cannot open %s: %s\n",
                   config.output.alerts_file.c_str(), std::strerror(errno));
      return 1;
    }
  }
  // Set once intake stops (a signal, a fatal error): from then on a full queue is not waited out.
  std::atomic<bool> intake_stopped{false};
  KafkaRecordProducer record_producer(*producer, [&] { return !intake_stopped && !fatal; });
  AlertPublisherConfig publisher_config;
  publisher_config.alerts_topic = config.kafka.alerts_topic;
  publisher_config.alerts_topic_per_type = config.kafka.alerts_topic_per_type;
  publisher_config.json_topic = config.kafka.json_topic;
  publisher_config.stdout_format = config.output.stdout_format;
  publisher_config.stdout_file = out;
  publisher_config.alerts_file = alerts_file;
  AlertPublisher publisher(record_producer, publisher_config);

  auto make_engine = [&] {
    std::vector<std::unique_ptr<detect::Detector>> detectors = detect::make_detectors(*rules);
    if (!config.kafka.positions_topic.empty()) {
      detectors.push_back(
          std::make_unique<PositionPublisher>(record_producer, config.kafka.positions_topic));
    }
    return std::make_unique<detect::Engine>(rules, std::move(detectors), publisher);
  };
  std::unique_ptr<detect::Engine> engine_owner = make_engine();

  // State checkpoints: restore the newest before any input is read.
  const std::string checkpoint_path = checkpoint_file(config, std::getenv("STATE_DIRECTORY"));
  std::unique_ptr<CheckpointMetrics> checkpoint_metrics;
  std::unique_ptr<CheckpointWriter> checkpoint_writer;
  std::unique_ptr<CheckpointSchedule> checkpoints;
  std::vector<io::KafkaPosition> resume_positions;
  if (!checkpoint_path.empty()) {
    std::string directory = std::filesystem::path(checkpoint_path).parent_path().string();
    if (directory.empty()) directory = ".";
    if (::access(directory.c_str(), W_OK | X_OK) != 0) {
      std::fprintf(err, "aiswatchd run: checkpoint.path: cannot write in %s: %s\n",
                   directory.c_str(), std::strerror(errno));
      return 1;
    }
    checkpoint_metrics = std::make_unique<CheckpointMetrics>(*registry);
    uint64_t next_sequence = 1;
    // The cluster's id tells a checkpoint of this cluster from one of another (a test cluster,
    // a rebuilt one): their offsets would mean nothing here.
    std::string cluster_id;
    if (char* id = rd_kafka_clusterid(producer->raw(), 5000)) {
      cluster_id = id;
      rd_kafka_mem_free(producer->raw(), id);
    } else {
      log::warn("checkpoint",
                "the brokers did not give their cluster id within 5 s; a "
                "checkpoint is matched by consumer group only",
                {{"brokers", brokers}});
    }
    CheckpointFile file = read_checkpoint_file(checkpoint_path, config.checkpoint.max_bytes);
    std::string problem = file.problem;
    if (file.status == CheckpointFile::Status::loaded) {
      problem = foreign_checkpoint(file.decoded.meta, config.kafka.group_id, cluster_id);
      if (!problem.empty()) {
        file.status = CheckpointFile::Status::invalid;
      } else if (restore_engine(*engine_owner, file.bytes, file.decoded, problem)) {
        const CheckpointMeta& meta = file.decoded.meta;
        resume_positions = meta.positions;
        next_sequence = meta.sequence + 1;
        checkpoint_metrics->restores.Add({{"result", "restored"}}).Increment();
        log::info("checkpoint", "state restored; resuming from its positions",
                  {{"path", checkpoint_path},
                   {"sequence", std::to_string(meta.sequence)},
                   {"age_s", std::to_string((io::wall_clock_ms() - meta.written_ms) / 1000)},
                   {"vessels", std::to_string(engine_owner->tracker().size())},
                   {"open_alerts", std::to_string(engine_owner->alerts().open_count())},
                   {"partitions", std::to_string(meta.positions.size())}});
      } else {
        file.status = CheckpointFile::Status::invalid;
        engine_owner = make_engine();  // a partly restored engine is not to be trusted
      }
    }
    if (file.status == CheckpointFile::Status::missing) {
      checkpoint_metrics->restores.Add({{"result", "missing"}}).Increment();
      log::info("checkpoint", "no checkpoint yet; starting clean from the committed offsets",
                {{"path", checkpoint_path}});
    } else if (file.status == CheckpointFile::Status::invalid) {
      checkpoint_metrics->restores.Add({{"result", "invalid"}}).Increment();
      // Kept aside for a post-mortem; the next checkpoint takes its place.
      const std::string aside = checkpoint_path + ".invalid";
      const bool kept = std::rename(checkpoint_path.c_str(), aside.c_str()) == 0;
      log::error("checkpoint", "checkpoint unusable; starting clean from the committed offsets",
                 {{"path", checkpoint_path},
                  {"problem", problem},
                  {"kept_as", kept ? aside : std::string("(not kept)")}});
    }
    CheckpointMetrics& metrics = *checkpoint_metrics;
    checkpoint_writer = std::make_unique<CheckpointWriter>(
        checkpoint_path,
        [&metrics](uint64_t sequence, std::size_t bytes, const std::string& error) {
          if (!error.empty()) {
            metrics.failed.Increment();
            log::write_limited(log::Level::error, "checkpoint", "checkpoint not written",
                               {{"problem", error}});
            return;
          }
          metrics.written.Increment();
          metrics.bytes.Set(static_cast<double>(bytes));
          metrics.sequence.Set(static_cast<double>(sequence));
          metrics.written_at.Set(static_cast<double>(io::wall_clock_ms()) / 1000.0);
        });
    checkpoints = std::make_unique<CheckpointSchedule>(
        *checkpoint_writer, std::chrono::seconds(config.checkpoint.interval_s),
        config.checkpoint.max_bytes, next_sequence);
    checkpoints->set_identity(config.kafka.group_id, cluster_id);
    checkpoints->restored(resume_positions);
    log::info(
        "checkpoint", "checkpoints on",
        {{"path", checkpoint_path}, {"interval_s", std::to_string(config.checkpoint.interval_s)}});
  }
  detect::Engine& engine = *engine_owner;
  io::BatchQueue queue(config.core.queue_bytes);

  // The I/O side.
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::vector<std::unique_ptr<io::Source>> sources;
  io::kafka::KafkaSource* kafka_source = nullptr;
  std::vector<io::Source*> finite_sources;
  try {
    if (!config.kafka.input_topics.empty()) {
      auto source = std::make_unique<io::kafka::KafkaSource>(
          io, queue, "kafka", brokers, config.kafka.group_id, config.kafka.input_topics,
          consumer_properties, *registry);
      source->set_on_fatal([&](const io::kafka::KafkaError& error) {
        log::error("kafka", "fatal consumer error", {{"error", error.to_string()}});
        fatal = true;
      });
      source->set_resume_positions(resume_positions);
      kafka_source = source.get();
      sources.push_back(std::move(source));
    }
  } catch (const std::exception& e) {
    std::fprintf(err, "aiswatchd run: kafka: %s\n", e.what());
    return 1;
  }
  for (const SourceConfig& s : config.sources) {
    switch (s.type) {
      case SourceConfig::Type::tcp: {
        io::TcpSourceConfig c;
        c.name = s.name;
        c.host = s.host;
        c.port = s.port;
        c.reconnect_min = milliseconds(s.reconnect_min_ms);
        c.reconnect_max = milliseconds(s.reconnect_max_ms);
        c.idle_timeout = std::chrono::seconds(s.idle_timeout_s);
        sources.push_back(std::make_unique<io::TcpSource>(io, std::move(c), queue, *registry));
        break;
      }
      case SourceConfig::Type::udp: {
        io::UdpSourceConfig c;
        c.name = s.name;
        if (!s.host.empty()) c.address = s.host;
        c.port = s.port;
        sources.push_back(std::make_unique<io::UdpSource>(io, std::move(c), queue, *registry));
        break;
      }
      case SourceConfig::Type::file: {
        io::FileSourceConfig c;
        c.name = s.name;
        c.path = s.path;
        c.speed = s.speed;
        c.loop = s.loop;
        sources.push_back(std::make_unique<io::FileSource>(std::move(c), queue, *registry));
        if (!s.loop) finite_sources.push_back(sources.back().get());
        break;
      }
    }
  }

  // The sample feed has a producer of its own: it runs on the feeder's thread.
  std::unique_ptr<io::kafka::KafkaProducer> sample_producer;
  std::unique_ptr<PollingRecordProducer> sample_records;
  std::unique_ptr<SampleFeeder> feeder;
  std::atomic<uint64_t> kafka_lines_processed{0};
  if (sample_feed_on(config) && !config.kafka.input_topics.empty()) {
    sample_producer =
        std::make_unique<io::kafka::KafkaProducer>(brokers, producer_properties, *registry);
    sample_records = std::make_unique<PollingRecordProducer>(
        *sample_producer, [&] { return !intake_stopped && !fatal; });
    SampleFeedConfig sample;
    sample.minutes = config.sample.minutes;
    sample.speed = config.sample.speed;
    sample.start_time_s = io::wall_clock_ms() / 60'000 * 60;
    feeder =
        std::make_unique<SampleFeeder>(*sample_records, config.kafka.input_topics.front(), sample,
                                       rules, [&] { return kafka_lines_processed.load(); });
  }
  // Ends by itself when every input is finite and done: the sample feed and files, and no live
  // source besides the sample feed's Kafka input.
  const bool live_sources = std::any_of(config.sources.begin(), config.sources.end(),
                                        [](const SourceConfig& s) {
                                          return s.type != SourceConfig::Type::file || s.loop;
                                        }) ||
                            (kafka_source != nullptr && feeder == nullptr);
  const bool exit_when_done =
      config.exit_when_done == "auto" && !live_sources && (feeder || !finite_sources.empty());

  // Broker reachability for /readyz: a metadata request every few seconds on a thread of its own
  // (it blocks up to its timeout).
  std::atomic<bool> broker_reachable{false};
  std::atomic<bool> stopping{false};
  std::mutex probe_mutex;
  std::condition_variable probe_wake;
  std::thread broker_probe([&] {
    std::unique_lock lock(probe_mutex);
    while (!stopping) {
      lock.unlock();
      const rd_kafka_metadata_t* metadata = nullptr;
      const rd_kafka_resp_err_t result =
          rd_kafka_metadata(producer->raw(), 0, nullptr, &metadata, 2000);
      if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
      broker_reachable = result == RD_KAFKA_RESP_ERR_NO_ERROR;
      lock.lock();
      probe_wake.wait_for(lock, std::chrono::seconds(5), [&] { return stopping.load(); });
    }
  });

  std::unique_ptr<io::HttpServer> http;
  if (config.http.enabled) {
    io::HttpServerConfig c;
    c.address = config.http.address;
    c.port = config.http.port;
    http = std::make_unique<io::HttpServer>(io, c, *registry, [&] {
      io::Readiness readiness;
      for (const auto& source : sources) {
        if (!source->ready() && !source->finished()) {
          readiness.problems.push_back("source " + source->name() + " not connected");
        }
      }
      if (!broker_reachable) readiness.problems.push_back("Kafka brokers not reachable");
      if (fatal) readiness.problems.push_back("fatal Kafka error; shutting down");
      readiness.ready = readiness.problems.empty();
      return readiness;
    });
    boost::system::error_code error = http->start();
    if (error) {
      std::fprintf(err, "aiswatchd run: http: cannot listen on %s:%u: %s\n",
                   config.http.address.c_str(), static_cast<unsigned>(config.http.port),
                   error.message().c_str());
      stopping = true;
      probe_wake.notify_all();
      broker_probe.join();
      return 1;
    }
    log::info("http", "serving /metrics, /healthz, /readyz",
              {{"address", config.http.address}, {"port", std::to_string(http->port())}});
  }

  // Stopping intake: on the io thread, sources stop; then the queue closes so the core drains
  // what is queued and returns.
  auto stop_intake = [&] {
    if (intake_stopped.exchange(true)) return;
    for (const auto& source : sources) source->stop();
    queue.close();
  };
  RulesMailbox mailbox;
  asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_stop_signal =
      [&](const boost::system::error_code& error, int signal_number) {
        if (error) return;
        const char* name = signal_number == SIGINT ? "SIGINT" : "SIGTERM";
        if (intake_stopped) {
          // A second signal while draining: the operator does not want to wait.
          log::warn("daemon", "second signal while draining; exiting now", {{"signal", name}});
          std::_Exit(1);
        }
        log::info("daemon", "signal received; draining", {{"signal", name}});
        stop_intake();
        stop_signals.async_wait(on_stop_signal);
      };
  stop_signals.async_wait(on_stop_signal);
  asio::signal_set reload_signal(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_reload = [&](const boost::system::
                                                                                 error_code& error,
                                                                             int) {
    if (error) return;
    ruleset::LoadResult reloaded = ruleset::load_ruleset(config.rules.dir);
    if (reloaded.ok()) {
      mailbox.put(reloaded.ruleset);
      reloads_ok.Increment();
      log::info("rules", "rules reloaded", {{"dir", config.rules.dir}});
    } else {
      reloads_invalid.Increment();
      for (const auto& e : reloaded.errors) {
        log::error("rules", "invalid rules; keeping the ones in use", {{"problem", e.to_string()}});
      }
    }
    reload_signal.async_wait(on_reload);
  };
  reload_signal.async_wait(on_reload);

  for (const auto& source : sources) source->start();
  std::thread io_thread([&] { io.run(); });
  if (feeder) {
    feeder->start();
    log::info("sample", "sample feed started",
              {{"topic", config.kafka.input_topics.front()},
               {"simulated_minutes", std::to_string(config.sample.minutes)},
               {"speed", number_text(config.sample.speed)}});
  }

  // The core.
  CommitTracker commits;
  const std::string kafka_name = kafka_source != nullptr ? kafka_source->name() : std::string();
  CoreHooks hooks;
  // With checkpoints, offsets are committed up to the newest checkpoint on disk (written once its
  // alerts are acknowledged); without, up to the newest batch whose alerts are acknowledged.
  auto take_checkpoint = [&] {
    const CheckpointSchedule::Taken taken = checkpoints->take(
        engine, producer->last_sequence(), io::wall_clock_ms(), std::chrono::steady_clock::now());
    checkpoint_metrics->take_seconds.Set(taken.seconds);
    if (taken.sequence == 0) {
      checkpoint_metrics->too_large.Increment();
      log::write_limited(log::Level::error, "checkpoint",
                         "state over checkpoint.max_bytes; checkpoint not written",
                         {{"bytes", std::to_string(taken.bytes)}});
    }
  };
  auto committable = [&] {
    return checkpoints ? checkpoints->committable()
                       : commits.committable(producer->acked_through());
  };
  hooks.after_batch = [&](const io::LineBatch& batch) {
    if (batch.positions().empty()) return;
    if (checkpoints) {
      checkpoints->processed(batch.positions());
    } else {
      commits.processed(batch.positions(), producer->last_sequence());
    }
    if (batch.source() == kafka_name) kafka_lines_processed += batch.size();
  };
  hooks.service = [&] {
    producer->poll(milliseconds(0));
    if (checkpoints) {
      if (checkpoints->due(std::chrono::steady_clock::now()) &&
          !checkpoints->unchanged(engine.stats().lines, engine.watermark())) {
        take_checkpoint();
      }
      checkpoints->release(producer->acked_through());
    }
    if (kafka_source != nullptr) {
      std::vector<io::KafkaPosition> ready = committable();
      if (!ready.empty()) kafka_source->commit(ready);
    }
    if (auto reloaded = mailbox.take()) engine.replace_rules(std::move(reloaded));
    if (fatal) asio::post(io, stop_intake);
  };
  hooks.done = [&] {
    if (!exit_when_done) return false;
    if (feeder && !(feeder->finished() && kafka_lines_processed >= feeder->lines_sent())) {
      return false;
    }
    for (const io::Source* source : finite_sources) {
      if (!source->finished()) return false;
    }
    return queue.depth_batches() == 0;
  };
  CoreLoopConfig core_config;
  core_config.idle_tick = milliseconds(config.core.idle_tick_ms);
  CoreLoop core(engine, queue, *registry, hooks, core_config, io::wall_clock_ms);
  core.run();

  const bool finished_input = !intake_stopped.load();
  if (finished_input) {
    // The finite input is over: close what is open, as replay does.
    engine.finish();
    log::info("daemon", "all input processed; closing open alerts and stopping");
  }
  asio::post(io, stop_intake);
  if (feeder) feeder->stop();
  // Drain: the producer delivers what the core produced, then the last offsets are committed.
  const auto flush_timeout = std::chrono::seconds(config.core.shutdown_timeout_s);
  if (const io::kafka::KafkaError error = producer->flush(flush_timeout)) {
    log::error(
        "kafka", "alerts not all delivered at shutdown",
        {{"error", error.to_string()}, {"outstanding", std::to_string(producer->outstanding())}});
  }
  if (checkpoints) {
    // The state as it stands after the drain: a restart resumes exactly here — if its alerts are
    // delivered; if not, a restart resumes from the last checkpoint that is, and publishes again.
    take_checkpoint();
    checkpoints->release(producer->acked_through());
    if (checkpoints->holding()) {
      log::error("checkpoint", "final checkpoint not written: alerts not all delivered",
                 {{"outstanding", std::to_string(producer->outstanding())}});
    }
    checkpoint_writer->drain();
  }
  if (kafka_source != nullptr) {
    std::vector<io::KafkaPosition> ready = committable();
    if (!ready.empty()) kafka_source->commit(ready);
  }
  if (sample_producer) sample_producer->flush(flush_timeout);

  // Sources (the consumer leaves its group here) and the HTTP server stop on the io thread; then
  // the loop runs out of work and the thread ends.
  std::promise<void> stopped;
  asio::post(io, [&] {
    if (http) http->stop();
    stop_signals.cancel();
    reload_signal.cancel();
    sources.clear();
    work.reset();
    stopped.set_value();
  });
  stopped.get_future().wait();
  io_thread.join();
  stopping = true;
  probe_wake.notify_all();
  broker_probe.join();
  if (alerts_file != nullptr) std::fclose(alerts_file);

  const detect::EngineStats stats = engine.stats();
  log::info("daemon", "stopped",
            {{"lines", std::to_string(stats.lines)},
             {"messages", std::to_string(stats.messages)},
             {"rejected", std::to_string(stats.rejected())},
             {"alert_events", std::to_string(stats.alerts.total)},
             {"published", std::to_string(publisher.published())},
             {"delivered", std::to_string(producer->delivered())},
             {"failed", std::to_string(producer->failed())}});
  return fatal ? 1 : 0;
}

}  // namespace aiswatch::app
