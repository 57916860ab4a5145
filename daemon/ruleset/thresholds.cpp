#include "ruleset/thresholds.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace aiswatch::ruleset {
namespace {

std::string known_sections() {
  std::string text;
  for (const auto& s : threshold_specs) {
    if (text.find(std::string(s.section)) != std::string::npos) continue;
    if (!text.empty()) text += ", ";
    text += s.section;
  }
  return text;
}

const ThresholdSpec* find_spec(std::string_view section, std::string_view key,
                               std::size_t& index) {
  for (std::size_t i = 0; i < threshold_count; ++i) {
    if (threshold_specs[i].section == section && threshold_specs[i].key == key) {
      index = i;
      return &threshold_specs[i];
    }
  }
  return nullptr;
}

bool section_known(std::string_view section) {
  for (const auto& s : threshold_specs) {
    if (s.section == section) return true;
  }
  return false;
}

// A plain decimal number, the whole text; YAML's own number forms (.inf, 0x..) are not accepted.
bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                         std::chars_format::fixed);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(value);
}

double unit_seconds(std::string_view unit) {
  if (unit == "s") return 1;
  if (unit == "min") return 60;
  if (unit == "h") return 3600;
  return 0;
}

// Appends `words` as "  # " comment lines no wider than 100 columns (the repository's limit).
void append_comment(std::string& text, std::string_view words) {
  constexpr std::size_t width = 100;
  constexpr std::string_view prefix = "  #";
  std::size_t line_length = 0;
  while (!words.empty()) {
    const std::size_t space = words.find(' ');
    const std::string_view word = words.substr(0, space);
    words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
    if (word.empty()) continue;
    if (line_length == 0 || line_length + 1 + word.size() > width) {
      if (line_length != 0) text += '\n';
      text += prefix;
      line_length = prefix.size();
    }
    text += ' ';
    text += word;
    line_length += 1 + word.size();
  }
  text += '\n';
}

}  // namespace

std::string ThresholdSpec::path() const {
  std::string text(section);
  text += '.';
  text += key;
  return text;
}

const ThresholdSpec& spec(ThresholdId id) { return threshold_specs[static_cast<std::size_t>(id)]; }

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  return buffer;
}

Thresholds::Thresholds() {
  for (std::size_t i = 0; i < threshold_count; ++i) values_[i] = threshold_specs[i].default_value;
}

double Thresholds::seconds(ThresholdId id) const {
  return value(id) * unit_seconds(spec(id).unit);
}

int64_t Thresholds::milliseconds(ThresholdId id) const {
  return static_cast<int64_t>(std::llround(seconds(id) * 1000.0));
}

std::vector<ThresholdId> Thresholds::differences() const {
  std::vector<ThresholdId> ids;
  for (std::size_t i = 0; i < threshold_count; ++i) {
    if (values_[i] != threshold_specs[i].default_value) ids.push_back(static_cast<ThresholdId>(i));
  }
  return ids;
}

Thresholds Thresholds::parse(const std::string& file, std::string_view text,
                             LoadErrors& errors) {
  Thresholds thresholds;
  const auto fail = [&](std::string where, std::string message) {
    errors.push_back(LoadError{file, 0, std::move(where), std::move(message)});
  };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    errors.push_back(LoadError{file, static_cast<std::size_t>(e.mark.line) + 1, "",
                               "not valid YAML: " + e.msg});
    return thresholds;
  }
  if (root.IsNull()) return thresholds;  // an empty file: every default
  if (!root.IsMap()) {
    fail("", "must be a map of sections (" + known_sections() + ")");
    return thresholds;
  }
  for (const auto& section_entry : root) {
    // YAML allows lists and maps as keys ("? [a, b]: 1"); as<std::string>() throws on them.
    if (!section_entry.first.IsScalar()) {
      fail("", "a section name must be a plain word (" + known_sections() + ")");
      continue;
    }
    const std::string section = section_entry.first.as<std::string>();
    if (!section_known(section)) {
      fail(section, "unknown section (known: " + known_sections() + ")");
      continue;
    }
    const YAML::Node& keys = section_entry.second;
    if (keys.IsNull()) continue;
    if (!keys.IsMap()) {
      fail(section, "must be a map of thresholds");
      continue;
    }
    for (const auto& key_entry : keys) {
      if (!key_entry.first.IsScalar()) {
        fail(section, "a threshold name must be a plain word, not a list or map");
        continue;
      }
      const std::string key = key_entry.first.as<std::string>();
      const std::string path = section + "." + key;
      std::size_t index = 0;
      const ThresholdSpec* s = find_spec(section, key, index);
      if (s == nullptr) {
        fail(path, "unknown key");
        continue;
      }
      if (!key_entry.second.IsScalar()) {
        fail(path, "must be a number");
        continue;
      }
      const std::string& scalar = key_entry.second.Scalar();
      double value = 0;
      if (!parse_number(scalar, value)) {
        fail(path, "'" + scalar + "' is not a number");
        continue;
      }
      if (s->type == ThresholdType::integer && value != std::floor(value)) {
        fail(path, scalar + " is not a whole number");
        continue;
      }
      if (value < s->min || value > s->max) {
        fail(path, scalar + " is out of range [" + format_number(s->min) + ", " +
                       format_number(s->max) + "]");
        continue;
      }
      thresholds.values_[index] = value;
    }
  }
  // Relations between keys that the per-key ranges cannot express.
  if (thresholds.seconds(ThresholdId::rendezvous_provisional_after_min) >=
      thresholds.seconds(ThresholdId::rendezvous_confirmed_after_h)) {
    fail("rendezvous.provisional_after_min",
         "must be shorter than rendezvous.confirmed_after_h");
  }
  if (thresholds.value(ThresholdId::dark_period_watchlisted_threshold_h) >
      thresholds.value(ThresholdId::dark_period_threshold_h)) {
    fail("dark_period.watchlisted_threshold_h", "must not be longer than dark_period.threshold_h");
  }
  return thresholds;
}

std::string Thresholds::default_yaml() {
  std::string text =
      "# detectors.yaml: aiswatch detector thresholds. Every key with its default, generated by\n"
      "# `aiswatchd rules defaults` from the one table in daemon/ruleset/thresholds.h. A key left\n"
      "# out (or a missing file) takes its default; an unknown key or a value out of range is an\n"
      "# error. GFW = Global Fishing Watch.\n";
  std::string_view section;
  for (const auto& s : threshold_specs) {
    if (s.section != section) {
      section = s.section;
      text += "\n";
      text += section;
      text += ":\n";
    }
    append_comment(text, s.meaning);
    append_comment(text, "Range [" + format_number(s.min) + ", " + format_number(s.max) + "] " +
                             std::string(s.unit) + ". Default: " + std::string(s.source));
    text += "  ";
    text += s.key;
    text += ": " + format_number(s.default_value) + "\n";
  }
  return text;
}

}  // namespace aiswatch::ruleset
