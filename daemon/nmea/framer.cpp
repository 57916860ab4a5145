// NMEA framing: one pass over each line, no allocation on the single-sentence path.
//
// A line is, left to right (every part but the sentence optional):
//
//   1452468552.938 \s:rEV02,c:1334337317*58\!AIVDM,1,1,,B,19NW...,0*5F,1328133720087
//   └ leading time ┘└───── tag block ──────┘└──────── sentence ──────┘└ trailing time ┘
//
// The sentence checksum is checked before its fields are believed, so a corrupted line is
// bad_checksum and a line that is intact but not shaped like AIS is malformed. Real feeds make
// the distinction matter: amsa-risky/ais.txt.gz holds 1,496 `!=IVDM`/`!=IVDO` lines whose
// checksum is *correct* — the talker was already corrupted when the checksum was computed — so
// the talker is checked separately (two letters) and they are malformed.
#include "nmea/framer.h"

#include <cstring>

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

namespace aiswatch::nmea {

std::string_view to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::bad_checksum: return "bad_checksum";
    case RejectReason::malformed: return "malformed";
    case RejectReason::orphan_fragment: return "orphan_fragment";
    case RejectReason::stale_fragment: return "stale_fragment";
    case RejectReason::unsupported_sentence: return "unsupported_sentence";
    case RejectReason::bad_tag_block: return "bad_tag_block";
    case RejectReason::count_: break;
  }
  return "unknown";
}

uint64_t FramerStats::rejected_total() const {
  uint64_t total = 0;
  for (uint64_t n : rejected) total += n;
  return total;
}

FramerStats& FramerStats::operator+=(const FramerStats& other) {
  lines += other.lines;
  blank_lines += other.blank_lines;
  timing_sentences += other.timing_sentences;
  sentences += other.sentences;
  payloads += other.payloads;
  for (std::size_t i = 0; i < rejected.size(); ++i) rejected[i] += other.rejected[i];
  return *this;
}

uint8_t nmea_checksum(std::string_view body) {
  // Eight bytes at a time, folded at the end: XOR does not care about byte order.
  uint64_t wide = 0;
  std::size_t i = 0;
  for (; i + 8 <= body.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, body.data() + i, sizeof word);
    wide ^= word;
  }
  wide ^= wide >> 32;
  wide ^= wide >> 16;
  wide ^= wide >> 8;
  auto sum = static_cast<uint8_t>(wide);
  for (; i < body.size(); ++i) sum = static_cast<uint8_t>(sum ^ static_cast<uint8_t>(body[i]));
  return sum;
}

namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Two hex digits at `s[0..1]` (either case), or -1.
int parse_hex_byte(std::string_view s) {
  if (s.size() < 2) return -1;
  const int hi = hex_value(s[0]);
  const int lo = hex_value(s[1]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

template <typename T>
bool parse_uint(std::string_view s, T& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

// A UNIX receive time as feeds write it: `1334337317` (seconds), `1452468552.938` (seconds with
// a fraction) or `1328133720087` (milliseconds). Values above 1e11 cannot be seconds (that is the
// year 5138) and are read as milliseconds, which covers every millisecond time after 1973-03-03.
std::optional<int64_t> parse_unix_time(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  // 16 digits of milliseconds reach the year 318857; anything longer is not a time.
  if (whole.size() > 16) return std::nullopt;
  int64_t value = 0;
  if (!parse_uint(whole, value)) return std::nullopt;
  int64_t fraction_ms = 0;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = s.substr(dot + 1);
    if (fraction.empty()) return std::nullopt;
    int64_t scale = 100;
    for (char c : fraction) {
      if (!is_digit(c)) return std::nullopt;
      fraction_ms += (c - '0') * scale;  // truncate below a millisecond
      scale /= 10;
    }
  }
  constexpr int64_t ms_threshold = 100'000'000'000;  // 1e11
  if (value > ms_threshold) return value;
  return value * 1000 + fraction_ms;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2010, 6, 11) == 14771);

// Splits a comma-separated field list without allocating.
class FieldCursor {
 public:
  explicit FieldCursor(std::string_view s) : rest_(s) {}
  bool next(std::string_view& field) {
    if (done_) return false;
    const std::size_t comma = rest_.find(',');
    if (comma == std::string_view::npos) {
      field = rest_;
      done_ = true;
    } else {
      field = rest_.substr(0, comma);
      rest_.remove_prefix(comma + 1);
    }
    return true;
  }
  bool done() const { return done_; }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// Splits `text` at commas into exactly N fields; false for more or fewer. The hot path's
// splitter: one pass, views returned in place (a cursor handing each field out through a
// reference cost a store-forwarding stall per field).
template <std::size_t N>
bool split_exact(std::string_view text, std::array<std::string_view, N>& fields) {
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    const std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) return false;
    fields[i] = text.substr(start, comma - start);
    start = comma + 1;
  }
  fields[N - 1] = text.substr(start);
  return fields[N - 1].find(',') == std::string_view::npos;
}

