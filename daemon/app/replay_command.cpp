#include "app/replay_command.h"

#include <array>
#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>

#include "ais/decoder.h"
#include "alert/json_lines.h"
#include "detect/engine.h"
#include "detect/registry.h"
#include "io/line_reader.h"
#include "nmea/framer.h"
#include "ruleset/ruleset.h"

namespace aiswatch::app {
namespace {

namespace po = boost::program_options;

constexpr const char* command_name = "aiswatchd replay";

// JSON lines (alert/json_lines.h's format) buffered onto a C stream.
class FileSink : public alert::AlertSink {
 public:
  explicit FileSink(std::FILE* file) : file_(file) { buffer_.reserve(flush_at + 4096); }
  ~FileSink() override { flush(); }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  void on_alert(const aiswatch::v1::Alert& alert) override {
    const auto line = alert::to_json_line(alert);
    if (!line) {
      ++failed_;
      return;
    }
    buffer_ += *line;
    if (buffer_.size() >= flush_at) flush();
  }
  void flush() {
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      write_failed_ = true;
    }
    buffer_.clear();
  }
  // Flushes; true when everything reached the stream.
  bool finish() {
    flush();
    if (std::fflush(file_) != 0 || std::ferror(file_) != 0) write_failed_ = true;
    return !write_failed_;
  }
  uint64_t failed() const { return failed_; }

 private:
  static constexpr std::size_t flush_at = 1 << 16;
  std::FILE* file_;
  std::string buffer_;
  uint64_t failed_ = 0;
  bool write_failed_ = false;
};

// Names printed with fprintf, not built with std::string operator+ (GCC 12 false -Wrestrict at
// -O3, bug 105329; see decode_command.cpp).
void print_count(std::FILE* err, std::string_view name, uint64_t value) {
  std::fprintf(err, " %.*s=%llu", static_cast<int>(name.size()), name.data(),
               static_cast<unsigned long long>(value));
}

std::string_view short_type_name(int type) {
  std::string_view name = aiswatch::v1::AlertType_Name(static_cast<aiswatch::v1::AlertType>(type));
  constexpr std::string_view prefix = "ALERT_TYPE_";
  if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
  return name;
}

// The summary; its lines start with fixed words so scripts and tests can find them:
//   aiswatchd replay: ...        inputs, lines, messages, untimed, vessels, alert events
//   alerts: TYPE open=N update=N closed=N ...   (only types that occurred)
//   rejected: N framing reasons..., decoding reasons...
//   tracker: outcome counts, late
//   rate: N messages/s over S s (wall clock)
void print_summary(std::FILE* err, std::size_t inputs, const detect::EngineStats& s,
                   double seconds) {
  const auto as_ull = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::fprintf(err,
               "%s: %zu input(s), %llu lines, %llu messages (%llu untimed), %llu vessels, "
               "%llu alert events\n",
               command_name, inputs, as_ull(s.lines), as_ull(s.messages), as_ull(s.untimed),
               as_ull(s.vessels), as_ull(s.alerts.total));
  std::fputs("  alerts:", err);
  if (s.alerts.total == 0) std::fputs(" none", err);
  for (std::size_t t = 0; t < detect::AlertCounts::types; ++t) {
    const auto type = static_cast<aiswatch::v1::AlertType>(t);
    if (s.alerts.of(type) == 0) continue;
    const auto name = short_type_name(static_cast<int>(t));
    std::fprintf(err, " %.*s", static_cast<int>(name.size()), name.data());
    print_count(err, "open", s.alerts.of(type, aiswatch::v1::ALERT_STATE_OPEN));
    print_count(err, "update", s.alerts.of(type, aiswatch::v1::ALERT_STATE_UPDATE));
    print_count(err, "closed", s.alerts.of(type, aiswatch::v1::ALERT_STATE_CLOSED));
    std::fputc(';', err);
  }
  std::fprintf(err, "\n  rejected: %llu", as_ull(s.rejected()));
  for (std::size_t i = 0; i < nmea::reject_reason_count; ++i) {
    print_count(err, nmea::to_string(static_cast<nmea::RejectReason>(i)), s.framing.rejected[i]);
  }
  for (std::size_t i = 1; i < ais::decode_status_count; ++i) {
    print_count(err, ais::to_string(static_cast<ais::DecodeStatus>(i)), s.decoding.by_status[i]);
  }
  std::fputs("\n  tracker:", err);
  for (std::size_t i = 0; i < track::update_outcome_count; ++i) {
    print_count(err, track::to_string(static_cast<track::UpdateOutcome>(i)),
                s.tracking.by_outcome[i]);
  }
  print_count(err, "late", s.tracking.late);
  print_count(err, "evicted", s.tracking.evicted);
  const double rate = seconds > 0 ? static_cast<double>(s.messages) / seconds : 0.0;
  std::fprintf(err, "\n  rate: %.0f messages/s over %.3f s (wall clock)\n", rate, seconds);
  if (s.untimed > 0) {
    std::fprintf(err,
                 "%s: %llu message(s) had no tag-block time and were not detected on: replay "
                 "needs NMEA 4.0 tag blocks with c: receive times\n",
                 command_name, as_ull(s.untimed));
  }
}

void print_usage(std::FILE* out, const po::options_description& options) {
  std::ostringstream text;
  text << "usage: aiswatchd replay --rules DIR --input FILE [--input FILE...] --alerts OUT.jsonl\n"
          "Run every detector over recorded NMEA (files or .gz files, with NMEA 4.0 tag-block\n"
          "times) in event time, inputs in the order given, and write one JSON object per alert\n"
          "event to OUT.jsonl ('-' for standard output). A summary goes to standard error.\n\n"
       << options;
  std::fputs(text.str().c_str(), out);
}

}  // namespace

