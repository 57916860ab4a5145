// libFuzzer target: raw text in, through nmea::Framer and ais::decode, as a live feed would be.
//
// The input is split into lines and pushed through two framers with small limits, so fragment
// reassembly, eviction (table full) and expiry (by lines, by event time) all run on short inputs:
//   pass 1: no arrival time (age counted in lines), four pending messages;
//   pass 2: an arrival time that steps 250 ms a line (age in event time), two pending messages,
//           a short maximum line length, tag-block checksums `*00` accepted.
// After every line the framer's counts must add up (each line counted once, see framer.h).
// Every payload is decoded and written as JSON; every decoded message is re-encoded and decoded
// again, and the two decoded messages must agree field by field (walked with the same field tables
// the decoder uses). Framer state must stay within its configured bound after every line and be
// empty after flush(). A violation aborts with context, which libFuzzer reports as a crash.
//
// Seeds are in corpus/frame_decode/ (short hand-written inputs, and what fuzzing found from them);
// frame_decode.dict holds the tokens of the format.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ais/decoder.h"
#include "ais/encoder.h"
#include "ais/json.h"
#include "ais/message.h"
#include "nmea/framer.h"

namespace {

using namespace aiswatch;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_frame_decode: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Flattens a message into text, one "name=value;" per field, by walking its field table. Two
// messages are equal for the round trip when their flattenings are equal.
class Flatten {
 public:
  explicit Flatten(std::string& out) : out_(out) {}

  template <class F, class T>
  void u(const F& f, T& value) {
    put(f.name, std::to_string(static_cast<uint64_t>(value)));
  }
  template <class F, class T>
  void i(const F& f, T& value) {
    put(f.name, std::to_string(static_cast<int64_t>(value)));
  }
  template <class F>
  void b(const F& f, bool& value) {
    put(f.name, value ? "1" : "0");
  }
  template <class F, class T>
  void opt(const F& f, std::optional<T>& value) {
    put(f.name, value ? std::to_string(static_cast<uint64_t>(*value)) : "-");
  }
  template <class F>
  void scaled(const F& f, std::optional<double>& value) {
    char buf[64];
    if (value) std::snprintf(buf, sizeof buf, "%.17g", *value);
    put(f.name, value ? std::string_view(buf) : std::string_view("-"));
  }
  template <class F, class T>
  void turn(const F& f, std::optional<T>& value) {
    put(f.name, value ? std::to_string(static_cast<int>(*value)) : "-");
  }
  template <class F, class T>
  void text(const F& f, T& value) {
    put(f.name, value.view());
  }
  template <class F, class T>
  void text_extension(const F& f, T& value) {
    put(f.name, value.view());
  }
  template <class F, class T>
  void data(const F& f, T& value) {
    std::string bits = std::to_string(value.bits) + ":";
    for (std::size_t k = 0; k < (value.bits + 7u) / 8u && k < value.bytes.size(); ++k) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(value.bytes[k]));
      bits += hex;
    }
    put(f.name, bits);
  }
  template <class F>
  void spare(const F&) {}

 private:
  void put(std::string_view name, std::string_view value) {
    out_.append(name);
    out_.push_back('=');
    out_.append(value);
    out_.push_back(';');
  }
  std::string& out_;
};

std::string flatten(const ais::Message& message) {
  std::string out;
  std::visit(
      [&out](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        auto copy = m;  // the tables take non-const references
        Flatten v(out);
        ais::Header::fields(v, copy.header);
        M::fields(v, copy);
      },
      message);
  return out;
}