// What an NMEA 4.0 tag block told us. Views point into the line.
struct TagBlock {
  bool present = false;
  std::optional<int64_t> time_ms;  // c:
  std::string_view source;         // s:
  std::string_view group_id;       // g:<n>-<m>-<id>, the id
};

// Parses `c:1334337317,s:rEV02,g:1-2-3985` (the text between '\' and '*', checksum already
// verified). Parameters are one lowercase letter and a colon (NMEA 4.0 / IEC 61162-450):
// c: receive time, s: source, g: sentence group, d: destination, n: line count, r: relative
// time, t: text, i: information. Unknown letters are ignored: the checksum vouches for them and
// vendors add their own. Returns false when the block is not well formed.
bool parse_tag_params(std::string_view text, TagBlock& tag) {
  FieldCursor fields(text);
  std::string_view field;
  while (fields.next(field)) {
    if (field.size() < 2 || field[1] != ':' || field[0] < 'a' || field[0] > 'z') return false;
    const std::string_view value = field.substr(2);
    switch (field[0]) {
      case 'c': {
        tag.time_ms = parse_unix_time(value);
        if (!tag.time_ms) return false;
        break;
      }
      case 's':
        // IEC 61162-450 limits the source id to 15 characters; allow some slack.
        if (value.empty() || value.size() > 32) return false;
        tag.source = value;
        break;
      case 'g': {
        // `g:1-2-3985`: sentence 1 of a 2-sentence group with id 3985.
        const std::size_t d1 = value.find('-');
        const std::size_t d2 = d1 == std::string_view::npos ? d1 : value.find('-', d1 + 1);
        if (d2 == std::string_view::npos) return false;
        unsigned number = 0;
        unsigned count = 0;
        if (!parse_uint(value.substr(0, d1), number) ||
            !parse_uint(value.substr(d1 + 1, d2 - d1 - 1), count) || number == 0 ||
            count == 0 || number > count)
          return false;
        const std::string_view id = value.substr(d2 + 1);
        if (id.empty() || id.size() > 16) return false;
        tag.group_id = id;
        break;
      }
      default:
        break;  // d:, n:, r:, t:, i: and vendor parameters carry nothing framing needs
    }
  }
  return true;
}

}  // namespace

std::optional<int64_t> tag_block_time_ms(std::string_view line) {
  if (line.empty() || line.front() != '\\') return std::nullopt;
  const std::size_t close = line.find('\\', 1);
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view text = line.substr(1, close - 1);
  const std::size_t star = text.rfind('*');
  if (star != std::string_view::npos) text = text.substr(0, star);
  TagBlock tag;
  if (!parse_tag_params(text, tag)) return std::nullopt;
  return tag.time_ms;
}

// An incomplete multi-sentence message. The strings are reserved once and reused, so buffering
// a fragment does not allocate once the table has warmed up.
struct PendingMessage {
  // key
  std::string feed_source;
  std::string group_or_source;  // g: id when present, else s:, else empty
  bool keyed_by_group = false;
  char channel = 0;
  char sequence_id = 0;
  uint8_t count = 0;
  // state
  uint8_t next_number = 0;  // the fragment number expected next
  uint32_t lines = 0;       // fragments buffered (lines not yet counted)
  uint64_t serial = 0;      // creation order, to find the oldest
  uint64_t first_line = 0;  // line index of fragment 1, for the line-count age limit
  std::optional<int64_t> clock_ms;  // line time of fragment 1, for the time age limit
  uint8_t checksum_xor = 0;         // XOR of the fragments' checksums, for $PGHP matching
  // what the payload will carry (from fragment 1)
  std::string armored;
  std::string tag_source;
  std::array<char, 2> talker{};
  bool own_ship = false;
  std::optional<int64_t> event_time_ms;
  EventTimeSource time_source = EventTimeSource::none;
};

