#include "app/config.h"

#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <variant>

#include "ruleset/load_error.h"
#include "ruleset/thresholds.h"

extern char** environ;

namespace aiswatch::app {
namespace {

// How a key's value is written and checked. The field's C++ type follows from the struct; the
// kind says what text it accepts.
enum class Kind {
  text,     // any text; `empty` says whether "" is allowed
  topic,    // a Kafka topic name
  topics,   // a list of Kafka topic names (YAML list; comma-separated in the environment)
  brokers,  // "embedded" or a bootstrap list host:port,host:port
  flag,     // true or false
  integer,  // a whole number in [min, max]
  number,   // a decimal number in [min, max]
  choice,   // one of `choices`
  feed,     // one of `choices`, or the path of a readable file
  map,      // librdkafka properties, passed through verbatim
};
enum class Empty { refused, allowed };

using Properties = std::map<std::string, std::string>;
using FieldRef = std::variant<std::string*, std::vector<std::string>*, bool*, int*, uint16_t*,
                              std::size_t*, double*, Properties*, SourceConfig::Type*>;
// Keys under sources.NAME read `source`; the others read `config`.
using Accessor = FieldRef (*)(Config& config, SourceConfig& source);

struct KeySpec {
  std::string_view path;  // "kafka.brokers"; "kafka.consumer.*"; "sources.NAME.port"
  Kind kind;
  Empty empty;
  double min, max;                // integer, number
  std::string_view choices;       // choice, feed: "debug|info|warn|error"
  std::string_view source_types;  // sources.NAME.*: the source types it applies to
  std::string_view required_for;  // sources.NAME.*: the source types that must set it
  std::string_view meaning;
  Accessor field;
};

// The one table of keys: the loader, the environment overrides, the echo and the reference page
// (docs/configuration.md) all walk it, in this order. Defaults are the struct's own (config.h).
// X(path, field, kind, empty, min, max, choices, source types, required for, meaning)
#define AISWATCH_CONFIG_KEYS(X)                                                                    \
  X("rules.dir", config.rules.dir, text, refused, 0, 0, "", "", "",                                \
    "The rules directory (watch zones *.geojson, watchlist.csv, detectors.yaml); checked at "      \
    "start (`aiswatchd rules check`), reloaded on SIGHUP.")                                        \
  X("kafka.brokers", config.kafka.brokers, brokers, refused, 0, 0, "", "", "",                     \
    "`embedded`: librdkafka's mock cluster inside the daemon (loopback, an ephemeral port "        \
    "logged at start), for trying aiswatch without a cluster; else the bootstrap list "            \
    "`host:port,host:port` of a real cluster.")                                                    \
  X("kafka.input_topics", config.kafka.input_topics, topics, allowed, 0, 0, "", "", "",            \
    "Topics of raw NMEA to consume, one or several lines (with their tag blocks) per record; "     \
    "empty: no Kafka input.")                                                                      \
  X("kafka.group_id", config.kafka.group_id, text, refused, 0, 0, "", "", "",                      \
    "Consumer group of the input consumer; its committed offsets are where a restart resumes.")    \
  X("kafka.alerts_topic", config.kafka.alerts_topic, topic, refused, 0, 0, "", "", "",             \
    "Topic the alert events are published to (protobuf aiswatch.v1.Alert, keyed by alert_id).")    \
  X("kafka.alerts_topic_per_type", config.kafka.alerts_topic_per_type, flag, refused, 0, 0, "",    \
    "", "",                                                                                        \
    "true: each alert type to its own topic, alerts_topic + `.` + type (e.g. "                     \
    "`aiswatch.alerts.rendezvous`).")                                                              \
  X("kafka.json_topic", config.kafka.json_topic, topic, allowed, 0, 0, "", "", "",                 \
    "A JSON mirror of the alert events for consumers without the schema; empty: off.")             \
  X("kafka.positions_topic", config.kafka.positions_topic, topic, allowed, 0, 0, "", "", "",       \
    "Accepted position fixes (protobuf aiswatch.v1.PositionReport, keyed by MMSI); empty: off.")   \
  X("kafka.consumer.*", config.kafka.consumer, map, refused, 0, 0, "", "", "",                     \
    "librdkafka consumer properties, passed through verbatim (security.protocol, "                 \
    "sasl.mechanism, sasl.username, sasl.password, ssl.ca.location, ...). bootstrap.servers and "  \
    "group.id come from kafka.brokers and kafka.group_id.")                                        \
  X("kafka.producer.*", config.kafka.producer, map, refused, 0, 0, "", "", "",                     \
    "librdkafka producer properties, passed through verbatim (the same security properties as "    \
    "the consumer, acks, linger.ms, ...).")                                                        \
  X("kafka.embedded_partitions", config.kafka.embedded_partitions, integer, refused, 1, 256, "",   \
    "", "", "Partitions of each topic the embedded cluster creates (kafka.brokers: embedded).")    \
  X("sources.NAME.type", source.type, choice, refused, 0, 0, "tcp|udp|file", "", "",               \
    "How the source NAME ([a-z0-9_]+) is read: `tcp` connects to a receiver or aggregator, "       \
    "`udp` listens for datagrams, `file` replays a recording.")                                    \
  X("sources.NAME.host", source.host, text, allowed, 0, 0, "", "tcp|udp", "tcp",                   \
    "tcp: the host to connect to; udp: the address to listen on (default 0.0.0.0).")               \
  X("sources.NAME.port", source.port, integer, refused, 1, 65535, "", "tcp|udp", "tcp|udp",        \
    "tcp: the port to connect to; udp: the port to listen on.")                                    \
  X("sources.NAME.reconnect_min_ms", source.reconnect_min_ms, integer, refused, 1, 3600000, "",    \
    "tcp", "", "The first back-off after a failed or lost connection, doubled on each failure.")   \
  X("sources.NAME.reconnect_max_ms", source.reconnect_max_ms, integer, refused, 1, 3600000, "",    \
    "tcp", "", "The longest back-off; not less than reconnect_min_ms.")                            \
  X("sources.NAME.idle_timeout_s", source.idle_timeout_s, integer, refused, 1, 86400, "", "tcp",   \
    "", "A feed silent this long is reconnected.")                                                 \
  X("sources.NAME.path", source.path, text, allowed, 0, 0, "", "file", "file",                     \
    "A recording of NMEA lines (`.gz` too); must be readable at start.")                           \
  X("sources.NAME.speed", source.speed, number, refused, 0, 100000, "", "file", "",                \
    "Times the recorded pace (tag-block times); 0: as fast as the queue takes it.")                \
  X("sources.NAME.loop", source.loop, flag, refused, 0, 0, "", "file", "",                         \
    "true: start over at the end (the source is then never done).")                                \
  X("sample.feed", config.sample.feed, feed, refused, 0, 0, "auto|builtin|none", "", "",           \
    "The bundled sample feed, produced into kafka.input_topics[0] and paced so the embedded "      \
    "broker's retention never drops a record. `auto`: `builtin` when kafka.brokers is "            \
    "`embedded`, else `none`; `builtin`: the simulated Korea Bay; `none`; or the path of an "      \
    "NMEA file.")                                                                                  \
  X("sample.speed", config.sample.speed, number, refused, 0.1, 100000, "", "", "",                 \
    "Simulated seconds per wall-clock second.")                                                    \
  X("sample.minutes", config.sample.minutes, integer, refused, 1, 10080, "", "", "",               \
    "Length of the built-in feed, simulated minutes.")                                             \
  X("exit_when_done", config.exit_when_done, choice, refused, 0, 0, "auto|never", "", "",          \
    "`auto`: the run ends when every finite input (sample feed, file sources) is done and "        \
    "processed, if no live source (Kafka input other than the sample feed's, tcp, udp) is "        \
    "configured; `never`: it runs until stopped.")                                                 \
  X("http.enabled", config.http.enabled, flag, refused, 0, 0, "", "", "",                          \
    "Serve /metrics (Prometheus), /healthz and /readyz over HTTP.")                                \
  X("http.address", config.http.address, text, refused, 0, 0, "", "", "",                          \
    "The address the HTTP server listens on.")                                                     \
  X("http.port", config.http.port, integer, refused, 0, 65535, "", "", "",                         \
    "The port the HTTP server listens on; 0: an ephemeral port, logged at start.")                 \
  X("log.level", config.log.level, choice, refused, 0, 0, "debug|info|warn|error", "", "",         \
    "The least severe log message written.")                                                       \
  X("log.format", config.log.format, choice, refused, 0, 0, "text|json", "", "",                   \
    "Log lines on standard error as readable text or as JSON objects.")                            \
  X("output.stdout_format", config.output.stdout_format, choice, refused, 0, 0, "lines|json|none", \
    "", "",                                                                                        \
    "Each alert event on standard output as it is published: `lines` (one readable line), "        \
    "`json` (the JSON mirror), `none`.")                                                           \
  X("output.alerts_file", config.output.alerts_file, text, allowed, 0, 0, "", "", "",              \
    "Also append each alert event as a JSON line to this file; empty: off.")                       \
  X("checkpoint.path", config.checkpoint.path, text, refused, 0, 0, "", "", "",                    \
    "Where the detection state is checkpointed with the Kafka positions it corresponds to, so "    \
    "that a restart resumes open episodes (same alert ids and start times). `auto`: "              \
    "`$STATE_DIRECTORY/checkpoint` (systemd's StateDirectory=), else `aiswatch.checkpoint` in "    \
    "the working directory, when there is Kafka input on a real cluster; none on the embedded "    \
    "one. `none`: off (offsets are then committed as soon as the alerts are acknowledged). A "     \
    "missing or damaged file is reported and the daemon starts clean.")                            \
  X("checkpoint.interval_s", config.checkpoint.interval_s, integer, refused, 1, 86400, "", "", "", \
    "How often the state is checkpointed. Input offsets are committed only up to the newest "      \
    "checkpoint whose alerts the broker has acknowledged: a restart reprocesses at most about "    \
    "this long of input (its alerts may be published again, with the same alert ids).")            \
  X("checkpoint.max_bytes", config.checkpoint.max_bytes, integer, refused, 1048576,                \
    1099511627776.0, "", "", "",                                                                   \
    "The largest checkpoint written or read; a larger state is not written (logged and counted "   \
    "in aiswatch_checkpoints_total{result=\"too_large\"}).")                                       \
  X("core.queue_bytes", config.core.queue_bytes, integer, refused, 65536, 17179869184.0, "", "",   \
    "",                                                                                            \
    "Bytes of line text waiting for the core; when full, sources are held back "                   \
    "(back-pressure) rather than lines dropped.")                                                  \
  X("core.idle_tick_ms", config.core.idle_tick_ms, integer, refused, 10, 60000, "", "", "",        \
    "When input is idle, the watermark advances from the clock this often.")                       \
  X("core.shutdown_timeout_s", config.core.shutdown_timeout_s, integer, refused, 1, 3600, "", "",  \
    "", "On SIGTERM, drain and flush for at most this long.")

constexpr std::array key_specs = {
#define AISWATCH_CONFIG_KEY_SPEC(path, field_expression, kind, empty, min, max, choices, types,    \
                                 required, meaning)                                                \
  KeySpec{path,                                                                                    \
          Kind::kind,                                                                              \
          Empty::empty,                                                                            \
          min,                                                                                     \
          max,                                                                                     \
          choices,                                                                                 \
          types,                                                                                   \
          required,                                                                                \
          meaning,                                                                                 \
          []([[maybe_unused]] Config& config, [[maybe_unused]] SourceConfig& source) -> FieldRef { \
            return &field_expression;                                                              \
          }},
    AISWATCH_CONFIG_KEYS(AISWATCH_CONFIG_KEY_SPEC)
#undef AISWATCH_CONFIG_KEY_SPEC
};

constexpr std::string_view env_prefix = "AISWATCH_";
constexpr std::string_view source_prefix = "sources.NAME.";

// librdkafka properties the daemon sets from keys of its own.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> reserved_properties = {{
    {"bootstrap.servers", "kafka.brokers"},
    {"metadata.broker.list", "kafka.brokers"},
    {"group.id", "kafka.group_id"},
}};

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_source_key(const KeySpec& spec) { return starts_with(spec.path, source_prefix); }
// "port" of "sources.NAME.port".
std::string_view source_field(const KeySpec& spec) {
  return spec.path.substr(source_prefix.size());
}
// "kafka.consumer" of "kafka.consumer.*".
std::string_view map_prefix(const KeySpec& spec) {
  return spec.path.substr(0, spec.path.size() - 2);
}

