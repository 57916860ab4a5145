// The flag a call sign claims: the ITU "Table of allocation of international call sign series"
// (ITU Radio Regulations, Appendix 42, edition of 2020), each series with the ISO 3166-1 alpha-2
// code of the administration it is allocated to. A ship station's call sign is formed from its
// flag state's series (RR Article 19, Section III), so the call sign in a type 5 or 24B report
// states a flag independently of the MMSI's MID: "3FZX8" is Panama's (3EA-3FZ), "HMAB" North
// Korea's (HMA-HMZ), "VRDE7" Hong Kong's (VRA-VRZ).
//
// Provenance: transcribed from Appendix 42 as the ITU publishes it online ("Table of
// International Call Sign Series", https://www.itu.int/en/ITU-R/terrestrial/fmd/Pages/
// call_sign_series.aspx), and cross-checked series by series against a public transcription of
// the same table (a Ruby table keyed by ISO 3166-1 alpha-3, "extracted from the ITU Table of
// International Call Sign Series (Appendix 42)"). Where that transcription differs it is in
// error against the ITU text (it gives TF to Ireland, S2-S3 to Belarus, 5U to Nigeria and 5W to
// American Samoa: they are Iceland's, Bangladesh's, Niger's and Samoa's). Where the two left a
// doubt the narrower reading is kept (Equatorial Guinea: 3CA-3CQ). Left out, so that such call
// signs are never checked: series of international organisations (4UA-4UZ United Nations,
// 4YA-4YZ ICAO, C7A-C7Z WMO) and unallocated or returned series (E8, E9, H5, J9, S4, T9, V9, YZ,
// Z4-Z7, Z9, 4N, ...).
// Territories with series of their own carry the territory's code where Appendix 42 names it
// (VRA-VRZ "China - Hong Kong" HK, XXA-XXZ "China - Macao" MO, P4A-P4Z "Netherlands - Aruba" AW,
// PJA-PJZ "Netherlands - Curacao, Sint Maarten, Bonaire, Sint Eustatius and Saba" CW like MID
// 306 in mid_table.cpp, E5A-E5Z "New Zealand - Cook Islands" CK, E6A-E6Z "New Zealand - Niue"
// NU). Most territories have no series of their own and use their state's (a Bermuda ship's
// call sign is from the United Kingdom's ZBA-ZJZ): see callsign_fits_flag.
//
// One row per series, in the order of Appendix 42 (letters before digits in the second place, as
// the ITU prints it); identity.cpp's habit is kept: a sorted copy is built once for lookups by
// the call sign's first three characters.
#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

#include "ais/identity.h"

