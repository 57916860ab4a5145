#pragma once
// Structured logging for the daemon: one line per event on standard error, as text for people
// or as JSON for log shippers (log.format), with key=value fields. Repeated events are rate-
// limited per "what" key: bad input can arrive thousands of times a second, and a log that
// floods hides everything else — the metrics count every occurrence, the log shows the first
// few per interval and then how many it suppressed.
//
//   log::info("kafka", "connected", {{"brokers", brokers}});
//   log::warn_limited("tcp", "overlong line", {{"source", name}});   // at most 5 per 10 s per what
//
// Thread-safe: every call writes one whole line under a lock.
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace aiswatch::io::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { text, json };

using Field = std::pair<std::string_view, std::string>;
using Fields = std::initializer_list<Field>;

// Process-wide settings (from the config's log.* keys); defaults: info, text, stderr.
void configure(Level min_level, Format format, std::FILE* out = stderr);
bool parse_level(std::string_view text, Level& level);
bool parse_format(std::string_view text, Format& format);

void write(Level level, std::string_view component, std::string_view what, Fields fields = {});
// As write(), at most `burst` lines per `interval_s` for one (component, what); the first line
// after a suppressed stretch carries "suppressed=N".
void write_limited(Level level, std::string_view component, std::string_view what,
                   Fields fields = {}, int burst = 5, int interval_s = 10);

inline void debug(std::string_view c, std::string_view w, Fields f = {}) {
  write(Level::debug, c, w, f);
}
inline void info(std::string_view c, std::string_view w, Fields f = {}) {
  write(Level::info, c, w, f);
}
inline void warn(std::string_view c, std::string_view w, Fields f = {}) {
  write(Level::warn, c, w, f);
}
inline void error(std::string_view c, std::string_view w, Fields f = {}) {
  write(Level::error, c, w, f);
}
inline void warn_limited(std::string_view c, std::string_view w, Fields f = {}) {
  write_limited(Level::warn, c, w, f);
}

}  // namespace aiswatch::io::log