std::string upper_env(std::string_view path) {
  std::string name(env_prefix);
  for (const char c : path) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

// The variable of a key, as the reference shows it.
std::string env_name(const KeySpec& spec) {
  if (spec.kind == Kind::map) return upper_env(map_prefix(spec)) + "_<PROPERTY>";
  if (is_source_key(spec))
    return "AISWATCH_SOURCES_<NAME>_" + upper_env(source_field(spec)).substr(9);
  return upper_env(spec.path);
}

std::vector<std::string_view> split_choices(std::string_view choices) {
  std::vector<std::string_view> parts;
  while (!choices.empty()) {
    const std::size_t bar = choices.find('|');
    parts.push_back(choices.substr(0, bar));
    if (bar == std::string_view::npos) break;
    choices.remove_prefix(bar + 1);
  }
  return parts;
}

// "debug, info, warn, error", each optionally in backticks.
std::string list_choices(std::string_view choices, bool code) {
  std::string text;
  for (const auto choice : split_choices(choices)) {
    if (!text.empty()) text += ", ";
    if (code) text += '`';
    text += choice;
    if (code) text += '`';
  }
  return text;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance: insertions, deletions, substitutions, transpositions.
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  std::vector<std::size_t> previous = row, before_previous = row;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      // Two letters swapped ("prot") is one slip, not two.
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], before_previous[j - 2] + 1);
      }
      diagonal = above;
    }
    before_previous = previous;
    previous = row;
  }
  return row[b.size()];
}