struct Framer::Impl {
  std::vector<PendingMessage> pool;    // max_pending_messages entries, allocated once
  std::vector<std::size_t> active;     // indices into pool, unordered
  std::vector<std::size_t> free_list;  // indices into pool
  uint64_t next_serial = 0;
  uint64_t line_index = 0;
  std::size_t pending_lines = 0;

  // The last $PGHP seen, waiting for the message it times.
  struct Gatehouse {
    bool pending = false;
    int64_t time_ms = 0;
    int checksum = -1;  // -1: matches any message (empty or `00`, as sent before own-ship VDOs)
  } gatehouse;

  // Output storage for a completed multi-sentence message (swapped with the pending entry's
  // buffers, so capacity circulates instead of being reallocated).
  std::string out_armored;
  std::string out_tag_source;

  // Removes active[position] from the table, counting its buffered lines under `reason`.
  void drop(std::size_t position, FramerStats& stats, RejectReason reason) {
    const std::size_t index = active[position];
    PendingMessage& entry = pool[index];
    stats[reason] += entry.lines;
    pending_lines -= entry.lines;
    entry.lines = 0;
    active[position] = active.back();
    active.pop_back();
    free_list.push_back(index);
  }
};

Framer::Framer(FramerConfig config) : config_(config), impl_(std::make_unique<Impl>()) {
  if (config_.max_pending_messages == 0) config_.max_pending_messages = 1;
  impl_->pool.resize(config_.max_pending_messages);
  impl_->active.reserve(config_.max_pending_messages);
  impl_->free_list.reserve(config_.max_pending_messages);
  for (std::size_t i = config_.max_pending_messages; i-- > 0;) {
    // Nine fragments of ~60 characters is the largest AIS message seen on air (5 slots = 168
    // six-bit characters); exactEarth sends longer single sentences, which do not come here.
    impl_->pool[i].armored.reserve(256);
    impl_->free_list.push_back(i);
  }
  impl_->out_armored.reserve(256);
}

Framer::~Framer() = default;

std::size_t Framer::pending_messages() const { return impl_->active.size(); }
std::size_t Framer::pending_sentences() const { return impl_->pending_lines; }

namespace {

// What one line said about time, before the message-level precedence is applied.
struct LineTimes {
  std::optional<int64_t> leading_ms;
  std::optional<int64_t> trailing_ms;
};

}  // namespace

void Framer::expire(std::optional<int64_t> now_ms) {
  Impl& impl = *impl_;
  for (std::size_t i = impl.active.size(); i-- > 0;) {
    const PendingMessage& entry = impl.pool[impl.active[i]];
    bool stale = false;
    if (now_ms && entry.clock_ms) {
      stale = *now_ms - *entry.clock_ms > config_.max_fragment_age_ms;
    } else {
      stale = impl.line_index - entry.first_line > config_.max_fragment_age_lines;
    }
    if (stale) impl.drop(i, stats_, RejectReason::stale_fragment);
  }
}

void Framer::flush() {
  Impl& impl = *impl_;
  while (!impl.active.empty())
    impl.drop(impl.active.size() - 1, stats_, RejectReason::stale_fragment);
}

