#pragma once
// What every source hands the detection core: a batch of NMEA lines from one source, with the
// arrival time of each line and, for Kafka, the input position the batch reaches. Sources run on
// I/O threads; the core thread pops batches from a BatchQueue (batch_queue.h) and pushes each
// line into the engine. Lines are kept in one text buffer so a batch of thousands of lines is two
// allocations, not thousands.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aiswatch::io {

// The next offset to consume in one Kafka partition after this batch: what is committed once the
// batch has been processed and the alerts it caused are acknowledged.
struct KafkaPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;
};

class LineBatch {
 public:
  LineBatch() = default;
  explicit LineBatch(std::string source) : source_(std::move(source)) {}

  // Appends one line (without its '\n'; a trailing '\r' is left for the framer) received at
  // arrival_ms (Unix epoch milliseconds: wall clock for sockets, the record timestamp for Kafka).
  void add_line(std::string_view line, int64_t arrival_ms) {
    lines_.push_back(Line{text_.size(), line.size(), arrival_ms});
    text_.append(line);
  }
  // Appends every '\n'-separated line of `text` (a Kafka record value or a datagram), skipping
  // empty ones; returns how many were added.
  std::size_t add_lines(std::string_view text, int64_t arrival_ms) {
    std::size_t added = 0;
    while (!text.empty()) {
      const std::size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) {
        add_line(line, arrival_ms);
        ++added;
      }
      if (end == std::string_view::npos) break;
      text.remove_prefix(end + 1);
    }
    return added;
  }

  const std::string& source() const { return source_; }
  std::size_t size() const { return lines_.size(); }
  bool empty() const { return lines_.empty(); }
  std::size_t bytes() const { return text_.size(); }
  std::string_view line(std::size_t i) const {
    return std::string_view(text_).substr(lines_[i].offset, lines_[i].length);
  }
  int64_t arrival_ms(std::size_t i) const { return lines_[i].arrival_ms; }

  // Kafka sources: the positions this batch reaches, one per partition it holds records of.
  std::vector<KafkaPosition>& positions() { return positions_; }
  const std::vector<KafkaPosition>& positions() const { return positions_; }

 private:
  struct Line {
    std::size_t offset;
    std::size_t length;
    int64_t arrival_ms;
  };
  std::string source_;
  std::string text_;
  std::vector<Line> lines_;
  std::vector<KafkaPosition> positions_;
};

}  // namespace aiswatch::io
