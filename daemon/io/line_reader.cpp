#include "io/line_reader.h"

#include <cerrno>
#include <cstring>

#include <zlib.h>

namespace aiswatch::io {

ReadResult read_lines(const ReadSome& read_some, const OnLine& on_line,
                      const LineReaderConfig& config) {
  ReadResult result;
  std::vector<char> block(config.block_size + config.max_line_length);
  // `carry` bytes at the start of `block` are an unfinished line from the previous read.
  std::size_t carry = 0;
  bool discarding = false;  // inside an overlong line whose head was already handed out

  auto emit = [&](std::string_view line, bool overlong) {
    ++result.lines;
    if (overlong) ++result.overlong_lines;
    on_line(line, result.lines, overlong);
  };

  for (;;) {
    const long read = read_some(block.data() + carry, config.block_size);
    if (read < 0) {
      result.ok = false;
      result.error = std::strerror(errno);
      return result;
    }
    if (read == 0) break;
    const auto got = static_cast<std::size_t>(read);
    const char* begin = block.data();
    const char* end = block.data() + carry + got;
    const char* line_start = begin;
    while (line_start < end) {
      const auto* newline =
          static_cast<const char*>(std::memchr(line_start, '\n', static_cast<std::size_t>(end - line_start)));
      if (newline == nullptr) break;
      if (discarding) {
        discarding = false;
      } else {
        std::string_view line(line_start, static_cast<std::size_t>(newline - line_start));
        const bool overlong = line.size() > config.max_line_length;
        emit(overlong ? line.substr(0, config.max_line_length) : line, overlong);
      }
      line_start = newline + 1;
    }
    carry = static_cast<std::size_t>(end - line_start);
    if (carry > config.max_line_length) {
      // The unfinished line is already too long: hand out its head now and skip the rest.
      if (!discarding) emit(std::string_view(line_start, config.max_line_length), true);
      discarding = true;
      carry = 0;
    } else if (carry > 0) {
      std::memmove(block.data(), line_start, carry);
    }
  }
  if (carry > 0 && !discarding) emit(std::string_view(block.data(), carry), false);
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
    if (gz_ == nullptr) error_ = errno != 0 ? std::strerror(errno) : "cannot open gzip stream";
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

ReadResult InputFile::read_lines(const OnLine& on_line, const LineReaderConfig& config) {
  if (gz_ != nullptr) {
    auto* gz = static_cast<gzFile>(gz_);
    gzbuffer(gz, 1u << 17);
    ReadResult result = io::read_lines(
        [gz](char* buffer, std::size_t size) -> long {
          return gzread(gz, buffer, static_cast<unsigned>(size));
        },
        on_line, config);
    if (result.ok) {
      int code = Z_OK;
      const char* message = gzerror(gz, &code);
      if (code != Z_OK && code != Z_STREAM_END) {
        result.ok = false;
        result.error = message;
      }
    } else {
      int code = Z_OK;
      result.error = gzerror(gz, &code);
    }
    return result;
  }
  std::FILE* file = plain_;
  return io::read_lines(
      [file](char* buffer, std::size_t size) -> long {
        const std::size_t got = std::fread(buffer, 1, size, file);
        if (got == 0 && std::ferror(file)) return -1;
        return static_cast<long>(got);
      },
      on_line, config);
}

}  // namespace aiswatch::io
