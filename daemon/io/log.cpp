#include "io/log.h"

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <string>

#include "ais/json.h"

namespace aiswatch::io::log {
namespace {

using ais::append_json_string;

struct Limit {
  int64_t window_start_s = 0;
  int count = 0;
  uint64_t suppressed = 0;
};

struct State {
  std::mutex mutex;
  Level min_level = Level::info;
  Format format = Format::text;
  std::FILE* out = stderr;
  // Bounded: one entry per (component, what) call site text, a fixed set in the code.
  std::map<std::string, Limit, std::less<>> limits;
};

State& state() {
  static State s;
  return s;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

// Text values are quoted when they hold a space, '=' or '"', so a line splits unambiguously.
void append_text_value(std::string& out, std::string_view value) {
  if (value.find_first_of(" =\"\t") == std::string_view::npos && !value.empty()) {
    out += value;
    return;
  }
  append_json_string(out, value);
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[80];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

void write_locked(State& s, Level level, std::string_view component, std::string_view what,
                  Fields fields, uint64_t suppressed) {
  std::string line;
  line.reserve(160);
  if (s.format == Format::json) {
    line +=
        "{\"time\":\"" + timestamp() + "\",\"level\":\"" + level_name(level) + "\",\"component\":";
    append_json_string(line, component);
    line += ",\"msg\":";
    append_json_string(line, what);
    for (const auto& [key, value] : fields) {
      line += ',';
      append_json_string(line, key);
      line += ':';
      append_json_string(line, value);
    }
    if (suppressed > 0) line += ",\"suppressed\":\"" + std::to_string(suppressed) + "\"";
    line += "}\n";
  } else {
    line += timestamp();
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += component;
    line += ": ";
    line += what;
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      append_text_value(line, value);
    }
    if (suppressed > 0) line += " suppressed=" + std::to_string(suppressed);
    line += '\n';
  }
  std::fwrite(line.data(), 1, line.size(), s.out);
  std::fflush(s.out);
}

}  // namespace

void configure(Level min_level, Format format, std::FILE* out) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.min_level = min_level;
  s.format = format;
  s.out = out;
}

bool parse_level(std::string_view text, Level& level) {
  for (const Level candidate : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (text == level_name(candidate)) {
      level = candidate;
      return true;
    }
  }
  return false;
}

bool parse_format(std::string_view text, Format& format) {
  if (text == "text")
    format = Format::text;
  else if (text == "json")
    format = Format::json;
  else
    return false;
  return true;
}

void write(Level level, std::string_view component, std::string_view what, Fields fields) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (level < s.min_level) return;
  write_locked(s, level, component, what, fields, 0);
}

void write_limited(Level level, std::string_view component, std::string_view what, Fields fields,
                   int burst, int interval_s) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (level < s.min_level) return;
  std::string key;
  key.reserve(component.size() + what.size() + 1);
  key.append(component).append(1, '\x1f').append(what);
  auto it = s.limits.find(key);
  if (it == s.limits.end()) it = s.limits.emplace(std::move(key), Limit{}).first;
  Limit& limit = it->second;
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
  if (now_s - limit.window_start_s >= interval_s) {
    limit.window_start_s = now_s;
    limit.count = 0;
  }
  if (limit.count >= burst) {
    ++limit.suppressed;
    return;
  }
  ++limit.count;
  write_locked(s, level, component, what, fields, limit.suppressed);
  limit.suppressed = 0;
}

}  // namespace aiswatch::io::log