// " (did you mean X?)" for the closest candidate, if it is close enough to be a typo.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string_view last =
      word.substr(word.rfind('.') == std::string_view::npos ? 0 : word.rfind('.') + 1);
  const std::size_t limit = std::clamp<std::size_t>(last.size() / 3, 1, 3);
  const std::string* best = nullptr;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = &candidate;
    }
  }
  return best == nullptr ? std::string() : " (did you mean " + *best + "?)";
}

// YAML is Unicode; the echo (yaml-cpp's emitter) would replace broken sequences, so a value that
// is not UTF-8 is refused rather than silently changed.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      length = 2;
      code = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3;
      code = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4;
      code = c & 0x07u;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3fu);
    }
    constexpr std::array<uint32_t, 5> least = {0, 0, 0x80, 0x800, 0x10000};
    if (code < least[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

// Kafka's own rule for topic names (kafka/common/internals/Topic.java).
bool valid_topic(std::string_view topic) {
  if (topic.empty() || topic.size() > 249 || topic == "." || topic == "..") return false;
  return std::all_of(topic.begin(), topic.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool valid_source_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> parts;
  while (true) {
    const std::size_t comma = text.find(',');
    parts.push_back(trim(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return parts;
}

bool secret_property(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ends_with(lower, ".location")) return false;
  return lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos ||
         lower.find("key") != std::string::npos;
}

std::string format_integer(const FieldRef& field) {
  if (const auto* p = std::get_if<int*>(&field)) return std::to_string(**p);
  if (const auto* p = std::get_if<uint16_t*>(&field)) return std::to_string(**p);
  if (const auto* p = std::get_if<std::size_t*>(&field)) return std::to_string(**p);
  return "";
}

// A single value as text (lists and maps are formatted by their callers).
std::string scalar_text(const KeySpec& spec, const FieldRef& field) {
  if (const auto* p = std::get_if<std::string*>(&field)) return **p;
  if (const auto* p = std::get_if<bool*>(&field)) return **p ? "true" : "false";
  if (const auto* p = std::get_if<double*>(&field)) return ruleset::format_number(**p);
  if (const auto* p = std::get_if<SourceConfig::Type*>(&field)) {
    return std::string(split_choices(spec.choices).at(static_cast<std::size_t>(**p)));
  }
  return format_integer(field);
}

const KeySpec& type_spec() {
  static const KeySpec& spec =
      *std::find_if(key_specs.begin(), key_specs.end(),
                    [](const KeySpec& s) { return s.path == "sources.NAME.type"; });
  return spec;
}

// "tcp", "udp", "file": the source types as the table spells them.
std::string type_name(SourceConfig::Type type) {
  return std::string(split_choices(type_spec().choices).at(static_cast<std::size_t>(type)));
}

// Where a value came from: a line of the file or an environment variable.
struct Origin {
  std::string file;  // "aiswatch.yaml" or "environment AISWATCH_HTTP_PORT"
  std::size_t line = 0;
};

Origin at(const std::string& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return Origin{file, mark.is_null() ? 0 : static_cast<std::size_t>(mark.line) + 1};
}

// A value's line; an empty value ("key:") is marked where the next token starts, so its key's.
Origin value_at(const std::string& file, const YAML::detail::iterator_value& entry) {
  return at(file, entry.second.IsNull() ? entry.first : entry.second);
}

class Loader {
 public:
  void load_text(const std::string& text, const std::string& file);
  void apply_environment(const Environment& environment);
  void finish();
  void fail(const Origin& origin, std::string where, std::string message) {
    errors_.push_back(
        ruleset::LoadError{origin.file, origin.line, std::move(where), std::move(message)}
            .to_string());
  }
  void fail_raw(std::string message) { errors_.push_back(std::move(message)); }

  ConfigResult result() && { return ConfigResult{std::move(config_), std::move(errors_)}; }

 private:
  void walk(const YAML::Node& map, const std::string& prefix, const std::string& file);
  void read_value(const KeySpec& spec, const YAML::Node& value, const std::string& path,
                  SourceConfig* source, const Origin& origin);
  void read_map(const KeySpec& spec, const YAML::Node& map, const std::string& file);
  void read_sources(const YAML::Node& map, const std::string& file);
  bool set_scalar(const KeySpec& spec, const FieldRef& field, const std::string& text, bool is_null,
                  const std::string& path, const Origin& origin);
  bool set_topics(const std::vector<std::string>& topics, const KeySpec& spec,
                  const std::string& path, const Origin& origin);
  void set_property(const KeySpec& spec, const std::string& name, const std::string& value,
                    const Origin& origin);
  std::size_t source_index(const std::string& name, const Origin& origin);
  FieldRef field_of(const KeySpec& spec, SourceConfig* source) {
    return spec.field(config_, source != nullptr ? *source : scratch_source_);
  }
  // True the first time `path` is seen in the file; else reports the duplicate.
  bool first_in_file(const std::string& path, const Origin& origin);
  const Origin* origin_of(const std::string& path) const {
    const auto it = origins_.find(path);
    return it == origins_.end() ? nullptr : &it->second;
  }

  Config config_;
  SourceConfig scratch_source_;  // what a config-wide key's accessor gets as `source`
  std::vector<std::string> errors_;
  std::map<std::string, Origin> origins_;     // every key set by the file or environment
  std::map<std::string, std::size_t> lines_;  // key path -> line, within the file
  std::set<std::string> refused_;             // keys whose value was refused
};

bool Loader::first_in_file(const std::string& path, const Origin& origin) {
  const auto [it, inserted] = lines_.emplace(path, origin.line);
  if (!inserted) {
    fail(origin, path, "given twice (first at line " + std::to_string(it->second) + ")");
  }
  return inserted;
}

std::size_t Loader::source_index(const std::string& name, const Origin& origin) {
  for (std::size_t i = 0; i < config_.sources.size(); ++i) {
    if (config_.sources[i].name == name) return i;
  }
  SourceConfig source;
  source.name = name;
  config_.sources.push_back(std::move(source));
  origins_.emplace("sources." + name, origin);
  return config_.sources.size() - 1;
}

// Counts the documents of a YAML stream, up to 2, and marks where the second starts. yaml-cpp
// 0.7's LoadAll never ends on some malformed input (fuzz_config found one of 23 bytes: it keeps
// reporting new documents), so the stream is walked a bounded number of times instead.
class DocumentCounter : public YAML::EventHandler {
 public:
  std::size_t documents = 0;
  YAML::Mark second;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents == 2) second = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

void Loader::load_text(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentCounter counter;
    while (counter.documents < 2 && parser.HandleNextDocument(counter)) {
    }
    if (counter.documents > 1) {
      const std::size_t line =
          counter.second.is_null() ? 0 : static_cast<std::size_t>(counter.second.line) + 1;
      fail(Origin{file, line}, "", "more than one YAML document ('---'); one is expected");
      return;
    }
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string where = file;
    if (!e.mark.is_null()) {
      where += ':' + std::to_string(e.mark.line + 1) + ':' + std::to_string(e.mark.column + 1);
    }
    fail_raw(where + ": not valid YAML: " + e.msg);
    return;
  }
  if (root.IsNull()) return;  // an empty file: every default
  if (!root.IsMap()) {
    std::string sections;
    for (const auto& spec : key_specs) {
      const std::string_view section = spec.path.substr(0, spec.path.find('.'));
      if (sections.find(std::string(section) + ",") != std::string::npos) continue;
      sections += std::string(section) + ", ";
    }
    sections.resize(sections.size() - 2);
    fail(at(file, root), "",
         "must be a map of keys (" + sections + "), not a " +
             (root.IsSequence() ? "list" : "single value"));
    return;
  }
  walk(root, "", file);
}

void Loader::walk(const YAML::Node& map, const std::string& prefix, const std::string& file) {
  for (const auto& entry : map) {
    const Origin key_origin = at(file, entry.first);
    // YAML allows lists and maps as keys ("? [a, b]: 1"); Scalar() of one is empty.
    if (!entry.first.IsScalar()) {
      fail(key_origin, prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1),
           "a key must be a plain word, not a list or map");
      continue;
    }
    const std::string path = prefix + entry.first.Scalar();
    if (!first_in_file(path, key_origin)) continue;
    const YAML::Node& value = entry.second;
    const Origin value_origin = value_at(file, entry);
    bool section = false;
    const KeySpec* found = nullptr;
    // One word per level: "kafka.brokers: x" at the top is not kafka's brokers.
    const bool one_word = entry.first.Scalar().find('.') == std::string::npos;
    for (const auto& spec : key_specs) {
      if (is_source_key(spec) || !one_word) continue;
      if (spec.kind == Kind::map ? path == map_prefix(spec) : path == spec.path) {
        found = &spec;
        break;
      }
      if (starts_with(spec.path, path + ".")) section = true;
    }
    if (found != nullptr && found->kind == Kind::map) {
      read_map(*found, value, file);
    } else if (found != nullptr) {
      read_value(*found, value, path, nullptr, value_origin);
    } else if (path == "sources" && one_word) {
      read_sources(value, file);
    } else if (section) {
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        fail(value_origin, path, "must be a map of keys");
        continue;
      }
      walk(value, path + ".", file);
    } else {
      std::vector<std::string> candidates = {"sources"};
      for (const auto& spec : key_specs) {
        if (is_source_key(spec)) continue;
        const std::string_view key = spec.kind == Kind::map ? map_prefix(spec) : spec.path;
        candidates.emplace_back(key);
        if (key.find('.') != std::string_view::npos) {
          candidates.emplace_back(key.substr(0, key.find('.')));
        }
      }
      std::string message = "unknown key";
      if (prefix == "kafka." && !one_word) {
        message += "; librdkafka properties go under kafka.consumer and kafka.producer";
      } else if (!one_word) {
        message += "; keys are nested maps, one word per level";
      } else {
        message += did_you_mean(path, candidates);
      }
      fail(key_origin, path, message);
    }
  }
}

void Loader::read_value(const KeySpec& spec, const YAML::Node& value, const std::string& path,
                        SourceConfig* source, const Origin& origin) {
  if (spec.kind == Kind::topics) {
    std::vector<std::string> topics;
    if (value.IsScalar()) {
      fail(origin, path, "must be a list of topics ([a, b]), not a single value");
      return;
    }
    if (value.IsMap()) {
      fail(origin, path, "must be a list of topics ([a, b]), not a map");
      return;
    }
    for (const auto& item : value) {  // a null node has no items: an empty list
      if (!item.IsScalar()) {
        fail(at(origin.file, item), path, "each topic must be a single value");
        return;
      }
      topics.push_back(item.Scalar());
    }
    set_topics(topics, spec, path, origin);
    return;
  }
  if (value.IsSequence() || value.IsMap()) {
    fail(origin, path,
         std::string("must be a single value, not a ") + (value.IsMap() ? "map" : "list"));
    return;
  }
  set_scalar(spec, field_of(spec, source), value.IsNull() ? std::string() : value.Scalar(),
             value.IsNull(), path, origin);
}

bool Loader::set_topics(const std::vector<std::string>& topics, const KeySpec& spec,
                        const std::string& path, const Origin& origin) {
  bool ok = true;
  for (const auto& topic : topics) {
    if (!valid_topic(topic)) {
      fail(origin, path,
           "'" + topic + "' is not a Kafka topic name (letters, digits, '.', '_', '-'; 1 to 249)");
      ok = false;
    }
  }
  if (!ok) return false;
  *std::get<std::vector<std::string>*>(field_of(spec, nullptr)) = topics;
  origins_[path] = origin;
  return true;
}

bool Loader::set_scalar(const KeySpec& spec, const FieldRef& field, const std::string& text,
                        bool is_null, const std::string& path, const Origin& origin) {
  const auto refuse = [&](std::string message) {
    fail(origin, path, std::move(message));
    refused_.insert(path);
    return false;
  };
  if (!valid_utf8(text)) return refuse("is not valid UTF-8");
  switch (spec.kind) {
    case Kind::text:
    case Kind::topic:
    case Kind::brokers:
    case Kind::feed:
      if (text.empty() && (spec.empty == Empty::refused || spec.kind == Kind::brokers)) {
        return refuse(spec.kind == Kind::feed ? "must be " + list_choices(spec.choices, false) +
                                                    " or the path of an NMEA file"
                                              : "must not be empty");
      }
      if (spec.kind == Kind::topic && !text.empty() && !valid_topic(text)) {
        return refuse("'" + text +
                      "' is not a Kafka topic name (letters, digits, '.', '_', '-'; 1 to 249)");
      }
      if (spec.kind == Kind::brokers) {
        for (const auto& broker : split_commas(text)) {
          if (broker.empty()) return refuse("'" + text + "' has an empty entry");
        }
      }
      *std::get<std::string*>(field) = text;
      break;
    case Kind::flag:
      if (is_null) return refuse("has no value (true or false)");
      if (text != "true" && text != "false")
        return refuse("must be true or false, not '" + text + "'");
      *std::get<bool*>(field) = text == "true";
      break;
    case Kind::integer: {
      if (is_null) return refuse("has no value (a whole number)");
      int64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return refuse("'" + text + "' is not a whole number");
      }
      if (static_cast<double>(value) < spec.min || static_cast<double>(value) > spec.max) {
        return refuse(text + " is out of range [" + ruleset::format_number(spec.min) + ", " +
                      ruleset::format_number(spec.max) + "]");
      }
      // The range fits the field's type (a test checks every maximum).
      std::visit(
          [value](auto* target) {
            using Target = std::remove_pointer_t<decltype(target)>;
            if constexpr (std::is_integral_v<Target> && !std::is_same_v<Target, bool>) {
              *target = static_cast<Target>(value);
            }
          },
          field);
      break;
    }
    case Kind::number: {
      if (is_null) return refuse("has no value (a number)");
      double value = 0;
      const auto [end, ec] =
          std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
      if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        return refuse("'" + text + "' is not a number");
      }
      if (value < spec.min || value > spec.max) {
        return refuse(text + " is out of range [" + ruleset::format_number(spec.min) + ", " +
                      ruleset::format_number(spec.max) + "]");
      }
      *std::get<double*>(field) = value;
      break;
    }
    case Kind::choice: {
      const auto choices = split_choices(spec.choices);
      const auto it = std::find(choices.begin(), choices.end(), text);
      if (it == choices.end()) {
        return refuse("'" + text + "' is not one of " + list_choices(spec.choices, false) +
                      did_you_mean(text, std::vector<std::string>(choices.begin(), choices.end())));
      }
      if (auto* const* type = std::get_if<SourceConfig::Type*>(&field)) {
        **type = static_cast<SourceConfig::Type>(it - choices.begin());
      } else {
        *std::get<std::string*>(field) = text;
      }
      break;
    }
    case Kind::topics:
    case Kind::map:
      return refuse("internal: not a single value");  // callers route these elsewhere
  }
  origins_[path] = origin;
  return true;
}