LineOutcome Framer::push(std::string_view line, Payload& out, std::string_view feed_source,
                         std::optional<int64_t> arrival_ms, RejectReason* reason) {
  Impl& impl = *impl_;
  ++stats_.lines;
  ++impl.line_index;

  auto reject = [&](RejectReason why) {
    ++stats_[why];
    if (reason) *reason = why;
    return LineOutcome::rejected;
  };

  // Trim CR/LF and surrounding whitespace.
  while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
  while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  if (line.empty()) {
    ++stats_.blank_lines;
    return LineOutcome::blank;
  }
  if (line.size() > config_.max_line_length) return reject(RejectReason::malformed);

  LineTimes times;
  std::string_view rest = line;

  // Leading receive time, `1452468552.938 !AIVDM,...` (simpleais/sample.ais).
  if (is_digit(rest.front())) {
    const std::size_t space = rest.find_first_of(" \t");
    if (space == std::string_view::npos) return reject(RejectReason::malformed);
    times.leading_ms = parse_unix_time(rest.substr(0, space));
    if (!times.leading_ms) return reject(RejectReason::malformed);
    rest.remove_prefix(space);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    if (rest.empty()) return reject(RejectReason::malformed);
  }

  // NMEA 4.0 tag block, `\g:1-2-3985,s:rEV02,c:1334337317*2D\!AIVDM,...`. Its checksum covers
  // the characters between the backslash and the '*'.
  TagBlock tag;
  if (rest.front() == '\\') {
    const std::size_t close = rest.find('\\', 1);
    if (close == std::string_view::npos) return reject(RejectReason::bad_tag_block);
    const std::string_view inner = rest.substr(1, close - 1);
    const std::size_t star = inner.rfind('*');
    if (star == std::string_view::npos || star + 3 != inner.size())
      return reject(RejectReason::bad_tag_block);
    const int expected = parse_hex_byte(inner.substr(star + 1));
    if (expected < 0) return reject(RejectReason::bad_tag_block);
    const std::string_view text = inner.substr(0, star);
    const bool unset = expected == 0 && config_.accept_unset_tag_block_checksum;
    if (!unset && nmea_checksum(text) != expected) return reject(RejectReason::bad_tag_block);
    if (!parse_tag_params(text, tag)) return reject(RejectReason::bad_tag_block);
    tag.present = true;
    rest.remove_prefix(close + 1);
    // A tag block alone on a line times nothing we could attach it to.
    if (rest.empty()) return reject(RejectReason::malformed);
  }

  // The sentence: `!` (encapsulated, AIS) or `$` (parametric), body, `*hh`.
  const char start = rest.front();
  if (start != '!' && start != '$') return reject(RejectReason::malformed);
  const std::size_t star = rest.find('*');
  if (star == std::string_view::npos || star + 3 > rest.size())
    return reject(RejectReason::malformed);
  const int expected_checksum = parse_hex_byte(rest.substr(star + 1, 2));
  if (expected_checksum < 0) return reject(RejectReason::malformed);
  const std::string_view body = rest.substr(1, star - 1);
  if (nmea_checksum(body) != expected_checksum) return reject(RejectReason::bad_checksum);

  // After the checksum: nothing, or `,<unix time>` (amsa-risky: `...,0*22,1328133720087`) and
  // possibly other logger fields (`*2B,ComSock1`), which are not times and are ignored.
  std::string_view after = rest.substr(star + 3);
  if (!after.empty()) {
    if (after.front() != ',') return reject(RejectReason::malformed);
    after.remove_prefix(1);
    const std::size_t comma = after.find(',');
    times.trailing_ms = parse_unix_time(after.substr(0, comma));
  }

  // Address field: `AIVDM` = talker `AI` + sentence `VDM`; proprietary ones start with P.
  const std::size_t address_end = std::min(body.find(','), body.size());
  const std::string_view address = body.substr(0, address_end);
  // `--` is the conventional "no talker" (18 `!--VDM` lines in dma-aislib/stream_example.txt).
  const bool null_talker = address.size() == 5 && address[0] == '-' && address[1] == '-';
  for (std::size_t i = null_talker ? 2 : 0; i < address.size(); ++i)
    if (!is_upper(address[i]) && !is_digit(address[i])) return reject(RejectReason::malformed);
  if (address.size() < 2) return reject(RejectReason::malformed);

  const bool is_ais = start == '!' && address.size() == 5 && address[2] == 'V' &&
                      address[3] == 'D' && (address[4] == 'M' || address[4] == 'O');
  if (!is_ais) {
    if (start == '$' && address == "PGHP") {
      // Gatehouse wrapper, which times the sentence or group that follows:
      //   $PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B
      //         type,year,month,day,hour,minute,second,ms,country(MID),region,PSS MMSI,
      //         online data,checksum of what follows
      //   !AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B
      // The last field is the XOR of the checksums of the sentence(s) it belongs to (for a
      // 2-sentence group in dma-aislib/stream_example.txt: 0x65 ^ 0x17 = 72). `00` or empty is
      // sent before own-ship VDOs and means "any". The time is UTC from the receiving station.
      FieldCursor fields(body.substr(address_end));
      std::string_view field;
      fields.next(field);  // the empty field before the first comma
      std::array<std::string_view, 13> f{};
      std::size_t n = 0;
      while (fields.next(field)) {
        if (n == f.size()) return reject(RejectReason::malformed);
        f[n++] = field;
      }
      if (n != f.size()) return reject(RejectReason::malformed);
      if (f[0] != "1") return reject(RejectReason::unsupported_sentence);
      unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, ms = 0;
      if (!parse_uint(f[1], year) || !parse_uint(f[2], month) || !parse_uint(f[3], day) ||
          !parse_uint(f[4], hour) || !parse_uint(f[5], minute) || !parse_uint(f[6], second) ||
          !parse_uint(f[7], ms) || year < 1970 || year > 9999 || month < 1 || month > 12 ||
          day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || ms > 999)
        return reject(RejectReason::malformed);
      int checksum = -1;
      if (!f[12].empty()) {
        if (f[12].size() != 2) return reject(RejectReason::malformed);
        checksum = parse_hex_byte(f[12]);
        if (checksum < 0) return reject(RejectReason::malformed);
        if (checksum == 0) checksum = -1;
      }
      impl.gatehouse.pending = true;
      impl.gatehouse.checksum = checksum;
      impl.gatehouse.time_ms =
          ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60'000 +
          int64_t{second} * 1000 + ms;
      ++stats_.timing_sentences;
      return LineOutcome::timing;
    }
    // $GPGSA, $AIALR, $AIVSI, $PSHI, !AIPWR, ...: intact, but not for us.
    return reject(RejectReason::unsupported_sentence);
  }
  // A corrupted talker keeps a correct checksum when the corruption happened before the
  // checksum was computed (`!=IVDM` in amsa-risky/ais.txt.gz); never take it as AIS.
  if (!null_talker && (!is_upper(address[0]) || !is_upper(address[1])))
    return reject(RejectReason::malformed);

  // Fields: count, number, sequential id, channel, payload, fill bits — exactly six.
  //   !AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216`0`cF5BF0RT13H0T,0*70
  std::string_view fields_text = body.substr(address_end);
  if (fields_text.size() < 2) return reject(RejectReason::malformed);
  fields_text.remove_prefix(1);
  std::array<std::string_view, 6> f;
  if (!split_exact(fields_text, f)) return reject(RejectReason::malformed);
  if (f[0].size() != 1 || f[0][0] < '1' || f[0][0] > '9') return reject(RejectReason::malformed);
  const auto count = static_cast<uint8_t>(f[0][0] - '0');
  if (f[1].size() != 1 || f[1][0] < '1' || f[1][0] > f[0][0])
    return reject(RejectReason::malformed);
  const auto number = static_cast<uint8_t>(f[1][0] - '0');
  if (f[2].size() > 1 || (f[2].size() == 1 && !is_digit(f[2][0])))
    return reject(RejectReason::malformed);
  const char sequence_id = f[2].empty() ? char{0} : f[2][0];
  if (f[3].size() > 1) return reject(RejectReason::malformed);
  const char channel = f[3].empty() ? char{0} : f[3][0];
  if (channel != 0 && channel != 'A' && channel != 'B' && channel != '1' && channel != '2')
    return reject(RejectReason::malformed);
  const std::string_view armored = f[4];
  // An empty payload (`!AIVDM,1,1,,B,,0*25` in pyais/nmea_data_sample.txt) carries no message.
  if (armored.empty()) return reject(RejectReason::malformed);
  if (f[5].size() != 1 || f[5][0] < '0' || f[5][0] > '5') return reject(RejectReason::malformed);
  const auto fill_bits = static_cast<uint8_t>(f[5][0] - '0');

  // The line's own clock: c: > leading > trailing > arrival. $PGHP is applied per message
  // below (and is not used for ageing: in the exactEarth files it runs up to 1.5 h behind the
  // logger's trailing times, so mixing the two would make fresh fragments look stale).
  std::optional<int64_t> line_time;
  EventTimeSource line_source = EventTimeSource::none;
  if (tag.time_ms) {
    line_time = tag.time_ms;
    line_source = EventTimeSource::tag_block;
  } else if (times.leading_ms) {
    line_time = times.leading_ms;
    line_source = EventTimeSource::leading;
  } else if (times.trailing_ms) {
    line_time = times.trailing_ms;
    line_source = EventTimeSource::trailing;
  } else if (arrival_ms) {
    line_time = arrival_ms;
    line_source = EventTimeSource::arrival;
  }

  if (!impl.active.empty()) expire(line_time);

  // A $PGHP applies to the next complete message when its checksum field matches (or is "any").
  // It is consumed either way, so it never times a later, unrelated message.
  auto apply_gatehouse = [&](uint8_t checksum_xor) {
    if (!impl.gatehouse.pending) return;
    impl.gatehouse.pending = false;
    if (out.time_source == EventTimeSource::tag_block) return;  // c: wins
    if (impl.gatehouse.checksum >= 0 && impl.gatehouse.checksum != checksum_xor) return;
    out.event_time_ms = impl.gatehouse.time_ms;
    out.time_source = EventTimeSource::gatehouse;
  };

  if (count == 1) {
    out.armored = armored;
    out.fill_bits = fill_bits;
    out.channel = channel;
    out.talker = {address[0], address[1]};
    out.own_ship = address[4] == 'O';
    out.sentence_count = 1;
    out.event_time_ms = line_time;
    out.time_source = line_source;
    out.tag_source = tag.source;
    apply_gatehouse(static_cast<uint8_t>(expected_checksum));
    ++stats_.sentences;
    ++stats_.payloads;
    return LineOutcome::payload;
  }

  // Multi-sentence message: find its partial by key.
  const bool keyed_by_group = !tag.group_id.empty();
  const std::string_view group_or_source = keyed_by_group ? tag.group_id : tag.source;
  std::size_t position = impl.active.size();
  for (std::size_t i = 0; i < impl.active.size(); ++i) {
    const PendingMessage& entry = impl.pool[impl.active[i]];
    if (entry.channel == channel && entry.sequence_id == sequence_id && entry.count == count &&
        entry.keyed_by_group == keyed_by_group && entry.group_or_source == group_or_source &&
        entry.feed_source == feed_source) {
      position = i;
      break;
    }
  }
  // Some receivers put the tag block (s:, c:) on the first fragment only, with no g: group:
  // a later fragment without any tag joins the one partial message of its feed, channel and id
  // whatever that message's source. Two candidates would be a guess, so that stays an orphan.
  if (position == impl.active.size() && number > 1 && group_or_source.empty()) {
    std::size_t candidates = 0;
    for (std::size_t i = 0; i < impl.active.size(); ++i) {
      const PendingMessage& entry = impl.pool[impl.active[i]];
      if (entry.channel == channel && entry.sequence_id == sequence_id && entry.count == count &&
          !entry.keyed_by_group && entry.feed_source == feed_source) {
        position = i;
        ++candidates;
      }
    }
    if (candidates > 1) position = impl.active.size();
  }

  if (number == 1) {
    // A new fragment 1 means the old partial lost its tail: drop it rather than splice.
    if (position != impl.active.size())
      impl.drop(position, stats_, RejectReason::orphan_fragment);
    if (impl.free_list.empty()) {
      std::size_t oldest = 0;
      for (std::size_t i = 1; i < impl.active.size(); ++i)
        if (impl.pool[impl.active[i]].serial < impl.pool[impl.active[oldest]].serial) oldest = i;
      impl.drop(oldest, stats_, RejectReason::stale_fragment);
    }
    const std::size_t index = impl.free_list.back();
    impl.free_list.pop_back();
    impl.active.push_back(index);
    PendingMessage& entry = impl.pool[index];
    entry.feed_source.assign(feed_source);
    entry.group_or_source.assign(group_or_source);
    entry.keyed_by_group = keyed_by_group;
    entry.channel = channel;
    entry.sequence_id = sequence_id;
    entry.count = count;
    entry.next_number = 2;
    entry.lines = 1;
    entry.serial = impl.next_serial++;
    entry.first_line = impl.line_index;
    entry.clock_ms = line_time;
    entry.checksum_xor = static_cast<uint8_t>(expected_checksum);
    entry.armored.assign(armored);
    entry.tag_source.assign(tag.source);
    entry.talker = {address[0], address[1]};
    entry.own_ship = address[4] == 'O';
    entry.event_time_ms = line_time;
    entry.time_source = line_source;
    ++impl.pending_lines;
    return LineOutcome::fragment;
  }

  if (position == impl.active.size()) return reject(RejectReason::orphan_fragment);
  PendingMessage& entry = impl.pool[impl.active[position]];
  if (entry.next_number != number) {
    // Out of sequence (3 after 1): a fragment is missing, so neither part can be trusted.
    impl.drop(position, stats_, RejectReason::orphan_fragment);
    return reject(RejectReason::orphan_fragment);
  }
  entry.armored.append(armored);
  entry.checksum_xor = static_cast<uint8_t>(entry.checksum_xor ^ expected_checksum);
  ++entry.lines;
  ++entry.next_number;
  ++impl.pending_lines;
  if (number != count) return LineOutcome::fragment;

  // Complete: hand the buffers out by swapping, so no bytes are copied and no memory allocated.
  std::swap(entry.armored, impl.out_armored);
  std::swap(entry.tag_source, impl.out_tag_source);
  entry.armored.clear();
  out.armored = impl.out_armored;
  out.fill_bits = fill_bits;
  out.channel = channel;
  out.talker = entry.talker;
  out.own_ship = entry.own_ship;
  out.sentence_count = count;
  out.event_time_ms = entry.event_time_ms;
  out.time_source = entry.time_source;
  out.tag_source = impl.out_tag_source;
  const uint8_t checksum_xor = entry.checksum_xor;
  stats_.sentences += entry.lines;
  impl.pending_lines -= entry.lines;
  entry.lines = 0;
  impl.free_list.push_back(impl.active[position]);
  impl.active[position] = impl.active.back();
  impl.active.pop_back();
  apply_gatehouse(checksum_xor);
  ++stats_.payloads;
  return LineOutcome::payload;
}