int run_replay(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  po::options_description options("options");
  options.add_options()("help,h", "show this help")(
      "rules", po::value<std::string>()->value_name("DIR"), "rules directory (required)")(
      "input", po::value<std::vector<std::string>>()->value_name("FILE"),
      "recorded NMEA, repeatable, replayed in this order (required)")(
      "alerts", po::value<std::string>()->value_name("OUT"),
      "alert events as JSON lines; '-' for standard output (required)")("quiet,q",
                                                                        "no summary at the end");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(err, "%s: %s (see aiswatchd replay --help)\n", command_name, e.what());
    return 2;
  }
  if (vm.count("help") != 0) {
    print_usage(out, options);
    return 0;
  }
  for (const char* required : {"rules", "input", "alerts"}) {
    if (vm.count(required) == 0) {
      std::fprintf(err, "%s: --%s is required (see aiswatchd replay --help)\n", command_name,
                   required);
      return 2;
    }
  }
  const auto rules_dir = vm["rules"].as<std::string>();
  const auto inputs = vm["input"].as<std::vector<std::string>>();
  const auto alerts_path = vm["alerts"].as<std::string>();

  // Rules first: bad rules never start the detectors.
  const ruleset::LoadResult loaded = ruleset::load_ruleset(rules_dir);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) std::fprintf(err, "%s\n", error.to_string().c_str());
    std::fprintf(err, "%s: %s: %zu error(s); nothing replayed\n", command_name, rules_dir.c_str(),
                 loaded.errors.size());
    return 1;
  }

  // Every input opened before any is read (see the header).
  std::vector<std::unique_ptr<io::InputFile>> files;
  bool unreadable = false;
  for (const auto& path : inputs) {
    files.push_back(std::make_unique<io::InputFile>(path));
    if (!files.back()->is_open()) {
      std::fprintf(err, "%s: cannot read %s: %s\n", command_name, path.c_str(),
                   files.back()->error().c_str());
      unreadable = true;
    }
  }
  if (unreadable) {
    std::fprintf(err, "%s: nothing replayed\n", command_name);
    return 1;
  }

  std::FILE* alerts_file = out;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  if (alerts_path != "-") {
    owned.reset(std::fopen(alerts_path.c_str(), "wb"));
    if (!owned) {
      std::fprintf(err, "%s: cannot write %s: %s\n", command_name, alerts_path.c_str(),
                   std::strerror(errno));
      return 1;
    }
    alerts_file = owned.get();
  }

  FileSink sink(alerts_file);
  const auto started = std::chrono::steady_clock::now();
  detect::Engine engine(loaded.ruleset, detect::make_detectors(*loaded.ruleset), sink);
  bool read_failed = false;
  // Lines reach the engine two behind the reader, so that their vessels' memory is prefetched
  // (Engine::prefetch) while the lines before them are processed.
  std::array<std::string, 3> ahead;
  std::array<std::optional<uint32_t>, 3> ahead_mmsi;  // each line's vessel, peeked once
  std::size_t ahead_first = 0, ahead_count = 0;
  for (std::size_t i = 0; i < files.size() && !read_failed; ++i) {
    const std::string& name = inputs[i];
    const io::ReadResult read = files[i]->read_lines([&](std::string_view line, std::size_t, bool) {
      const std::size_t slot = (ahead_first + ahead_count) % ahead.size();
      ahead[slot].assign(line);
      ahead_mmsi[slot] = detect::Engine::peek_mmsi(line);
      if (ahead_mmsi[slot]) engine.prefetch(*ahead_mmsi[slot], 1);
      if (++ahead_count < ahead.size()) return;
      engine.push_line(ahead[ahead_first], name);
      ahead_first = (ahead_first + 1) % ahead.size();
      --ahead_count;
      if (ahead_mmsi[ahead_first]) engine.prefetch(*ahead_mmsi[ahead_first], 2);
    });
    for (; ahead_count > 0; --ahead_count, ahead_first = (ahead_first + 1) % ahead.size())
      engine.push_line(ahead[ahead_first], name);
    if (!read.ok) {
      std::fprintf(err, "%s: error reading %s after line %zu: %s; replay stopped there\n",
                   command_name, name.c_str(), read.lines, read.error.c_str());
      read_failed = true;
    }
  }
  engine.finish();
  const bool written = sink.finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (vm.count("quiet") == 0) print_summary(err, inputs.size(), engine.stats(), seconds);
  if (sink.failed() > 0) {
    std::fprintf(err, "%s: %llu alert event(s) could not be written as JSON\n", command_name,
                 static_cast<unsigned long long>(sink.failed()));
  }
  if (!written) {
    std::fprintf(err, "%s: error writing %s\n", command_name,
                 alerts_path == "-" ? "<stdout>" : alerts_path.c_str());
    return 1;
  }
  return read_failed || sink.failed() > 0 ? 1 : 0;
}

}  // namespace aiswatch::app