void Loader::set_property(const KeySpec& spec, const std::string& name, const std::string& value,
                          const Origin& origin) {
  const std::string path = std::string(map_prefix(spec)) + "." + name;
  for (const auto& [property, key] : reserved_properties) {
    if (name == property) {
      fail(origin, path, "set by " + std::string(key) + "; set that instead");
      return;
    }
  }
  if (!valid_utf8(name) || !valid_utf8(value)) {
    fail(origin, path, "is not valid UTF-8");
    return;
  }
  (*std::get<Properties*>(field_of(spec, nullptr)))[name] = value;
  origins_[path] = origin;
}

void Loader::read_map(const KeySpec& spec, const YAML::Node& map, const std::string& file) {
  const std::string prefix(map_prefix(spec));
  if (map.IsNull()) return;
  if (!map.IsMap()) {
    fail(at(file, map), prefix, "must be a map of librdkafka properties (name: value)");
    return;
  }
  for (const auto& entry : map) {
    const Origin origin = at(file, entry.first);
    if (!entry.first.IsScalar() || entry.first.Scalar().empty()) {
      fail(origin, prefix, "a property name must be a plain word, not a list, map or nothing");
      continue;
    }
    const std::string& name = entry.first.Scalar();
    if (!first_in_file(prefix + "." + name, origin)) continue;
    if (!entry.second.IsScalar()) {
      fail(value_at(file, entry), prefix + "." + name,
           entry.second.IsNull() ? "has no value" : "must be a single value");
      continue;
    }
    set_property(spec, name, entry.second.Scalar(), value_at(file, entry));
  }
}

