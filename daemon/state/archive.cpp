#include "state/archive.h"

#include <algorithm>
#include <limits>

namespace aiswatch::state {

void StateWriter::section(std::string_view tag) {
  char raw[4] = {' ', ' ', ' ', ' '};
  std::copy_n(tag.begin(), std::min<std::size_t>(tag.size(), 4), raw);
  bytes_.append(raw, 4);
}

bool StateReader::take(std::size_t n) {
  if (!ok()) return false;
  if (bytes_.size() - at_ < n) {
    fail("truncated");
    return false;
  }
  at_ += n;
  return true;
}

void StateReader::fail(std::string_view reason) {
  if (!ok()) return;
  error_ = std::string(reason) + " at byte " + std::to_string(at_);
}

std::string StateReader::get_string(std::size_t max_length) {
  const std::size_t length = count(max_length, 1);
  if (!ok() || !take(length)) return {};
  return std::string(bytes_.substr(at_ - length, length));
}

std::size_t StateReader::count(std::size_t max, std::size_t min_bytes_each) {
  const uint64_t n = get<uint64_t>();
  if (!ok()) return 0;
  const std::size_t each = std::max<std::size_t>(min_bytes_each, 1);
  if (n > max) {
    fail("a count of " + std::to_string(n) + " over the limit of " + std::to_string(max));
    return 0;
  }
  if (n > remaining() / each) {
    fail("a count of " + std::to_string(n) + " that the remaining bytes cannot hold");
    return 0;
  }
  return static_cast<std::size_t>(n);
}

void StateReader::section(std::string_view tag) {
  const std::size_t start = at_;
  if (!take(4)) return;
  char expected[4] = {' ', ' ', ' ', ' '};
  std::copy_n(tag.begin(), std::min<std::size_t>(tag.size(), 4), expected);
  if (std::memcmp(bytes_.data() + start, expected, 4) != 0) {
    at_ = start;
    fail("section '" + std::string(expected, 4) + "' expected");
  }
}

}  // namespace aiswatch::state
