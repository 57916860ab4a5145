// MMSI forms from ITU-R M.585-9 (05/2022), Annex 1 "Assignment and use of maritime mobile service
// identities". The MMSI travels as a 30-bit integer, so the leading zeros of group (0MID...) and
// coast station (00MID...) identities are lost in transit: the number is read as nine digits,
// zero-padded on the left. That is also how "short" MMSIs seen on the air are meant — e.g.
// type 4 base station 2311200 is 002311200, a coast station of MID 231 (Faroe Islands).
//
// Edge cases, decided here and pinned by identity_test.cpp:
//  - A MID is three digits whose first digit is 2..7 (the ITU "zones"). A form whose MID position
//    holds anything else (00123xxxx, 0912345678, 111812345, 812345678, 98012xxxx, 99900xxxx) is
//    invalid: it is not an identity of that form, and no other form claims it.
//  - 000000000 (a common default in unconfigured transponders) and every other all-zero-prefix
//    number with no valid MID is invalid.
//  - 1xxxxxxxx other than 111MIDxxx is invalid (M.585-9 gives the leading 1 only to SAR aircraft).
//  - 9xxxxxxxx: 970 AIS-SART, 972 MOB, 974 EPIRB-AIS (no MID: the next two digits are the
//    manufacturer, the last four the serial); 98MID craft associated with a parent ship; 99MID
//    aids to navigation; everything else (90..96, 971, 973, 975..979) is invalid.
//  - 8MIDxxxxx handheld VHF (M.585-9 Annex 1 section 7); a MID not starting 2..7 is invalid.
//  - A MID of a valid form that ITU has not allocated (e.g. 217) still yields the category and the
//    MID; flag_for_mid() then returns nullptr. Category is about form, flag about allocation.
//  - Anything above 999999999 (the field is 30 bits, so up to 1073741823) is invalid.
#include "ais/identity.h"

#include <array>

namespace aiswatch::ais {
namespace {

constexpr uint16_t first_mid = 200;
constexpr uint16_t last_mid = 799;

bool mid_form_valid(uint32_t mid) { return mid >= 200 && mid <= 799; }

MmsiIdentity with_mid(MmsiCategory category, uint32_t mid) {
  if (!mid_form_valid(mid)) return {};
  return {category, static_cast<uint16_t>(mid)};
}

// Index from MID to its table row, built once (the table is sorted but lookups must be O(1)).
struct MidIndex {
  std::array<const FlagState*, last_mid - first_mid + 1> by_mid{};
  MidIndex() {
    for (const FlagState& f : mid_table()) by_mid[f.mid - first_mid] = &f;
  }
};

const MidIndex& mid_index() {
  static const MidIndex index;
  return index;
}

}  // namespace

MmsiIdentity classify_mmsi(uint32_t mmsi) {
  if (mmsi > 999'999'999u) return {};
  const uint32_t d1 = mmsi / 100'000'000u;  // first of the nine digits
  switch (d1) {
    case 0: {
      const uint32_t d2 = mmsi / 10'000'000u;  // 0 or the second digit
      if (d2 == 0) return with_mid(MmsiCategory::coast_station, mmsi / 10'000u);  // 00MIDxxxx
      return with_mid(MmsiCategory::group, mmsi / 100'000u);                      // 0MIDxxxxx
    }
    case 1:
      if (mmsi / 1'000'000u == 111u)
        return with_mid(MmsiCategory::sar_aircraft, (mmsi / 1'000u) % 1'000u);  // 111MIDxxx
      return {};
    case 2: case 3: case 4: case 5: case 6: case 7:
      return {MmsiCategory::ship, static_cast<uint16_t>(mmsi / 1'000'000u)};  // MIDxxxxxx
    case 8:
      return with_mid(MmsiCategory::handheld, (mmsi / 100'000u) % 1'000u);  // 8MIDxxxxx
    default: {  // 9
      const uint32_t d123 = mmsi / 1'000'000u;
      if (d123 == 970u) return {MmsiCategory::sart, 0};
      if (d123 == 972u) return {MmsiCategory::mob, 0};
      if (d123 == 974u) return {MmsiCategory::epirb, 0};
      const uint32_t d12 = mmsi / 10'000'000u;
      if (d12 == 98u) return with_mid(MmsiCategory::craft_with_parent, (mmsi / 10'000u) % 1'000u);
      if (d12 == 99u) return with_mid(MmsiCategory::aid_to_navigation, (mmsi / 10'000u) % 1'000u);
      return {};
    }
  }
}

const FlagState* flag_for_mid(uint16_t mid) {
  if (mid < first_mid || mid > last_mid) return nullptr;
  return mid_index().by_mid[mid - first_mid];
}

std::string_view to_string(MmsiCategory category) {
  switch (category) {
    case MmsiCategory::invalid: return "invalid";
    case MmsiCategory::ship: return "ship";
    case MmsiCategory::group: return "group";
    case MmsiCategory::coast_station: return "coast_station";
    case MmsiCategory::sar_aircraft: return "sar_aircraft";
    case MmsiCategory::aid_to_navigation: return "aid_to_navigation";
    case MmsiCategory::craft_with_parent: return "craft_with_parent";
    case MmsiCategory::handheld: return "handheld";
    case MmsiCategory::sart: return "sart";
    case MmsiCategory::mob: return "mob";
    case MmsiCategory::epirb: return "epirb";
  }
  return "invalid";
}

bool imo_check_digit_valid(uint32_t imo) {
  if (imo < 1'000'000u || imo > 9'999'999u) return false;
  uint32_t rest = imo / 10u;
  uint32_t sum = 0;
  for (uint32_t weight = 2; weight <= 7; ++weight) {  // d6 * 2 + d5 * 3 + ... + d1 * 7
    sum += (rest % 10u) * weight;
    rest /= 10u;
  }
  return sum % 10u == imo % 10u;
}

}  // namespace aiswatch::ais