void Loader::read_sources(const YAML::Node& map, const std::string& file) {
  if (map.IsNull()) return;
  if (!map.IsMap()) {
    fail(at(file, map), "sources", "must be a map of sources by name");
    return;
  }
  for (const auto& entry : map) {
    const Origin origin = at(file, entry.first);
    if (!entry.first.IsScalar()) {
      fail(origin, "sources", "a source name must be a plain word, not a list or map");
      continue;
    }
    const std::string& name = entry.first.Scalar();
    const std::string source_path = "sources." + name;
    if (!first_in_file(source_path, origin)) continue;
    if (!valid_source_name(name)) {
      fail(origin, source_path, "a source name must be [a-z0-9_]+");
      continue;
    }
    const YAML::Node& keys = entry.second;
    if (!keys.IsNull() && !keys.IsMap()) {
      fail(at(file, keys), source_path, "must be a map of source keys (type, host, port, ...)");
      continue;
    }
    const std::size_t index = source_index(name, origin);
    for (const auto& key_entry : keys) {
      const Origin key_origin = at(file, key_entry.first);
      if (!key_entry.first.IsScalar()) {
        fail(key_origin, source_path, "a key must be a plain word, not a list or map");
        continue;
      }
      const std::string& key = key_entry.first.Scalar();
      const std::string path = source_path + "." + key;
      if (!first_in_file(path, key_origin)) continue;
      const KeySpec* found = nullptr;
      std::vector<std::string> candidates;
      for (const auto& spec : key_specs) {
        if (!is_source_key(spec)) continue;
        if (source_field(spec) == key) found = &spec;
        candidates.push_back(source_path + "." + std::string(source_field(spec)));
      }
      if (found == nullptr) {
        fail(key_origin, path, "unknown key" + did_you_mean(path, candidates));
        continue;
      }
      read_value(*found, key_entry.second, path, &config_.sources[index],
                 value_at(file, key_entry));
    }
  }
}