// ---- Checkpoints ------------------------------------------------------------------------------
//
// Written per pending message in the order of `active`: that order decides which of two
// candidates a tag-less fragment joins and where drop() moves entries, so it is kept. Pool
// indices are not written: which pool entry holds a message is not observable. Serial numbers
// and line indices are, through eviction of the oldest and the line-count age limit.

namespace {

// Longest strings a pending message can hold (a tag-block s: or g: id is at most 32 characters;
// a buffered payload is at most eight fragments of a line each). Feed source names come from
// the configuration, not from the feed; 4 KiB is far beyond any.
constexpr std::size_t max_saved_source = 32;
constexpr std::size_t max_saved_feed_source = 4'096;
// Every entry writes at least its four length-prefixed strings.
constexpr std::size_t min_saved_entry_bytes = 4 * sizeof(uint64_t);
// Pending messages a state may hold, whatever this framer's max_pending_messages (the surplus is
// dropped as if evicted): far beyond any configured table.
constexpr std::size_t max_saved_pending = 1u << 20;

bool valid_channel(char c) { return c == 0 || c == 'A' || c == 'B' || c == '1' || c == '2'; }

}  // namespace

void Framer::save_state(state::StateWriter& out) const {
  const Impl& impl = *impl_;
  out.section("nmea");
  out.put(impl.next_serial);
  out.put(impl.line_index);
  out.put(impl.gatehouse.pending);
  out.put(impl.gatehouse.time_ms);
  out.put<int32_t>(impl.gatehouse.checksum);
  out.put<uint64_t>(impl.active.size());
  for (const std::size_t index : impl.active) {
    const PendingMessage& e = impl.pool[index];
    out.put_string(e.feed_source);
    out.put_string(e.group_or_source);
    out.put(e.keyed_by_group);
    out.put(e.channel);
    out.put(e.sequence_id);
    out.put(e.count);
    out.put(e.next_number);
    out.put(e.lines);
    out.put(e.serial);
    out.put(e.first_line);
    out.put(e.clock_ms);
    out.put(e.checksum_xor);
    out.put_string(e.armored);
    out.put_string(e.tag_source);
    out.put(e.talker[0]);
    out.put(e.talker[1]);
    out.put(e.own_ship);
    out.put(e.event_time_ms);
    out.put(e.time_source);
  }
}

