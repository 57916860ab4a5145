#pragma once
// Identity derived from the numbers a vessel transmits: the flag state from the MMSI's Maritime
// Identification Digits (ITU MID table), the kind of station the MMSI belongs to (ITU-R M.585),
// the IMO number's check digit, and the flag a call sign's ITU series states (RR Appendix 42).
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "ais/message.h"

namespace aiswatch::ais {

struct FlagState {
  uint16_t mid;
  std::string_view iso2;  // ISO 3166-1 alpha-2 code, e.g. "KP"
  std::string_view name;  // e.g. "Korea (Democratic People's Republic of)"
};

// The station category and the MID embedded in an MMSI (mid = 0 when the form has none).
struct MmsiIdentity {
  MmsiCategory category = MmsiCategory::invalid;
  uint16_t mid = 0;
};
MmsiIdentity classify_mmsi(uint32_t mmsi);

// The flag state a MID is allocated to, or nullptr for an unallocated MID. O(1): one array load.
const FlagState* flag_for_mid(uint16_t mid);

// Every allocation of the ITU MID table (mid_table.cpp, which cites its sources), sorted by MID.
std::span<const FlagState> mid_table();

// Stable snake_case name of a category, for JSON and logs.
std::string_view to_string(MmsiCategory category);

// IMO ship identification numbers are seven digits whose last digit is the sum of the first six
// multiplied by 7, 6, 5, 4, 3, 2, modulo 10 (IMO Resolution A.1078(28)).
bool imo_check_digit_valid(uint32_t imo);

// One series of the ITU table of international call sign series (Radio Regulations Appendix 42;
// callsign_prefixes.cpp cites its sources): call signs whose first three characters lie in
// [first, last] are the administration's, e.g. {"HMA", "HMZ", "KP"}.
struct CallsignSeries {
  std::string_view first;
  std::string_view last;
  std::string_view iso2;  // ISO 3166-1 alpha-2 of the administration (or territory) holding it
};
std::span<const CallsignSeries> callsign_series_table();  // in Appendix 42's order

// The country (ISO 3166-1 alpha-2) whose call sign series `callsign` belongs to; empty when it
// is in no allocated series, shorter than three characters, or has characters other than A-Z
// and 0-9. A ship's call sign states its flag: "3FZX8" is "PA".
std::string_view callsign_country(std::string_view callsign);

// Whether a call sign can belong to a ship of flag `flag_iso2` (the MMSI's MID, FlagState::iso2):
// its series is the flag's own, or, for a territory, its state's (a Bermuda ship's "ZCxx4" is
// the United Kingdom's series). nullopt when it cannot be told: unknown series, no flag, a
// placeholder never configured (callsign_is_placeholder), or a text not formed as a ship
// station's call sign is (ship_station_form).
std::optional<bool> callsign_fits_flag(std::string_view callsign, std::string_view flag_iso2);
bool callsign_is_placeholder(std::string_view callsign);  // "NONE", "UNKNOWN", ...
// Formed as RR Article 19 (Nos. 19.29-19.30) forms ship station call signs: two characters then
// two letters (and a figure), or then four figures (the second a letter), or then a letter and
// four figures: "HMAB", "3FZX8", "WDC1234"; not "THERAPY", "XXXXX", "FAG".
bool ship_station_form(std::string_view callsign);

}  // namespace aiswatch::ais