void Loader::apply_environment(const Environment& environment) {
  std::vector<std::string> known;  // for "did you mean"
  for (const auto& spec : key_specs) {
    if (spec.kind != Kind::map && !is_source_key(spec)) known.push_back(env_name(spec));
  }
  for (const auto& [name, value] : environment) {
    if (!starts_with(name, env_prefix)) continue;
    const Origin origin{"environment " + name, 0};
    bool matched = false;
    for (const auto& spec : key_specs) {
      if (spec.kind == Kind::map) {
        const std::string prefix = upper_env(map_prefix(spec)) + "_";
        if (!starts_with(name, prefix) || name.size() == prefix.size()) continue;
        // librdkafka property names are lower-case words joined by '.'.
        std::string property = name.substr(prefix.size());
        for (auto& c : property) {
          c = c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        set_property(spec, property, value, origin);
        matched = true;
      } else if (is_source_key(spec)) {
        const std::string prefix = "AISWATCH_SOURCES_";
        const std::string suffix = "_" + upper_env(source_field(spec)).substr(env_prefix.size());
        if (!starts_with(name, prefix) || !ends_with(name, suffix) ||
            name.size() <= prefix.size() + suffix.size()) {
          continue;
        }
        std::string source =
            name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
        for (auto& c : source) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        matched = true;
        if (!valid_source_name(source)) {
          fail(origin, "sources." + source, "a source name must be [a-z0-9_]+");
          break;
        }
        const std::size_t index = source_index(source, origin);
        const std::string path = "sources." + source + "." + std::string(source_field(spec));
        set_scalar(spec, field_of(spec, &config_.sources[index]), value, false, path, origin);
      } else if (name == env_name(spec)) {
        const std::string path(spec.path);
        if (spec.kind == Kind::topics) {
          std::vector<std::string> topics;
          for (auto& topic : split_commas(value)) {
            if (!topic.empty()) topics.push_back(std::move(topic));
          }
          set_topics(topics, spec, path, origin);
        } else {
          set_scalar(spec, field_of(spec, nullptr), value, false, path, origin);
        }
        matched = true;
      }
      if (matched) break;
    }
    if (!matched) fail(origin, "", "unknown variable" + did_you_mean(name, known));
  }
}

// "cannot read PATH: REASON" when PATH is not a readable regular file.
std::optional<std::string> unreadable(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || ::access(path.c_str(), R_OK) != 0) {
    return "cannot read " + path + ": " + std::strerror(errno);
  }
  if (S_ISDIR(info.st_mode)) return "cannot read " + path + ": " + std::strerror(EISDIR);
  return std::nullopt;
}

void Loader::finish() {
  static const Origin nowhere{"defaults", 0};
  const auto origin_or = [&](const std::string& path, const Origin& fallback) -> const Origin& {
    const Origin* origin = origin_of(path);
    return origin != nullptr ? *origin : fallback;
  };
  for (auto& source : config_.sources) {
    const std::string source_path = "sources." + source.name;
    const Origin& source_origin = origin_or(source_path, nowhere);
    // A source whose type was refused would only add guesses about what it needs.
    if (refused_.count(source_path + ".type") != 0) continue;
    const std::string type = type_name(source.type);
    for (const auto& spec : key_specs) {
      if (!is_source_key(spec) || spec.source_types.empty()) continue;
      const auto types = split_choices(spec.source_types);
      const bool applies = std::find(types.begin(), types.end(), type) != types.end();
      const std::string path = source_path + "." + std::string(source_field(spec));
      if (!applies) {
        if (const Origin* origin = origin_of(path)) {
          fail(*origin, path,
               "does not apply to a " + std::string(type) + " source (only " +
                   list_choices(spec.source_types, false) + ")");
        }
        continue;
      }
      const auto required = split_choices(spec.required_for);
      if (std::find(required.begin(), required.end(), type) == required.end()) continue;
      if (refused_.count(path) != 0) continue;  // already reported with its reason
      const FieldRef field = spec.field(config_, source);
      const bool missing = std::holds_alternative<std::string*>(field)
                               ? std::get<std::string*>(field)->empty()
                               : format_integer(field) == "0";
      if (missing) {
        fail(source_origin, source_path,
             "a " + std::string(type) + " source needs " + std::string(source_field(spec)));
      }
    }
    if (source.type == SourceConfig::Type::udp && source.host.empty()) source.host = "0.0.0.0";
    if (source.type == SourceConfig::Type::tcp &&
        source.reconnect_min_ms > source.reconnect_max_ms) {
      const std::string min_path = source_path + ".reconnect_min_ms";
      const Origin* origin = origin_of(min_path);
      fail(origin != nullptr ? *origin : origin_or(source_path + ".reconnect_max_ms", nowhere),
           min_path,
           std::to_string(source.reconnect_min_ms) + " is more than reconnect_max_ms (" +
               std::to_string(source.reconnect_max_ms) + ")");
    }
    if (source.type == SourceConfig::Type::file && !source.path.empty()) {
      if (auto problem = unreadable(source.path)) {
        fail(origin_or(source_path + ".path", source_origin), source_path + ".path", *problem);
      }
    }
  }
  const auto& feed = config_.sample.feed;
  const bool keyword = feed == "auto" || feed == "builtin" || feed == "none";
  if (!keyword && !feed.empty()) {
    if (auto problem = unreadable(feed)) {
      fail(origin_or("sample.feed", nowhere), "sample.feed",
           *problem + did_you_mean(feed, {"auto", "builtin", "none"}));
    }
  }
  if (config_.kafka.input_topics.empty() && feed != "auto" && feed != "none") {
    fail(origin_or("sample.feed", nowhere), "sample.feed",
         "needs kafka.input_topics (the feed is produced into the first of them)");
  }
}

