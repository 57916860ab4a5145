#include "ruleset/watchlist.h"

#include <charconv>

#include "ais/identity.h"

namespace aiswatch::ruleset {
namespace {

struct Record {
  std::size_t line = 0;  // where the record starts (a quoted field may span lines)
  std::vector<std::string> fields;
  bool any_quoted = false;
  std::string error;
};

// RFC 4180 section 2, read record by record. Both CRLF and LF end a record.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  bool next(Record& record) {
    if (pos_ >= text_.size()) return false;
    record = Record{};
    record.line = line_;
    record.fields.emplace_back();
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ',') {
        ++pos_;
        record.fields.emplace_back();
      } else if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        pos_ += 2;
        ++line_;
        return true;
      } else if (c == '\n') {
        ++pos_;
        ++line_;
        return true;
      } else if (c == '"' && record.fields.back().empty()) {
        record.any_quoted = true;
        if (!read_quoted(record.fields.back())) {
          record.error = "unterminated quoted field";
          return true;
        }
        if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\r' &&
            text_[pos_] != '\n') {
          record.error = "text after a closing quote (write a quote inside a field as \"\")";
          skip_line();
          return true;
        }
      } else if (c == '"') {
        record.error = "quote inside an unquoted field (quote the whole field)";
        skip_line();
        return true;
      } else {
        record.fields.back() += c;
        ++pos_;
      }
    }
    return true;
  }

 private:
  bool read_quoted(std::string& field) {
    ++pos_;  // opening quote
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          field += '"';
          ++pos_;
          continue;
        }
        return true;
      }
      if (c == '\n') ++line_;
      field += c;
    }
    return false;
  }
  void skip_line() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    if (pos_ < text_.size()) {
      ++pos_;
      ++line_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Exactly `digits` decimal digits, as a number; false otherwise.
bool parse_digits(std::string_view text, std::size_t digits, uint32_t& value) {
  if (text.size() != digits) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

const WatchlistEntry* Watchlist::by_mmsi(uint32_t mmsi) const {
  const auto it = by_mmsi_.find(mmsi);
  return it == by_mmsi_.end() ? nullptr : &entries_[it->second];
}

const WatchlistEntry* Watchlist::by_imo(uint32_t imo) const {
  const auto it = by_imo_.find(imo);
  return it == by_imo_.end() ? nullptr : &entries_[it->second];
}

const WatchlistEntry* Watchlist::find(uint32_t mmsi, uint32_t imo) const {
  if (mmsi != 0) {
    if (const auto* entry = by_mmsi(mmsi)) return entry;
  }
  return imo != 0 ? by_imo(imo) : nullptr;
}

Watchlist Watchlist::parse(const std::string& file, std::string_view text, LoadErrors& errors) {
  Watchlist list;
  const auto fail = [&](std::size_t line, std::string message) {
    errors.push_back(LoadError{file, line, "", std::move(message)});
  };
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 BOM, as spreadsheets write
  CsvReader reader(text);
  Record record;
  bool header_seen = false;
  while (reader.next(record)) {
    if (!record.error.empty()) {
      fail(record.line, record.error);
      if (!header_seen) return list;
      continue;
    }
    if (record.fields.size() == 1 && !record.any_quoted && trim(record.fields[0]).empty()) {
      continue;  // blank line
    }
    if (!header_seen) {
      header_seen = true;
      const bool header_ok = record.fields.size() == 4 && trim(record.fields[0]) == "mmsi" &&
                             trim(record.fields[1]) == "imo" && trim(record.fields[2]) == "name" &&
                             trim(record.fields[3]) == "reason";
      if (!header_ok) {
        fail(record.line, "header must be 'mmsi,imo,name,reason'");
        return list;
      }
      continue;
    }
    if (record.fields.size() != 4) {
      fail(record.line, "expected 4 fields (mmsi,imo,name,reason), found " +
                            std::to_string(record.fields.size()));
      continue;
    }
    WatchlistEntry entry;
    entry.line = record.line;
    const std::string_view mmsi_text = trim(record.fields[0]);
    const std::string_view imo_text = trim(record.fields[1]);
    entry.name = std::string(trim(record.fields[2]));
    entry.reason = std::string(trim(record.fields[3]));
    bool ok = true;
    if (mmsi_text.empty() && imo_text.empty()) {
      fail(record.line, "neither mmsi nor imo is given");
      ok = false;
    }
    if (!mmsi_text.empty() && !parse_digits(mmsi_text, 9, entry.mmsi)) {
      fail(record.line, "mmsi '" + std::string(mmsi_text) + "' is not nine digits");
      ok = false;
    }
    if (!imo_text.empty()) {
      if (!parse_digits(imo_text, 7, entry.imo) || entry.imo < 1'000'000u) {
        fail(record.line, "imo '" + std::string(imo_text) + "' is not seven digits");
        entry.imo = 0;
        ok = false;
      } else if (!ais::imo_check_digit_valid(entry.imo)) {
        fail(record.line, "imo " + std::string(imo_text) + " fails its check digit");
        ok = false;
      }
    }
    if (entry.reason.empty()) {
      fail(record.line, "reason is empty (alerts carry it to the watch floor)");
      ok = false;
    }
    if (entry.mmsi != 0) {
      if (const auto* other = list.by_mmsi(entry.mmsi)) {
        fail(record.line, "mmsi " + std::string(mmsi_text) + " is already listed on line " +
                              std::to_string(other->line));
        ok = false;
      }
    }
    if (entry.imo != 0) {
      if (const auto* other = list.by_imo(entry.imo)) {
        fail(record.line, "imo " + std::string(imo_text) + " is already listed on line " +
                              std::to_string(other->line));
        ok = false;
      }
    }
    if (!ok) continue;
    const auto index = static_cast<uint32_t>(list.entries_.size());
    if (entry.mmsi != 0) list.by_mmsi_.emplace(entry.mmsi, index);
    if (entry.imo != 0) list.by_imo_.emplace(entry.imo, index);
    list.entries_.push_back(std::move(entry));
  }
  if (!header_seen) fail(1, "empty file: the header 'mmsi,imo,name,reason' is missing");
  return list;
}

}  // namespace aiswatch::ruleset