void Framer::restore_state(state::StateReader& in) {
  Impl& impl = *impl_;
  in.section("nmea");
  const auto next_serial = in.get<uint64_t>();
  const auto line_index = in.get<uint64_t>();
  const bool gatehouse_pending = in.get<bool>();
  const auto gatehouse_time_ms = in.get<int64_t>();
  const auto gatehouse_checksum = in.get<int32_t>();
  // -1 is "any"; a `00` field is stored as -1 too, so 0 never occurs.
  if (gatehouse_checksum < -1 || gatehouse_checksum == 0 || gatehouse_checksum > 0xFF)
    in.fail("a $PGHP checksum out of range");
  const std::size_t n = in.count(max_saved_pending, min_saved_entry_bytes);
  if (!impl.active.empty()) in.fail("a framer state restored into a framer in use");
  if (!in.ok()) return;

  std::vector<PendingMessage> entries(n);
  for (PendingMessage& e : entries) {
    e.feed_source = in.get_string(max_saved_feed_source);
    e.group_or_source = in.get_string(max_saved_source);
    e.keyed_by_group = in.get<bool>();
    e.channel = in.get<char>();
    e.sequence_id = in.get<char>();
    e.count = in.get<uint8_t>();
    e.next_number = in.get<uint8_t>();
    e.lines = in.get<uint32_t>();
    e.serial = in.get<uint64_t>();
    e.first_line = in.get<uint64_t>();
    e.clock_ms = in.get_optional<int64_t>();
    e.checksum_xor = in.get<uint8_t>();
    // Fragments 1 .. count-1 of a line each at most.
    e.armored = in.get_string(config_.max_line_length * 8);
    e.tag_source = in.get_string(max_saved_source);
    e.talker = {in.get<char>(), in.get<char>()};
    e.own_ship = in.get<bool>();
    e.event_time_ms = in.get_optional<int64_t>();
    e.time_source = in.get_enum(EventTimeSource::arrival);
    if (!in.ok()) return;
    // As push() keeps them: a message of 2..9 fragments, fragments 1 .. next_number-1 buffered
    // and the last not yet (a complete message leaves the table).
    if (e.count < 2 || e.count > 9) return in.fail("a pending message's fragment count");
    if (e.next_number < 2 || e.next_number > e.count)
      return in.fail("a pending message's next fragment number");
    if (e.lines != e.next_number - 1u) return in.fail("a pending message's buffered lines");
    if (!valid_channel(e.channel)) return in.fail("a pending message's channel");
    if (e.sequence_id != 0 && !is_digit(e.sequence_id))
      return in.fail("a pending message's sequential id");
    if (e.serial >= next_serial) return in.fail("a pending message's serial number");
    if (e.first_line > line_index) return in.fail("a pending message's first line");
    if (e.armored.empty()) return in.fail("a pending message's payload");
  }

  // More than this framer holds: drop the oldest first, as push() evicts them.
  while (entries.size() > config_.max_pending_messages) {
    std::size_t oldest = 0;
    for (std::size_t i = 1; i < entries.size(); ++i)
      if (entries[i].serial < entries[oldest].serial) oldest = i;
    entries[oldest] = std::move(entries.back());
    entries.pop_back();
  }

  impl.next_serial = next_serial;
  impl.line_index = line_index;
  impl.gatehouse.pending = gatehouse_pending;
  impl.gatehouse.time_ms = gatehouse_time_ms;
  impl.gatehouse.checksum = gatehouse_checksum;
  for (PendingMessage& e : entries) {
    const std::size_t index = impl.free_list.back();
    impl.free_list.pop_back();
    impl.active.push_back(index);
    // Into the pool's reserved buffers (assign, not move, keeps their capacity).
    PendingMessage& entry = impl.pool[index];
    entry.feed_source.assign(e.feed_source);
    entry.group_or_source.assign(e.group_or_source);
    entry.keyed_by_group = e.keyed_by_group;
    entry.channel = e.channel;
    entry.sequence_id = e.sequence_id;
    entry.count = e.count;
    entry.next_number = e.next_number;
    entry.lines = e.lines;
    entry.serial = e.serial;
    entry.first_line = e.first_line;
    entry.clock_ms = e.clock_ms;
    entry.checksum_xor = e.checksum_xor;
    entry.armored.assign(e.armored);
    entry.tag_source.assign(e.tag_source);
    entry.talker = e.talker;
    entry.own_ship = e.own_ship;
    entry.event_time_ms = e.event_time_ms;
    entry.time_source = e.time_source;
    impl.pending_lines += entry.lines;
  }
}

}  // namespace aiswatch::nmea