namespace aiswatch::ais {
namespace {

// clang-format off
constexpr CallsignSeries series_table[] = {
    {"AAA", "ALZ", "US"}, {"AMA", "AOZ", "ES"}, {"APA", "ASZ", "PK"}, {"ATA", "AWZ", "IN"},
    {"AXA", "AXZ", "AU"}, {"AYA", "AZZ", "AR"},
    {"A2A", "A2Z", "BW"}, {"A3A", "A3Z", "TO"}, {"A4A", "A4Z", "OM"}, {"A5A", "A5Z", "BT"},
    {"A6A", "A6Z", "AE"}, {"A7A", "A7Z", "QA"}, {"A8A", "A8Z", "LR"}, {"A9A", "A9Z", "BH"},
    {"BAA", "BZZ", "CN"},
    {"CAA", "CEZ", "CL"}, {"CFA", "CKZ", "CA"}, {"CLA", "CMZ", "CU"}, {"CNA", "CNZ", "MA"},
    {"COA", "COZ", "CU"}, {"CPA", "CPZ", "BO"}, {"CQA", "CUZ", "PT"}, {"CVA", "CXZ", "UY"},
    {"CYA", "CZZ", "CA"},
    {"C2A", "C2Z", "NR"}, {"C3A", "C3Z", "AD"}, {"C4A", "C4Z", "CY"}, {"C5A", "C5Z", "GM"},
    {"C6A", "C6Z", "BS"}, {"C8A", "C9Z", "MZ"},
    {"DAA", "DRZ", "DE"}, {"DSA", "DTZ", "KR"}, {"DUA", "DZZ", "PH"},
    {"D2A", "D3Z", "AO"}, {"D4A", "D4Z", "CV"}, {"D5A", "D5Z", "LR"}, {"D6A", "D6Z", "KM"},
    {"D7A", "D9Z", "KR"},
    {"EAA", "EHZ", "ES"}, {"EIA", "EJZ", "IE"}, {"EKA", "EKZ", "AM"}, {"ELA", "ELZ", "LR"},
    {"EMA", "EOZ", "UA"}, {"EPA", "EQZ", "IR"}, {"ERA", "ERZ", "MD"}, {"ESA", "ESZ", "EE"},
    {"ETA", "ETZ", "ET"}, {"EUA", "EWZ", "BY"}, {"EXA", "EXZ", "KG"}, {"EYA", "EYZ", "TJ"},
    {"EZA", "EZZ", "TM"},
    {"E2A", "E2Z", "TH"}, {"E3A", "E3Z", "ER"}, {"E4A", "E4Z", "PS"}, {"E5A", "E5Z", "CK"},
    {"E6A", "E6Z", "NU"}, {"E7A", "E7Z", "BA"},
    {"FAA", "FZZ", "FR"},
    {"GAA", "GZZ", "GB"},
    {"HAA", "HAZ", "HU"}, {"HBA", "HBZ", "CH"}, {"HCA", "HDZ", "EC"}, {"HEA", "HEZ", "CH"},
    {"HFA", "HFZ", "PL"}, {"HGA", "HGZ", "HU"}, {"HHA", "HHZ", "HT"}, {"HIA", "HIZ", "DO"},
    {"HJA", "HKZ", "CO"}, {"HLA", "HLZ", "KR"}, {"HMA", "HMZ", "KP"}, {"HNA", "HNZ", "IQ"},
    {"HOA", "HPZ", "PA"}, {"HQA", "HRZ", "HN"}, {"HSA", "HSZ", "TH"}, {"HTA", "HTZ", "NI"},
    {"HUA", "HUZ", "SV"}, {"HVA", "HVZ", "VA"}, {"HWA", "HYZ", "FR"}, {"HZA", "HZZ", "SA"},
    {"H2A", "H2Z", "CY"}, {"H3A", "H3Z", "PA"}, {"H4A", "H4Z", "SB"}, {"H6A", "H7Z", "NI"},
    {"H8A", "H9Z", "PA"},
    {"IAA", "IZZ", "IT"},
    {"JAA", "JSZ", "JP"}, {"JTA", "JVZ", "MN"}, {"JWA", "JXZ", "NO"}, {"JYA", "JYZ", "JO"},
    {"JZA", "JZZ", "ID"},
    {"J2A", "J2Z", "DJ"}, {"J3A", "J3Z", "GD"}, {"J4A", "J4Z", "GR"}, {"J5A", "J5Z", "GW"},
    {"J6A", "J6Z", "LC"}, {"J7A", "J7Z", "DM"}, {"J8A", "J8Z", "VC"},
    {"KAA", "KZZ", "US"},
    {"LAA", "LNZ", "NO"}, {"LOA", "LWZ", "AR"}, {"LXA", "LXZ", "LU"}, {"LYA", "LYZ", "LT"},
    {"LZA", "LZZ", "BG"},
    {"L2A", "L9Z", "AR"},
    {"MAA", "MZZ", "GB"},
    {"NAA", "NZZ", "US"},
    {"OAA", "OCZ", "PE"}, {"ODA", "ODZ", "LB"}, {"OEA", "OEZ", "AT"}, {"OFA", "OJZ", "FI"},
    {"OKA", "OLZ", "CZ"}, {"OMA", "OMZ", "SK"}, {"ONA", "OTZ", "BE"}, {"OUA", "OZZ", "DK"},
    {"PAA", "PIZ", "NL"}, {"PJA", "PJZ", "CW"}, {"PKA", "POZ", "ID"}, {"PPA", "PYZ", "BR"},
    {"PZA", "PZZ", "SR"},
    {"P2A", "P2Z", "PG"}, {"P3A", "P3Z", "CY"}, {"P4A", "P4Z", "AW"}, {"P5A", "P9Z", "KP"},
    {"RAA", "RZZ", "RU"},
    {"SAA", "SMZ", "SE"}, {"SNA", "SRZ", "PL"}, {"SSA", "SSM", "EG"}, {"SSN", "STZ", "SD"},
    {"SUA", "SUZ", "EG"}, {"SVA", "SZZ", "GR"},
    {"S2A", "S3Z", "BD"}, {"S5A", "S5Z", "SI"}, {"S6A", "S6Z", "SG"}, {"S7A", "S7Z", "SC"},
    {"S8A", "S8Z", "ZA"}, {"S9A", "S9Z", "ST"},
    {"TAA", "TCZ", "TR"}, {"TDA", "TDZ", "GT"}, {"TEA", "TEZ", "CR"}, {"TFA", "TFZ", "IS"},
    {"TGA", "TGZ", "GT"}, {"THA", "THZ", "FR"}, {"TIA", "TIZ", "CR"}, {"TJA", "TJZ", "CM"},
    {"TKA", "TKZ", "FR"}, {"TLA", "TLZ", "CF"}, {"TMA", "TMZ", "FR"}, {"TNA", "TNZ", "CG"},
    {"TOA", "TQZ", "FR"}, {"TRA", "TRZ", "GA"}, {"TSA", "TSZ", "TN"}, {"TTA", "TTZ", "TD"},
    {"TUA", "TUZ", "CI"}, {"TVA", "TXZ", "FR"}, {"TYA", "TYZ", "BJ"}, {"TZA", "TZZ", "ML"},
    {"T2A", "T2Z", "TV"}, {"T3A", "T3Z", "KI"}, {"T4A", "T4Z", "CU"}, {"T5A", "T5Z", "SO"},
    {"T6A", "T6Z", "AF"}, {"T7A", "T7Z", "SM"}, {"T8A", "T8Z", "PW"},
    {"UAA", "UIZ", "RU"}, {"UJA", "UMZ", "UZ"}, {"UNA", "UQZ", "KZ"}, {"URA", "UZZ", "UA"},
    {"VAA", "VGZ", "CA"}, {"VHA", "VNZ", "AU"}, {"VOA", "VOZ", "CA"}, {"VPA", "VQZ", "GB"},
    {"VRA", "VRZ", "HK"}, {"VSA", "VSZ", "GB"}, {"VTA", "VWZ", "IN"}, {"VXA", "VYZ", "CA"},
    {"VZA", "VZZ", "AU"},
    {"V2A", "V2Z", "AG"}, {"V3A", "V3Z", "BZ"}, {"V4A", "V4Z", "KN"}, {"V5A", "V5Z", "NA"},
    {"V6A", "V6Z", "FM"}, {"V7A", "V7Z", "MH"}, {"V8A", "V8Z", "BN"},
    {"WAA", "WZZ", "US"},
    {"XAA", "XIZ", "MX"}, {"XJA", "XOZ", "CA"}, {"XPA", "XPZ", "DK"}, {"XQA", "XRZ", "CL"},
    {"XSA", "XSZ", "CN"}, {"XTA", "XTZ", "BF"}, {"XUA", "XUZ", "KH"}, {"XVA", "XVZ", "VN"},
    {"XWA", "XWZ", "LA"}, {"XXA", "XXZ", "MO"}, {"XYA", "XZZ", "MM"},
    {"YAA", "YAZ", "AF"}, {"YBA", "YHZ", "ID"}, {"YIA", "YIZ", "IQ"}, {"YJA", "YJZ", "VU"},
    {"YKA", "YKZ", "SY"}, {"YLA", "YLZ", "LV"}, {"YMA", "YMZ", "TR"}, {"YNA", "YNZ", "NI"},
    {"YOA", "YRZ", "RO"}, {"YSA", "YSZ", "SV"}, {"YTA", "YUZ", "RS"}, {"YVA", "YYZ", "VE"},
    {"Y2A", "Y9Z", "DE"},
    {"ZAA", "ZAZ", "AL"}, {"ZBA", "ZJZ", "GB"}, {"ZKA", "ZMZ", "NZ"}, {"ZNA", "ZOZ", "GB"},
    {"ZPA", "ZPZ", "PY"}, {"ZQA", "ZQZ", "GB"}, {"ZRA", "ZUZ", "ZA"}, {"ZVA", "ZZZ", "BR"},
    {"Z2A", "Z2Z", "ZW"}, {"Z3A", "Z3Z", "MK"}, {"Z8A", "Z8Z", "SS"},
    {"2AA", "2ZZ", "GB"},
    {"3AA", "3AZ", "MC"}, {"3BA", "3BZ", "MU"}, {"3CA", "3CQ", "GQ"}, {"3DA", "3DM", "SZ"},
    {"3DN", "3DZ", "FJ"}, {"3EA", "3FZ", "PA"}, {"3GA", "3GZ", "CL"}, {"3HA", "3UZ", "CN"},
    {"3VA", "3VZ", "TN"}, {"3WA", "3WZ", "VN"}, {"3XA", "3XZ", "GN"}, {"3YA", "3YZ", "NO"},
    {"3ZA", "3ZZ", "PL"},
    {"4AA", "4CZ", "MX"}, {"4DA", "4IZ", "PH"}, {"4JA", "4KZ", "AZ"}, {"4LA", "4LZ", "GE"},
    {"4MA", "4MZ", "VE"}, {"4OA", "4OZ", "ME"}, {"4PA", "4SZ", "LK"}, {"4TA", "4TZ", "PE"},
    {"4VA", "4VZ", "HT"}, {"4WA", "4WZ", "TL"}, {"4XA", "4XZ", "IL"}, {"4ZA", "4ZZ", "IL"},
    {"5AA", "5AZ", "LY"}, {"5BA", "5BZ", "CY"}, {"5CA", "5GZ", "MA"}, {"5HA", "5IZ", "TZ"},
    {"5JA", "5KZ", "CO"}, {"5LA", "5MZ", "LR"}, {"5NA", "5OZ", "NG"}, {"5PA", "5QZ", "DK"},
    {"5RA", "5SZ", "MG"}, {"5TA", "5TZ", "MR"}, {"5UA", "5UZ", "NE"}, {"5VA", "5VZ", "TG"},
    {"5WA", "5WZ", "WS"}, {"5XA", "5XZ", "UG"}, {"5YA", "5ZZ", "KE"},
    {"6AA", "6BZ", "EG"}, {"6CA", "6CZ", "SY"}, {"6DA", "6JZ", "MX"}, {"6KA", "6NZ", "KR"},
    {"6OA", "6OZ", "SO"}, {"6PA", "6SZ", "PK"}, {"6TA", "6UZ", "SD"}, {"6VA", "6WZ", "SN"},
    {"6XA", "6XZ", "MG"}, {"6YA", "6YZ", "JM"}, {"6ZA", "6ZZ", "LR"},
    {"7AA", "7IZ", "ID"}, {"7JA", "7NZ", "JP"}, {"7OA", "7OZ", "YE"}, {"7PA", "7PZ", "LS"},
    {"7QA", "7QZ", "MW"}, {"7RA", "7RZ", "DZ"}, {"7SA", "7SZ", "SE"}, {"7TA", "7YZ", "DZ"},
    {"7ZA", "7ZZ", "SA"},
    {"8AA", "8IZ", "ID"}, {"8JA", "8NZ", "JP"}, {"8OA", "8OZ", "BW"}, {"8PA", "8PZ", "BB"},
    {"8QA", "8QZ", "MV"}, {"8RA", "8RZ", "GY"}, {"8SA", "8SZ", "SE"}, {"8TA", "8YZ", "IN"},
    {"8ZA", "8ZZ", "SA"},
    {"9AA", "9AZ", "HR"}, {"9BA", "9DZ", "IR"}, {"9EA", "9FZ", "ET"}, {"9GA", "9GZ", "GH"},
    {"9HA", "9HZ", "MT"}, {"9IA", "9JZ", "ZM"}, {"9KA", "9KZ", "KW"}, {"9LA", "9LZ", "SL"},
    {"9MA", "9MZ", "MY"}, {"9NA", "9NZ", "NP"}, {"9OA", "9TZ", "CD"}, {"9UA", "9UZ", "BI"},
    {"9VA", "9VZ", "SG"}, {"9WA", "9WZ", "MY"}, {"9XA", "9XZ", "RW"}, {"9YA", "9ZZ", "TT"},
};
// clang-format on

// Territories that have no call sign series of their own, or whose ships may also carry their
// state's call signs: a flag (the MMSI's MID, ISO 3166-1 alpha-2) and the state whose series its
// call signs may come from. Faroese ships are OW.../OY..., Greenland's OX.../XP... (Denmark);
// British overseas territories use the United Kingdom's series (Bermuda ZC..., Cayman ZC...,
// Gibraltar ZB...); American, French, Dutch and Australian territories their state's;
// Taiwan's ships carry call signs of series BAA-BZZ, which Appendix 42 lists under China.
struct FlagSeries {
  std::string_view flag;
  std::string_view series_state;
};
constexpr FlagSeries territory_series[] = {
    {"AI", "GB"}, {"AS", "US"}, {"AW", "NL"}, {"BM", "GB"}, {"CC", "AU"}, {"CK", "NZ"},
    {"CW", "NL"}, {"CX", "AU"}, {"FK", "GB"}, {"FO", "DK"}, {"GF", "FR"}, {"GI", "GB"},
    {"GL", "DK"}, {"GP", "FR"}, {"GU", "US"}, {"HK", "CN"}, {"IO", "GB"}, {"KY", "GB"},
    {"MO", "CN"}, {"MP", "US"}, {"MQ", "FR"}, {"MS", "GB"}, {"NC", "FR"}, {"NF", "AU"},
    {"NU", "NZ"}, {"PF", "FR"}, {"PM", "FR"}, {"PN", "GB"}, {"PR", "US"}, {"RE", "FR"},
    {"SH", "GB"}, {"SX", "NL"}, {"TC", "GB"}, {"TF", "FR"}, {"TK", "NZ"}, {"TW", "CN"},
    {"UM", "US"}, {"VG", "GB"}, {"VI", "US"}, {"WF", "FR"}, {"YT", "FR"}, {"BQ", "NL"},
};

bool is_letter(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct SortedSeries {
  std::array<CallsignSeries, std::size(series_table)> rows{};
  SortedSeries() {
    std::copy(std::begin(series_table), std::end(series_table), rows.begin());
    std::sort(rows.begin(), rows.end(),
              [](const CallsignSeries& a, const CallsignSeries& b) { return a.first < b.first; });
  }
};

const SortedSeries& sorted_series() {
  static const SortedSeries sorted;
  return sorted;
}

std::string_view lookup3(std::string_view first3) {
  // The last series starting at or before `first3`; it holds `first3` when first3 <= its last.
  const auto& rows = sorted_series().rows;
  auto it =
      std::upper_bound(rows.begin(), rows.end(), first3,
                       [](std::string_view key, const CallsignSeries& s) { return key < s.first; });
  if (it == rows.begin()) return {};
  --it;
  return first3 <= it->last ? it->iso2 : std::string_view{};
}

}  // namespace

std::span<const CallsignSeries> callsign_series_table() { return series_table; }

std::string_view callsign_country(std::string_view callsign) {
  if (callsign.size() < 3) return {};
  for (char c : callsign)
    if (!is_letter(c) && !is_digit(c)) return {};
  // Appendix 42 writes series with a letter in third place ("AAA-ALZ"), and the nationality is
  // in the first two characters except where a series splits on the third (3DA-3DM Eswatini,
  // 3DN-3DZ Fiji; SSA-SSM Egypt, SSN-STZ Sudan). A call sign whose third character is a digit
  // ("WDC1234" has a letter, "KB2ABC" not) belongs to the country both ends of its two-character
  // block agree on, and to none where they differ.
  if (is_letter(callsign[2])) return lookup3(callsign.substr(0, 3));
  const char low[3] = {callsign[0], callsign[1], 'A'};
  const char high[3] = {callsign[0], callsign[1], 'Z'};
  const std::string_view a = lookup3({low, 3}), z = lookup3({high, 3});
  return a == z ? a : std::string_view{};
}

bool ship_station_form(std::string_view c) {
  // RR Article 19, Nos. 19.29-19.30: two characters (the series) then two letters, or two
  // letters and a figure; or (radiotelephony only) four figures after two characters whose
  // second is a letter, or after two characters and a letter. "3FZX8", "HMAB", "WDC1234".
  auto letters = [&](std::size_t from, std::size_t n) {
    return std::all_of(c.begin() + static_cast<std::ptrdiff_t>(from),
                       c.begin() + static_cast<std::ptrdiff_t>(from + n), is_letter);
  };
  auto digits = [&](std::size_t from, std::size_t n) {
    return std::all_of(c.begin() + static_cast<std::ptrdiff_t>(from),
                       c.begin() + static_cast<std::ptrdiff_t>(from + n), is_digit);
  };
  switch (c.size()) {
    case 4:
      return letters(2, 2);
    case 5:
      return letters(2, 2) && digits(4, 1);
    case 6:
      return is_letter(c[1]) && digits(2, 4);
    case 7:
      return letters(2, 1) && digits(3, 4);
    default:
      return false;
  }
}

std::optional<bool> callsign_fits_flag(std::string_view callsign, std::string_view flag_iso2) {
  if (flag_iso2.empty() || callsign_is_placeholder(callsign)) return std::nullopt;
  // Class B boats often carry their name in the field ("THERAPY", "POLARIS"), unconfigured
  // transponders a filler ("XXXXX"): a text not formed as a ship's call sign states no flag.
  if (!ship_station_form(callsign)) return std::nullopt;
  const std::string_view country = callsign_country(callsign);
  if (country.empty()) return std::nullopt;
  if (country == flag_iso2) return true;
  for (const FlagSeries& t : territory_series)
    if (t.flag == flag_iso2) return country == t.series_state;
  return false;
}

bool callsign_is_placeholder(std::string_view callsign) {
  // Texts sent by transponders whose call sign was never configured; each would otherwise read
  // as some country's series (NONE as the United States', UNKNOWN as Kazakhstan's).
  static constexpr std::array<std::string_view, 9> placeholders = {
      "NONE", "NIL", "NULL", "NA", "UNKNOWN", "NOCALL", "TEST", "CALLSIGN", "0"};
  return std::find(placeholders.begin(), placeholders.end(), callsign) != placeholders.end();
}

}  // namespace aiswatch::ais