// A strict JSON syntax check (RFC 8259), enough to catch bad escaping of six-bit text ('"' and
// '\\' are six-bit characters), stray control characters, NaN/inf or a dangling comma.
class JsonCheck {
 public:
  explicit JsonCheck(std::string_view text) : s_(text) {}
  bool object_line() {
    if (s_.find('\n') != std::string_view::npos) return false;
    return peek() == '{' && value(0) && pos_ == s_.size();
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool string() {
    if (!eat('"')) return false;
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      const char e = peek();
      ++pos_;
      if (e == 'u') {
        for (int k = 0; k < 4; ++k, ++pos_) {
          const char h = peek();
          if (!digit(h) && !(h >= 'a' && h <= 'f') && !(h >= 'A' && h <= 'F')) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos || e == 0) {
        return false;
      }
    }
    return false;
  }
  bool number() {
    eat('-');
    if (eat('0')) {
    } else if (digit(peek())) {
      while (digit(peek())) ++pos_;
    } else {
      return false;
    }
    if (eat('.')) {
      if (!digit(peek())) return false;
      while (digit(peek())) ++pos_;
    }
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digit(peek())) return false;
      while (digit(peek())) ++pos_;
    }
    return true;
  }
  bool value(int depth) {
    if (depth > 8) return false;
    switch (peek()) {
      case '{': {
        ++pos_;
        if (eat('}')) return true;
        do {
          if (!string() || !eat(':') || !value(depth + 1)) return false;
        } while (eat(','));
        return eat('}');
      }
      case '[': {
        ++pos_;
        if (eat(']')) return true;
        do {
          if (!value(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      }
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

// The writer's contract: one valid JSON object on one line (JSON lines).
void check_json(std::string_view json, std::string_view armored) {
  if (!JsonCheck(json).object_line()) {
    fail("JSON output is not one valid object on one line",
         std::string(armored) + " -> " + std::string(json));
  }
}

// Re-encode a decoded message and decode it again: the result must carry the same fields.
// OtherMessage keeps only its header, so re-encoding it cannot reproduce the original.
void check_round_trip(const ais::Message& decoded, std::string_view armored) {
  if (std::holds_alternative<ais::OtherMessage>(decoded)) return;
  const ais::EncodedPayload encoded = ais::encode(decoded);
  ais::Message again;
  const ais::DecodeStatus status = ais::decode(encoded.armored, encoded.fill_bits, again);
  if (status != ais::DecodeStatus::ok) {
    fail("re-encoded message does not decode", std::string(armored) + " -> " + encoded.armored +
                                                   " status " +
                                                   std::string(ais::to_string(status)));
  }
  const std::string before = flatten(decoded);
  const std::string after = flatten(again);
  if (before != after) {
    fail("round trip changed the message", std::string(armored) + " -> " + encoded.armored +
                                               "\n  before: " + before + "\n  after:  " + after);
  }
}

// Every line is counted exactly once: as blank, timing, a sentence of a payload, rejected, or
// still pending in an incomplete message (framer.h, pending_sentences()).
void check_accounting(const nmea::Framer& framer, std::string_view line) {
  const nmea::FramerStats& s = framer.stats();
  if (s.lines != s.blank_lines + s.timing_sentences + s.sentences + s.rejected_total() +
                     framer.pending_sentences()) {
    fail("line accounting does not add up", line);
  }
}

void run(std::string_view input, const nmea::FramerConfig& config, bool with_arrival) {
  nmea::Framer framer(config);
  nmea::Payload payload;
  ais::Message message;
  ais::DecodeStats decode_stats;
  std::string json;
  int64_t arrival_ms = 1'600'000'000'000;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    start = end + 1;

    nmea::RejectReason reason{};
    const std::optional<int64_t> arrival =
        with_arrival ? std::optional<int64_t>(arrival_ms) : std::nullopt;
    arrival_ms += 250;
    const nmea::LineOutcome outcome = framer.push(line, payload, "fuzz", arrival, &reason);
    if (framer.pending_messages() > config.max_pending_messages) {
      fail("framer holds more incomplete messages than configured", line);
    }
    check_accounting(framer, line);
    if (outcome == nmea::LineOutcome::rejected &&
        static_cast<std::size_t>(reason) >= nmea::reject_reason_count) {
      fail("reject reason out of range", line);
    }
    if (outcome != nmea::LineOutcome::payload) continue;

    const ais::DecodeStatus status = ais::decode(payload.armored, payload.fill_bits, message);
    decode_stats.count(status, message);
    if (status != ais::DecodeStatus::ok) continue;
    json.clear();
    ais::append_json(json, message, payload);
    check_json(json, payload.armored);
    check_round_trip(message, payload.armored);
  }
  framer.expire(arrival_ms + 1'000'000);
  framer.flush();
  if (framer.pending_messages() != 0 || framer.pending_sentences() != 0) {
    fail("framer not empty after flush()", "");
  }
  check_accounting(framer, "<end of input>");
  const nmea::FramerStats& stats = framer.stats();
  if (stats.payloads > stats.sentences) fail("more payloads than sentences", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  nmea::FramerConfig by_lines;
  by_lines.max_pending_messages = 4;
  by_lines.max_fragment_age_lines = 16;
  run(input, by_lines, /*with_arrival=*/false);

  nmea::FramerConfig by_time;
  by_time.max_pending_messages = 2;
  by_time.max_fragment_age_ms = 2'000;
  by_time.max_line_length = 256;
  by_time.accept_unset_tag_block_checksum = true;
  run(input, by_time, /*with_arrival=*/true);
  return 0;
}