// The whole file into `text`, or "cannot read: REASON".
std::optional<std::string> read_file(const std::string& path, std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return std::string("cannot read: ") + std::strerror(errno);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  // A directory opens but does not read (EISDIR).
  const int read_error = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_error != 0) return std::string("cannot read: ") + std::strerror(read_error);
  return std::nullopt;
}

}  // namespace

Environment process_environment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!starts_with(text, env_prefix)) continue;
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return environment;
}

namespace {

ConfigResult load(const std::string* path, const std::string& yaml, const std::string& name,
                  const Environment& environment) {
  Loader loader;
  try {
    if (path != nullptr) {
      std::string text;
      if (auto problem = read_file(*path, text)) {
        loader.fail_raw(*path + ": " + *problem);
      } else {
        loader.load_text(text, name);
      }
    } else {
      loader.load_text(yaml, name);
    }
    loader.apply_environment(environment);
    loader.finish();
  } catch (const std::exception& e) {
    // Only yaml-cpp's own surprises (or memory) get here; the loader checks before converting.
    loader.fail_raw(name + ": cannot load: " + e.what());
  }
  return std::move(loader).result();
}

}  // namespace

ConfigResult load_config_text(const std::string& yaml, const std::string& name,
                              const Environment& environment) {
  return load(nullptr, yaml, name, environment);
}

ConfigResult load_config(const std::string& path, const Environment& environment) {
  return load(path.empty() ? nullptr : &path, "", path, environment);
}

namespace {

YAML::Node child(YAML::Node parent, std::string_view path) {
  // yaml-cpp's Node::operator= assigns through to the referenced node, so each level is a new
  // Node rather than a reassigned one.
  const std::size_t dot = path.find('.');
  YAML::Node next = parent[std::string(path.substr(0, dot))];
  return dot == std::string_view::npos ? next : child(next, path.substr(dot + 1));
}

YAML::Node value_node(const KeySpec& spec, const FieldRef& field) {
  if (const auto* list = std::get_if<std::vector<std::string>*>(&field)) {
    YAML::Node node(YAML::NodeType::Sequence);
    node.SetStyle(YAML::EmitterStyle::Flow);
    for (const auto& item : **list) node.push_back(item);
    return node;
  }
  if (const auto* properties = std::get_if<Properties*>(&field)) {
    YAML::Node node(YAML::NodeType::Map);
    if ((*properties)->empty()) node.SetStyle(YAML::EmitterStyle::Flow);
    for (const auto& [name, value] : **properties) {
      node[name] = secret_property(name) ? std::string("***") : value;
    }
    return node;
  }
  return YAML::Node(scalar_text(spec, field));
}

// "`embedded`", "(empty)", "`[aiswatch.nmea]`": a default as the reference shows it.
std::string default_text(const KeySpec& spec) {
  Config config;
  SourceConfig source;
  const FieldRef field = spec.field(config, source);
  if (const auto* list = std::get_if<std::vector<std::string>*>(&field)) {
    std::string text = "`[";
    for (const auto& item : **list) text += (text.size() > 2 ? ", " : "") + item;
    return text + "]`";
  }
  if (std::holds_alternative<Properties*>(field)) return "(none)";
  const std::string text = scalar_text(spec, field);
  return text.empty() ? "(empty)" : "`" + text + "`";
}

std::string type_text(const KeySpec& spec) {
  switch (spec.kind) {
    case Kind::text:
    case Kind::brokers:
    case Kind::feed:
      return "text";
    case Kind::topic:
      return "topic";
    case Kind::topics:
      return "list of topics";
    case Kind::flag:
      return "boolean";
    case Kind::integer:
      return "integer";
    case Kind::number:
      return "number";
    case Kind::choice:
      return "choice";
    case Kind::map:
      return "map";
  }
  return "";
}

std::string allowed_text(const KeySpec& spec) {
  constexpr std::string_view topic_rule = "a Kafka topic name ([a-zA-Z0-9._-], 1 to 249)";
  switch (spec.kind) {
    case Kind::text:
      return spec.empty == Empty::refused ? "not empty" : "any";
    case Kind::topic:
      return std::string(topic_rule) + (spec.empty == Empty::allowed ? ", or empty" : "");
    case Kind::topics:
      return "each " + std::string(topic_rule);
    case Kind::brokers:
      return "`embedded`, or host:port,...";
    case Kind::flag:
      return "`true`, `false`";
    case Kind::integer:
    case Kind::number:
      return ruleset::format_number(spec.min) + " to " + ruleset::format_number(spec.max);
    case Kind::choice:
      return list_choices(spec.choices, true);
    case Kind::feed:
      return list_choices(spec.choices, true) + ", or a readable file";
    case Kind::map:
      return "librdkafka properties (name: value)";
  }
  return "";
}

std::string meaning_text(const KeySpec& spec) {
  std::string text;
  if (!spec.source_types.empty()) {
    text += "(" + list_choices(spec.source_types, false) + ") ";
  }
  if (!spec.required_for.empty()) {
    text += "Required for " + list_choices(spec.required_for, false) + ". ";
  }
  text += spec.meaning;
  return text;
}

// The example of the reference page; a test loads it.
constexpr std::string_view reference_example =
    R"(# /etc/aiswatch/aiswatch.yaml: a production cluster with SASL/SCRAM over TLS, and the raw
# NMEA feed of a shore receiver over TCP besides the Kafka input.
rules:
  dir: /etc/aiswatch/rules
kafka:
  brokers: kafka-1.example.net:9093,kafka-2.example.net:9093,kafka-3.example.net:9093
  input_topics: [ais.nmea.terrestrial, ais.nmea.satellite]
  group_id: aiswatch-prod
  alerts_topic: aiswatch.alerts
  json_topic: aiswatch.alerts.json
  consumer:
    security.protocol: SASL_SSL
    sasl.mechanism: SCRAM-SHA-512
    sasl.username: aiswatch
    # sasl.password: from AISWATCH_KAFKA_CONSUMER_SASL_PASSWORD, not from this file
    ssl.ca.location: /etc/ssl/certs/ca-certificates.crt
  producer:
    security.protocol: SASL_SSL
    sasl.mechanism: SCRAM-SHA-512
    sasl.username: aiswatch
    # sasl.password: from AISWATCH_KAFKA_PRODUCER_SASL_PASSWORD
    ssl.ca.location: /etc/ssl/certs/ca-certificates.crt
    acks: all
sources:
  coastal:
    type: tcp
    host: ais-receiver.example.net
    port: 5631
    idle_timeout_s: 120
sample:
  feed: none
exit_when_done: never
log:
  format: json
output:
  stdout_format: none
)";

