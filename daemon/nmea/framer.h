#pragma once
// Framing: raw NMEA text lines in, complete AIS payloads out. No I/O, no clocks: time is data.
//
// What real feeds send, one line at a time (all of these are accepted):
//
//   !AIVDM,1,1,,B,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0*1A                 plain sentence
//   !ABVDO,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0*0D                 other talker, own ship
//   \s:rEV02,c:1334337317*58\!AIVDM,1,1,,B,19NW...,0*5F            NMEA 4.0 tag block (s: source,
//                                                                   c: UNIX s or ms, g: group)
//   !AIVDM,1,1,,A,144gjIP0085KKPQHMPjT81Sb1PSL,0*22,1328133720087  trailing receive time (s or ms)
//   1452468552.938 !AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E  leading receive time
//   $PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B         Gatehouse time for what follows
//
// Sentence fields: !ttVDM,<count>,<number>,<sequential id>,<channel>,<payload>,<fill bits>*<checksum>.
// A message longer than one sentence arrives as <count> fragments with the same sequential id;
// they are reassembled here (keyed by feed source, tag-block group or source, channel and id) in
// a bounded table with an age limit, so a lost fragment never blocks, leaks or splices.
#include <array>
#include <memory>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/archive.h"

namespace aiswatch::nmea {

// Why a line was not turned into a payload. Every rejected line is counted under one reason.
enum class RejectReason : uint8_t {
  bad_checksum,          // sentence checksum does not match
  malformed,             // not a well-formed AIS sentence (fields, counts, channel, fill bits);
                         // payload characters are checked by the decoder (invalid_character)
  orphan_fragment,       // a fragment with no matching earlier fragments, or out of order
  stale_fragment,        // an incomplete message dropped for age or to make room
  unsupported_sentence,  // a well-formed NMEA sentence that is not AIS (e.g. $GPGSA, $AIALR)
  bad_tag_block,         // an NMEA 4.0 tag block that is malformed or fails its checksum
  count_                 // number of reasons; keep last
};
inline constexpr std::size_t reject_reason_count = static_cast<std::size_t>(RejectReason::count_);

// Stable snake_case name used in logs, metrics labels and the decode summary.
std::string_view to_string(RejectReason reason);

// What one call of Framer::push did with a line.
enum class LineOutcome : uint8_t {
  payload,   // a complete message is in the output Payload
  fragment,  // a fragment was buffered, waiting for the rest of its message
  timing,    // a time-only sentence ($PGHP) was consumed; it times the sentences that follow
  blank,     // empty or whitespace-only line
  rejected,  // see the reject reason; counted in stats
};

// A complete AIS message ready for the decoder. The string views stay valid until the next call
// to push() on the same framer AND while the pushed line is alive: for a single-sentence message
// they point into the line itself (no copy on the hot path), for a reassembled one into the
// framer's own buffers.
enum class EventTimeSource : uint8_t { none, tag_block, trailing, leading, gatehouse, arrival };

struct Payload {
  std::string_view armored;              // six-bit ASCII armoured payload, fragments joined
  uint8_t fill_bits = 0;                 // fill bits of the last fragment (0..5)
  char channel = 0;                      // 'A', 'B', '1', '2', ... or 0 when empty
  std::array<char, 2> talker{};          // "AI", "AB", "BS", ...
  bool own_ship = false;                 // VDO rather than VDM
  uint8_t sentence_count = 1;            // fragments the message arrived in
  std::optional<int64_t> event_time_ms;  // receive time, UNIX milliseconds
  EventTimeSource time_source{};         // where event_time_ms came from
  std::string_view tag_source;           // tag block s: of the first fragment, empty when none
};

struct FramerConfig {
  // Maximum number of incomplete multi-sentence messages held at once (per framer). When full,
  // the oldest is dropped and its fragments counted as stale.
  std::size_t max_pending_messages = 256;
  // An incomplete message older than this (in event time) is dropped as stale. AIS fragments of
  // one message are sent back to back in the same slot, so seconds are generous.
  int64_t max_fragment_age_ms = 10'000;
  // Without any time, age is measured in lines pushed: fragments waiting longer are stale.
  std::size_t max_fragment_age_lines = 1'000;
  // A longer line is malformed (NMEA 0183 allows 82 characters; real feeds add tag blocks and
  // trailing metadata, and exactEarth sends over-long single sentences).
  std::size_t max_line_length = 1'024;
  // Some writers put a placeholder `*00` on every tag block instead of its checksum (all 100
  // lines of amsa-risky/nmea-timestamped.txt: `\c:1420030798*00\!ABVDM,...`). Strict by default
  // (such a tag block is bad_tag_block); set for a feed known to do this, so that `*00` means
  // "no checksum" and only a wrong non-zero checksum rejects the line.
  bool accept_unset_tag_block_checksum = false;
};

struct FramerStats {
  uint64_t lines = 0;           // every line pushed
  uint64_t blank_lines = 0;
  uint64_t timing_sentences = 0;
  uint64_t sentences = 0;       // AIS sentences (lines) that ended up in a payload: the
                                // fragments of a dropped message are counted as rejected instead
  uint64_t payloads = 0;        // complete messages produced
  std::array<uint64_t, reject_reason_count> rejected{};

