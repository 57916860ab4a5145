#include "io/line_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <zlib.h>

namespace aiswatch::io {

ReadResult read_lines(const ReadSome& read_some, const OnLine& on_line,
                      const LineReaderConfig& config) {
  ReadResult result;
  std::vector<char> block(std::max<std::size_t>(config.block_size, 1));
  LineSplitter splitter(config.max_line_length);
  auto emit = [&](std::string_view line, bool overlong) {
    ++result.lines;
    if (overlong) ++result.overlong_lines;
    on_line(line, result.lines, overlong);
  };
  for (;;) {
    const long read = read_some(block.data(), block.size());
    if (read < 0) {
      result.ok = false;
      result.error = std::strerror(errno);
      return result;
    }
    if (read == 0) break;
    splitter.push(std::string_view(block.data(), static_cast<std::size_t>(read)), emit);
  }
  splitter.finish(emit);
  return result;
}

InputFile::InputFile(const std::string& path) {
  if (path == "-") {
    plain_ = stdin;
    return;
  }
  const bool gzip = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (gzip) {
    errno = 0;
    gz_ = gzopen(path.c_str(), "rb");
    if (gz_ == nullptr) {
      error_ = errno != 0 ? std::strerror(errno) : "cannot open gzip stream";
    } else {
      gzbuffer(static_cast<gzFile>(gz_), 1u << 17);  // before the first read, as zlib requires
    }
    return;
  }
  plain_ = std::fopen(path.c_str(), "rb");
  owns_plain_ = plain_ != nullptr;
  if (plain_ == nullptr) error_ = std::strerror(errno);
}

InputFile::~InputFile() {
  if (owns_plain_) std::fclose(plain_);
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

long InputFile::read_some(char* buffer, std::size_t size) {
  if (gz_ != nullptr) {
    auto* gz = static_cast<gzFile>(gz_);
    // gzread takes an unsigned count; a block is far below 4 GiB.
    const int got =
        gzread(gz, buffer, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)));
    if (got < 0) {
      int code = Z_OK;
      error_ = gzerror(gz, &code);
      return -1;
    }
    if (got == 0) {
      // A truncated archive ends without Z_STREAM_END: that is an error, not the end.
      int code = Z_OK;
      const char* message = gzerror(gz, &code);
      if (code != Z_OK && code != Z_STREAM_END) {
        error_ = message;
        return -1;
      }
    }
    return got;
  }
  if (plain_ == nullptr) {
    if (error_.empty()) error_ = "file not open";
    return -1;
  }
  const std::size_t got = std::fread(buffer, 1, size, plain_);
  if (got == 0 && std::ferror(plain_)) {
    error_ = std::strerror(errno);
    return -1;
  }
  return static_cast<long>(got);
}

ReadResult InputFile::read_lines(const OnLine& on_line, const LineReaderConfig& config) {
  ReadResult result = io::read_lines(
      [this](char* buffer, std::size_t size) -> long { return read_some(buffer, size); }, on_line,
      config);
  // read_lines reports errno; the stream knows better (gzip errors have no errno).
  if (!result.ok && !error_.empty()) result.error = error_;
  return result;
}

}  // namespace aiswatch::io