// Markdown table cells cannot hold '|'.
std::string cell(std::string text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '|') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

}  // namespace

std::string echo_config(const Config& config) {
  Config copy = config;  // the accessors hand out non-const fields
  YAML::Node root(YAML::NodeType::Map);
  bool sources_done = false;
  for (const auto& spec : key_specs) {
    if (is_source_key(spec)) {
      if (sources_done) continue;
      sources_done = true;
      YAML::Node sources(YAML::NodeType::Map);
      if (copy.sources.empty()) sources.SetStyle(YAML::EmitterStyle::Flow);
      for (auto& source : copy.sources) {
        YAML::Node node(YAML::NodeType::Map);
        const std::string type = type_name(source.type);
        for (const auto& source_spec : key_specs) {
          if (!is_source_key(source_spec)) continue;
          const auto types = split_choices(source_spec.source_types);
          if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) {
            continue;  // a key that does not apply to this type would not load back
          }
          node[std::string(source_field(source_spec))] =
              value_node(source_spec, source_spec.field(copy, source));
        }
        sources[source.name] = node;
      }
      root["sources"] = sources;
      continue;
    }
    SourceConfig unused;
    const std::string_view path = spec.kind == Kind::map ? map_prefix(spec) : spec.path;
    const std::size_t dot = path.rfind('.');
    YAML::Node parent = dot == std::string_view::npos ? root : child(root, path.substr(0, dot));
    parent[std::string(path.substr(dot + 1))] = value_node(spec, spec.field(copy, unused));
  }
  YAML::Emitter emitter;
  emitter << root;
  return "# aiswatchd: the effective configuration (environment > file > defaults); secrets "
         "masked\n" +
         std::string(emitter.c_str()) + "\n";
}

std::vector<ConfigKeyInfo> config_keys() {
  std::vector<ConfigKeyInfo> keys;
  for (const auto& spec : key_specs) {
    keys.push_back(ConfigKeyInfo{std::string(spec.path), type_text(spec), default_text(spec),
                                 env_name(spec), allowed_text(spec), meaning_text(spec)});
  }
  return keys;
}

std::string config_reference_markdown() {
  std::string text = R"(# aiswatchd configuration

<!-- Generated by `aiswatchd config reference` from the key table in daemon/app/config.cpp; do
not edit by hand. A unit test keeps this file equal to that output. -->

`aiswatchd run` takes its configuration from three places, each overriding the one before:

1. **the built-in defaults** (the table below): the main job. Kafka is embedded in the daemon
   (librdkafka's mock cluster), the bundled sample feed (a simulated Korea Bay) is produced into
   it, and every alert is printed on standard output as it is published. `aiswatchd run` with no
   configuration runs exactly that;
2. **the YAML file** given with `aiswatchd run --config FILE`: a key left out keeps its default;
3. **environment variables**: every key has one, and it wins over the file.

At start the daemon checks everything and stops with every problem, each naming the file and line
or the environment variable, the key and what is wrong
(`aiswatch.yaml:12: kafka.brokers: must not be empty`); a valid configuration is echoed with
secrets masked. `aiswatchd config check FILE` runs the same check without starting,
`aiswatchd config show [FILE]` prints the effective configuration as the daemon echoes it, and
`aiswatchd config reference` prints this page.

## Environment variables

A key's variable is `AISWATCH_` and the key in upper case with `.` as `_`: `kafka.brokers` is
`AISWATCH_KAFKA_BROKERS`. Lists are comma-separated (`AISWATCH_KAFKA_INPUT_TOPICS=a,b`; empty:
an empty list), booleans `true` or `false`.

- librdkafka properties: `AISWATCH_KAFKA_CONSUMER_<PROPERTY>` and
  `AISWATCH_KAFKA_PRODUCER_<PROPERTY>` with `_` standing for `.` in the property name (librdkafka
  names have no `_`): `AISWATCH_KAFKA_CONSUMER_SASL_PASSWORD` sets `kafka.consumer` `sasl.password`.
- Sources: `AISWATCH_SOURCES_<NAME>_<KEY>`, e.g. `AISWATCH_SOURCES_COASTAL_PORT` sets
  `sources.coastal.port`. A variable for a source the file does not have creates it.
- Any other variable starting `AISWATCH_` is an error, so a misspelt one is never ignored.

Secrets belong in the environment (or a file only the daemon's user reads): the echo and
`config show` print `***` for every librdkafka property whose name contains `password`, `secret`
or `key` (except the `*.location` properties, which are paths).

## Example

```yaml
)";
  text += reference_example;
  text += R"(```

## Keys

`NAME` is a source's name, lower-case letters, digits and `_`. Sources (besides the Kafka input)
are optional; a key marked with source types applies only to sources of those types.

| key | type | default | environment | allowed | meaning |
|---|---|---|---|---|---|
)";
  for (const auto& key : config_keys()) {
    text += "| `" + key.path + "` | " + key.type + " | " + cell(key.default_text) + " | `" +
            key.environment + "` | " + cell(key.allowed) + " | " + cell(key.meaning) + " |\n";
  }
  return text;
}

}  // namespace aiswatch::app
