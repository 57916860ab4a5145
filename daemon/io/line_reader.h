#pragma once
// Reading NMEA text files and pipes line by line, fast and with bounded memory: the file is read
// in large blocks and lines are handed out as views into the block. A line longer than the
// limit is handed out truncated and flagged, never accumulated without bound.
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

struct ReadResult {
  bool ok = true;           // false: a read error (errno text in `error`)
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
  // Reads the whole file line by line.
  ReadResult read_lines(const OnLine& on_line, const LineReaderConfig& config = {});

 private:
  std::FILE* plain_ = nullptr;
  void* gz_ = nullptr;  // gzFile, kept opaque so callers need not include zlib.h
  bool owns_plain_ = false;
  std::string error_;
};

}  // namespace aiswatch::io
