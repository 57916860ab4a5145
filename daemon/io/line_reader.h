#pragma once
// Reading NMEA text files, pipes and sockets line by line, fast and with bounded memory: input is
// read in large blocks and lines are handed out as views into the block. A line longer than the
// limit is handed out truncated and flagged, never accumulated without bound.
//
// LineSplitter is the one place that splits a byte stream into lines; read_lines (files, pipes)
// and the network sources (io/net/) all go through it, so an overlong line, a line split across
// two reads or a stream that ends without a newline behaves the same whatever the input.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace aiswatch::io {

struct LineReaderConfig {
  std::size_t block_size = 1 << 20;
  std::size_t max_line_length = 64 * 1024;
};

// Splits a stream that arrives in arbitrary chunks (file blocks, TCP reads, datagrams) into lines.
// Lines wholly inside one chunk are handed out as views into it (no copy); only a line that
// straddles two chunks is assembled in the splitter's own buffer, which never grows past
// max_line_length: a longer line is handed out once, cut to max_line_length and flagged
// overlong, and the rest of it up to its line end is skipped.
//
// Line ends: '\n' always. Files keep a trailing '\r' for the framer (which accepts CRLF). A
// network feed may also end lines with a bare '\r' (old serial-to-IP bridges do), so the network
// sources set cr_ends_line: then "a\r\nb" is "a", "", "b" and the caller skips empty lines.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line_length, bool cr_ends_line = false)
      : max_line_length_(std::max<std::size_t>(max_line_length, 1)), cr_ends_line_(cr_ends_line) {
    partial_.reserve(std::min<std::size_t>(max_line_length_, 4096));
  }

  // Calls on_line(std::string_view line, bool overlong) for every line completed in `chunk`; an
  // unfinished last line is kept for the next call. The views are valid during the call only.
  template <typename OnLine>
  void push(std::string_view chunk, OnLine&& on_line) {
    while (!chunk.empty()) {
      const std::size_t end = find_line_end(chunk);
      if (end == std::string_view::npos) {
        keep_partial(chunk, on_line);
        return;
      }
      const std::string_view piece = chunk.substr(0, end);
      chunk.remove_prefix(end + 1);
      if (discarding_) {
        discarding_ = false;  // the line end of an overlong line already handed out
        continue;
      }
      if (partial_.empty()) {
        emit(piece, on_line);
      } else {
        const std::size_t room = max_line_length_ - partial_.size();
        partial_.append(piece.substr(0, room));
        on_line(std::string_view(partial_), piece.size() > room);
        partial_.clear();
      }
    }
  }

  // End of input: hands out the unfinished last line, if any (a file need not end in '\n'; a
  // datagram's last line usually does not).
  template <typename OnLine>
  void finish(OnLine&& on_line) {
    if (!partial_.empty() && !discarding_) on_line(std::string_view(partial_), false);
    reset();
  }

  // Forgets an unfinished line: a connection was lost, and the next one must not be joined to it.
  void reset() {
    partial_.clear();
    discarding_ = false;
  }

  std::size_t max_line_length() const { return max_line_length_; }

 private:
  std::size_t find_line_end(std::string_view text) const {
    if (!cr_ends_line_) return text.find('\n');
    const auto it =
        std::find_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; });
    return it == text.end() ? std::string_view::npos : static_cast<std::size_t>(it - text.begin());
  }

  template <typename OnLine>
  void emit(std::string_view line, OnLine& on_line) {
    if (line.size() > max_line_length_) {
      on_line(line.substr(0, max_line_length_), true);
    } else {
      on_line(line, false);
    }
  }

  template <typename OnLine>
  void keep_partial(std::string_view rest, OnLine& on_line) {
    if (discarding_) return;
    const std::size_t room = max_line_length_ - partial_.size();
    if (rest.size() <= room) {
      partial_.append(rest);
      return;
    }
    // Already too long without its end: hand the head out now and skip the rest of the line.
    partial_.append(rest.substr(0, room));
    on_line(std::string_view(partial_), true);
    partial_.clear();
    discarding_ = true;
  }

  std::size_t max_line_length_;
  bool cr_ends_line_;
  std::string partial_;      // the unfinished line from earlier chunks, at most max_line_length_
  bool discarding_ = false;  // inside an overlong line whose head was already handed out
};

struct ReadResult {
  bool ok = true;  // false: a read error (errno text in `error`)
  std::string error;
  std::size_t lines = 0;
  std::size_t overlong_lines = 0;  // lines cut at max_line_length
};

// Reads up to `size` bytes into `buffer`; returns the count, 0 at end of input, -1 on error.
using ReadSome = std::function<long(char* buffer, std::size_t size)>;
using OnLine = std::function<void(std::string_view line, std::size_t line_number, bool overlong)>;

// Calls on_line for every line of the input (the '\n' removed; a trailing '\r' is left for the
// framer, which accepts CRLF). Returns when the input ends or a read fails.
ReadResult read_lines(const ReadSome& read_some, const OnLine& on_line,
                      const LineReaderConfig& config = {});

// An input file: plain, or gzip-compressed when its name ends in ".gz" (archives of AIS logs
// usually are); "-" is standard input.
class InputFile {
 public:
  // Opens the file; on failure, error() says why (with the OS's reason).
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  bool is_open() const { return plain_ != nullptr || gz_ != nullptr; }
  const std::string& error() const { return error_; }
  // Reads up to `size` bytes (decompressed); the count, 0 at end of input, -1 on error (then
  // error() says why). For readers that split lines themselves (the replaying file source).
  long read_some(char* buffer, std::size_t size);
  // Reads the whole file line by line.
  ReadResult read_lines(const OnLine& on_line, const LineReaderConfig& config = {});

 private:
  std::FILE* plain_ = nullptr;
  void* gz_ = nullptr;  // gzFile, kept opaque so callers need not include zlib.h
  bool owns_plain_ = false;
  std::string error_;
};

}  // namespace aiswatch::io
