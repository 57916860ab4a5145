#include "app/decode_command.h"

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "ais/decoder.h"
#include "ais/json.h"
#include "io/line_reader.h"
#include "nmea/framer.h"

namespace aiswatch::app {
namespace {

namespace po = boost::program_options;

struct Totals {
  uint64_t files = 0;
  uint64_t unreadable_files = 0;
  uint64_t lines = 0;
  uint64_t overlong_lines = 0;
  nmea::FramerStats framing;
  ais::DecodeStats decoding;
};

// Buffered standard output: JSON lines are appended to one string and written in large blocks.
class Output {
 public:
  explicit Output(std::FILE* file) : file_(file) { buffer_.reserve(flush_at + 4096); }
  ~Output() { flush(); }
  std::string& buffer() { return buffer_; }
  void maybe_flush() {
    if (buffer_.size() >= flush_at) flush();
  }
  void flush() {
    if (!buffer_.empty()) std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
    buffer_.clear();
  }

 private:
  static constexpr std::size_t flush_at = 1 << 18;
  std::FILE* file_;
  std::string buffer_;
};

// Counts are printed with fprintf rather than built with std::string operator+, which trips a
// false -Wrestrict in GCC 12 at -O3 (GCC bug 105329).
void print_count(std::FILE* err, std::string_view name, uint64_t value) {
  std::fprintf(err, " %.*s=%llu", static_cast<int>(name.size()), name.data(),
               static_cast<unsigned long long>(value));
}

void print_summary(const Totals& totals, std::FILE* err) {
  const auto as_ull = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::fprintf(err, "aiswatchd decode: %llu input(s), %llu lines, %llu messages decoded\n",
               as_ull(totals.files), as_ull(totals.lines), as_ull(totals.decoding.decoded()));
  std::fputs("  messages by type:", err);
  for (std::size_t type = 1; type < totals.decoding.by_type.size(); ++type) {
    if (totals.decoding.by_type[type] != 0) {
      std::fprintf(err, " %zu=%llu", type, as_ull(totals.decoding.by_type[type]));
    }
  }
  std::fprintf(err, "\n  lines rejected: %llu", as_ull(totals.framing.rejected_total()));
  for (std::size_t i = 0; i < nmea::reject_reason_count; ++i) {
    print_count(err, nmea::to_string(static_cast<nmea::RejectReason>(i)), totals.framing.rejected[i]);
  }
  std::fprintf(err, "\n  messages undecodable: %llu", as_ull(totals.decoding.failed()));
  for (std::size_t i = 1; i < ais::decode_status_count; ++i) {
    print_count(err, ais::to_string(static_cast<ais::DecodeStatus>(i)), totals.decoding.by_status[i]);
  }
  std::fputs("\n  other lines:", err);
  print_count(err, "blank", totals.framing.blank_lines);
  print_count(err, "timing", totals.framing.timing_sentences);
  if (totals.overlong_lines > 0) print_count(err, "overlong", totals.overlong_lines);
  std::fputc('\n', err);
  if (totals.unreadable_files > 0) {
    std::fprintf(err, "  unreadable inputs: %llu\n", as_ull(totals.unreadable_files));
  }
}

void print_usage(std::FILE* out, const po::options_description& options) {
  std::ostringstream text;
  text << "usage: aiswatchd decode [OPTIONS] [FILE...]\n"
          "Decode raw AIS NMEA (files, .gz files, or standard input when no FILE or '-') into\n"
          "one gpsd-style JSON object per message on standard output. Counts by message type\n"
          "and by reject reason go to standard error at the end.\n\n"
       << options;
  std::fputs(text.str().c_str(), out);
}

}  // namespace

int run_decode(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  po::options_description options("options");
  options.add_options()("help,h", "show this help")(
      "rejects", "report every rejected line or undecodable message on standard error, "
                 "as FILE:LINE: reason: text")("quiet,q", "no summary at the end")(
      "accept-unset-tag-checksum",
      "treat a tag block checksum of *00 as 'not set' (some loggers write it) instead of "
      "rejecting the line as bad_tag_block");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "input");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(err, "aiswatchd decode: %s (see aiswatchd decode --help)\n", e.what());
    return 2;
  }
  if (vm.count("help") != 0) {
    print_usage(out, options);
    return 0;
  }
  std::vector<std::string> files = vm.count("file") != 0
                                       ? vm["file"].as<std::vector<std::string>>()
                                       : std::vector<std::string>{"-"};
  const bool report_rejects = vm.count("rejects") != 0;
  nmea::FramerConfig framer_config;
  framer_config.accept_unset_tag_block_checksum = vm.count("accept-unset-tag-checksum") != 0;

  Totals totals;
  Output output(out);
  ais::Message message;
  for (const auto& path : files) {
    const std::string name = path == "-" ? "<stdin>" : path;
    ++totals.files;
    io::InputFile input(path);
    if (!input.is_open()) {
      std::fprintf(err, "aiswatchd decode: cannot read %s: %s\n", name.c_str(), input.error().c_str());
      ++totals.unreadable_files;
      continue;
    }
    // One framer per input: fragments of one message never span two files.
    nmea::Framer framer(framer_config);
    auto report = [&](std::size_t line_number, std::string_view reason, std::string_view line) {
      if (!report_rejects) return;
      output.flush();
      const auto shown = line.substr(0, 160);
      std::fprintf(err, "%s:%zu: %.*s: %.*s\n", name.c_str(), line_number,
                   static_cast<int>(reason.size()), reason.data(), static_cast<int>(shown.size()),
                   shown.data());
    };
    const io::ReadResult read = input.read_lines([&](std::string_view line, std::size_t number,
                                                     bool /*overlong*/) {
      nmea::Payload payload;
      nmea::RejectReason reason{};
      const auto outcome = framer.push(line, payload, name, std::nullopt, &reason);
      if (outcome == nmea::LineOutcome::rejected) {
        report(number, nmea::to_string(reason), line);
        return;
      }
      if (outcome != nmea::LineOutcome::payload) return;
      const auto status = ais::decode(payload.armored, payload.fill_bits, message);
      totals.decoding.count(status, message);
      if (status != ais::DecodeStatus::ok) {
        report(number, ais::to_string(status), line);
        return;
      }
      ais::append_json(output.buffer(), message, payload);
      output.buffer() += '\n';
      output.maybe_flush();
    });
    framer.flush();
    totals.framing += framer.stats();
    totals.lines += read.lines;
    totals.overlong_lines += read.overlong_lines;
    if (!read.ok) {
      output.flush();
      std::fprintf(err, "aiswatchd decode: error reading %s after line %zu: %s\n", name.c_str(),
                   read.lines, read.error.c_str());
      ++totals.unreadable_files;
    }
  }
  output.flush();
  const bool write_failed = std::fflush(out) != 0 || std::ferror(out) != 0;
  if (vm.count("quiet") == 0) print_summary(totals, err);
  if (write_failed) {
    std::fprintf(err, "aiswatchd decode: error writing the output: %s\n", std::strerror(errno));
    return 1;
  }
  return totals.unreadable_files > 0 ? 1 : 0;
}

}  // namespace aiswatch::app