  uint64_t rejected_total() const;
  // Adds another framer's counts (several inputs, one summary).
  FramerStats& operator+=(const FramerStats& other);
  uint64_t& operator[](RejectReason reason) { return rejected[static_cast<std::size_t>(reason)]; }
  uint64_t operator[](RejectReason reason) const {
    return rejected[static_cast<std::size_t>(reason)];
  }
};

class Framer {
 public:
  explicit Framer(FramerConfig config = {});
  ~Framer();
  Framer(const Framer&) = delete;
  Framer& operator=(const Framer&) = delete;

  // Frame one line (with or without CR/LF). `feed_source` names the input the line came from
  // (so fragments from different feeds never join); `arrival_ms` is the time the line arrived,
  // used as event time when the line carries none. On LineOutcome::payload, `out` holds the
  // message; on LineOutcome::rejected, `reason` (when given) says why.
  LineOutcome push(std::string_view line, Payload& out, std::string_view feed_source = {},
                   std::optional<int64_t> arrival_ms = std::nullopt,
                   RejectReason* reason = nullptr);

  // Drop incomplete messages older than the age limit relative to `now_ms` (event time). push()
  // does this by itself as time advances; call it at end of input to account for leftovers.
  void expire(std::optional<int64_t> now_ms);
  // Drop every incomplete message (counted as stale): end of input.
  void flush();

  std::size_t pending_messages() const;
  // Lines buffered in incomplete messages, not yet counted anywhere. At every moment
  //   lines == blank_lines + timing_sentences + sentences + rejected_total() + pending_sentences()
  std::size_t pending_sentences() const;
  const FramerStats& stats() const { return stats_; }

  // Checkpoints (state/archive.h): the sentences waiting for the rest of their message and a
  // pending $PGHP time, so that a message split across a checkpoint is still reassembled.
  // restore_state reads into a framer freshly constructed with the same configuration; entries
  // beyond its max_pending_messages are dropped as if evicted. Statistics are not kept.
  void save_state(state::StateWriter& out) const;
  void restore_state(state::StateReader& in);

 private:
  struct Impl;
  FramerConfig config_;
  FramerStats stats_;
  std::unique_ptr<Impl> impl_;
};

// NMEA checksum: XOR of the characters between the leading '!' / '$' / '\' and the '*'.
uint8_t nmea_checksum(std::string_view body);

// The receive time (c:) of the NMEA 4.0 tag block a line starts with, read the way the framer
// reads it but without framing the line, for pacing a recorded feed at its recorded speed.
// nullopt when the line has no tag block, no c: or a malformed one (checksums are not checked:
// the framer judges the line when it is processed).
std::optional<int64_t> tag_block_time_ms(std::string_view line);

}  // namespace aiswatch::nmea
