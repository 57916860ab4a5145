#pragma once
// Identity derived from the numbers a vessel transmits: the flag state from the MMSI's Maritime
// Identification Digits (ITU MID table), the kind of station the MMSI belongs to (ITU-R M.585),
// and the IMO number's check digit.
#include <cstdint>
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

}  // namespace aiswatch::ais
