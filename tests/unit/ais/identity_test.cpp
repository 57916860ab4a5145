// Derived identity: MMSI forms (ITU-R M.585-9 Annex 1), the ITU MID table, IMO check digits.
#include "ais/identity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>

namespace aiswatch::ais {
namespace {

struct MmsiCase {
  uint32_t mmsi;
  MmsiCategory category;
  uint16_t mid;
};

void expect_mmsi(const MmsiCase& c) {
  const MmsiIdentity id = classify_mmsi(c.mmsi);
  EXPECT_EQ(id.category, c.category) << c.mmsi << " -> " << to_string(id.category);
  EXPECT_EQ(id.mid, c.mid) << c.mmsi;
}

TEST(ClassifyMmsi, Ships) {
  expect_mmsi({445123456, MmsiCategory::ship, 445});  // Korea (DPR)
  expect_mmsi({200000000, MmsiCategory::ship, 200});  // form valid, MID 200 unallocated
  expect_mmsi({799999999, MmsiCategory::ship, 799});
  expect_mmsi({538005926, MmsiCategory::ship, 538});  // Marshall Islands, seen in pyais sample
}

TEST(ClassifyMmsi, GroupAndCoastStation) {
  expect_mmsi({24512345, MmsiCategory::group, 245});           // 024512345
  expect_mmsi({2311200, MmsiCategory::coast_station, 231});    // 002311200, type 4 in DMA feed
  expect_mmsi({3669999, MmsiCategory::coast_station, 366});    // 003669999
  expect_mmsi({2000000, MmsiCategory::coast_station, 200});    // lowest 00MID form
  expect_mmsi({7999999, MmsiCategory::coast_station, 799});    // highest 00MID form
  // 00MID with a MID not starting 2..7 is not a coast station, nor anything else.
  expect_mmsi({1234567, MmsiCategory::invalid, 0});            // 001234567: MID 123
  expect_mmsi({8123456, MmsiCategory::invalid, 0});            // 008123456: MID 812
  expect_mmsi({12345, MmsiCategory::invalid, 0});              // 000012345: "short" MMSI
  expect_mmsi({0, MmsiCategory::invalid, 0});                  // unconfigured transponder
  // 0MID with MID first digit 1, 8 or 9.
  expect_mmsi({12345678, MmsiCategory::invalid, 0});           // 012345678
  expect_mmsi({81234567, MmsiCategory::invalid, 0});           // 081234567
  expect_mmsi({99999999, MmsiCategory::invalid, 0});           // 099999999
}

TEST(ClassifyMmsi, SarAircraft) {
  expect_mmsi({111232500, MmsiCategory::sar_aircraft, 232});
  expect_mmsi({111773000, MmsiCategory::sar_aircraft, 773});
  expect_mmsi({111123456, MmsiCategory::invalid, 0});  // MID 123
  expect_mmsi({112232500, MmsiCategory::invalid, 0});  // 1 only for 111MID
  expect_mmsi({100000000, MmsiCategory::invalid, 0});
}

TEST(ClassifyMmsi, Handheld) {
  expect_mmsi({823212345, MmsiCategory::handheld, 232});
  expect_mmsi({812345678, MmsiCategory::invalid, 0});  // MID 123
  expect_mmsi({899999999, MmsiCategory::invalid, 0});  // MID 999
}

TEST(ClassifyMmsi, NineSeriesForms) {
  expect_mmsi({992351234, MmsiCategory::aid_to_navigation, 235});
  expect_mmsi({990001234, MmsiCategory::invalid, 0});  // 99 with MID 000
  expect_mmsi({982351234, MmsiCategory::craft_with_parent, 235});
  expect_mmsi({981001234, MmsiCategory::invalid, 0});  // 98 with MID 100
  expect_mmsi({970123456, MmsiCategory::sart, 0});
  expect_mmsi({972123456, MmsiCategory::mob, 0});
  expect_mmsi({974123456, MmsiCategory::epirb, 0});
  expect_mmsi({971123456, MmsiCategory::invalid, 0});
  expect_mmsi({973123456, MmsiCategory::invalid, 0});
  expect_mmsi({975123456, MmsiCategory::invalid, 0});
  expect_mmsi({979999999, MmsiCategory::invalid, 0});
  expect_mmsi({901234567, MmsiCategory::invalid, 0});
  expect_mmsi({961234567, MmsiCategory::invalid, 0});
  expect_mmsi({999999999, MmsiCategory::invalid, 0});  // 99 with MID 999
}

TEST(ClassifyMmsi, OutOfRange) {
  expect_mmsi({1'000'000'000, MmsiCategory::invalid, 0});
  expect_mmsi({1'073'741'823, MmsiCategory::invalid, 0});  // largest 30-bit value
}

TEST(MmsiCategoryName, SnakeCase) {
  EXPECT_EQ(to_string(MmsiCategory::invalid), "invalid");
  EXPECT_EQ(to_string(MmsiCategory::ship), "ship");
  EXPECT_EQ(to_string(MmsiCategory::group), "group");
  EXPECT_EQ(to_string(MmsiCategory::coast_station), "coast_station");
  EXPECT_EQ(to_string(MmsiCategory::sar_aircraft), "sar_aircraft");
  EXPECT_EQ(to_string(MmsiCategory::aid_to_navigation), "aid_to_navigation");
  EXPECT_EQ(to_string(MmsiCategory::craft_with_parent), "craft_with_parent");
  EXPECT_EQ(to_string(MmsiCategory::handheld), "handheld");
  EXPECT_EQ(to_string(MmsiCategory::sart), "sart");
  EXPECT_EQ(to_string(MmsiCategory::mob), "mob");
  EXPECT_EQ(to_string(MmsiCategory::epirb), "epirb");
}

void expect_flag(int mid_value, std::string_view iso2, std::string_view name_part) {
  const auto mid = static_cast<uint16_t>(mid_value);
  const FlagState* f = flag_for_mid(mid);
  ASSERT_NE(f, nullptr) << mid;
  EXPECT_EQ(f->mid, mid);
  EXPECT_EQ(f->iso2, iso2) << mid;
  EXPECT_NE(f->name.find(name_part), std::string_view::npos) << mid << ": " << f->name;
}

TEST(FlagForMid, SanctionsRelevantStates) {
  expect_flag(445, "KP", "Korea (Democratic People's Republic of)");
  expect_flag(440, "KR", "Korea (Republic of)");
  expect_flag(441, "KR", "Korea (Republic of)");
  for (int mid : {412, 413, 414}) expect_flag(mid, "CN", "China");
  expect_flag(477, "HK", "Hong Kong");
  expect_flag(453, "MO", "Macao");
  expect_flag(416, "TW", "Taiwan");
  expect_flag(273, "RU", "Russian Federation");
  expect_flag(422, "IR", "Iran");
  expect_flag(468, "SY", "Syrian Arab Republic");
  expect_flag(511, "PW", "Palau");
  for (int mid : {351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373, 374})
    expect_flag(mid, "PA", "Panama");
  expect_flag(636, "LR", "Liberia");
  expect_flag(637, "LR", "Liberia");
  expect_flag(538, "MH", "Marshall Islands");
  expect_flag(620, "KM", "Comoros");
  expect_flag(667, "SL", "Sierra Leone");
  expect_flag(572, "TV", "Tuvalu");
  expect_flag(671, "TG", "Togolese Republic");
  expect_flag(775, "VE", "Venezuela");
  expect_flag(201, "AL", "Albania");
  expect_flag(306, "CW", "Curacao");
  expect_flag(366, "US", "United States of America");
}

TEST(FlagForMid, UnallocatedAndOutOfRange) {
  for (int mid : {0, 1, 199, 200, 217, 221, 260, 280, 300, 400, 500, 600, 700, 776, 799, 800,
                       999, 65535}) {
    EXPECT_EQ(flag_for_mid(static_cast<uint16_t>(mid)), nullptr) << mid;
  }
}

TEST(MidTable, Sanity) {
  const auto table = mid_table();
  EXPECT_GE(table.size(), 285u);  // ITU lists about 290 allocations
  EXPECT_LE(table.size(), 300u);
  std::set<uint16_t> seen;
  uint16_t previous = 0;
  for (const FlagState& f : table) {
    EXPECT_TRUE(seen.insert(f.mid).second) << "duplicate MID " << f.mid;
    EXPECT_GT(f.mid, previous) << "table not sorted at " << f.mid;
    previous = f.mid;
    EXPECT_GE(f.mid, 201);
    EXPECT_LE(f.mid, 775);
    ASSERT_EQ(f.iso2.size(), 2u) << f.mid;
    EXPECT_TRUE(std::isupper(static_cast<unsigned char>(f.iso2[0])) &&
                std::isupper(static_cast<unsigned char>(f.iso2[1])))
        << f.mid << " " << f.iso2;
    EXPECT_FALSE(f.name.empty()) << f.mid;
    for (char c : f.name) EXPECT_LT(static_cast<unsigned char>(c), 0x80u) << f.mid;
    EXPECT_EQ(flag_for_mid(f.mid), &f) << "lookup does not return the row for " << f.mid;
  }
}

TEST(ImoCheckDigit, RealShips) {
  EXPECT_TRUE(imo_check_digit_valid(9074729));  // IMO A.1078(28) worked example
  EXPECT_TRUE(imo_check_digit_valid(9522972));  // VALE CHINA, type 5 in the exactEarth capture
  EXPECT_TRUE(imo_check_digit_valid(9321483));  // EMMA MAERSK
  EXPECT_TRUE(imo_check_digit_valid(9811000));  // EVER GIVEN
  EXPECT_TRUE(imo_check_digit_valid(8814275));  // a 1980s build
  EXPECT_TRUE(imo_check_digit_valid(1000007));  // smallest seven-digit number that checks
}

TEST(ImoCheckDigit, Invalid) {
  EXPECT_FALSE(imo_check_digit_valid(9074728));  // wrong check digit
  EXPECT_FALSE(imo_check_digit_valid(9522973));
  EXPECT_FALSE(imo_check_digit_valid(9811001));
  EXPECT_FALSE(imo_check_digit_valid(0));          // "not available"
  EXPECT_FALSE(imo_check_digit_valid(907472));     // six digits
  EXPECT_FALSE(imo_check_digit_valid(999999));
  EXPECT_FALSE(imo_check_digit_valid(10000000));   // eight digits
  EXPECT_FALSE(imo_check_digit_valid(445123456));  // an MMSI sent in the IMO field
  EXPECT_FALSE(imo_check_digit_valid(1000000));    // check digit should be 7
}

// Call sign series (ITU Radio Regulations Appendix 42).
TEST(CallsignCountry, SeriesOfTheTheatre) {
  EXPECT_EQ(callsign_country("HMAB"), "KP");   // North Korea: HMA-HMZ
  EXPECT_EQ(callsign_country("P5AB1"), "KP");  // P5A-P9Z
  EXPECT_EQ(callsign_country("P9ZZ"), "KP");
  EXPECT_EQ(callsign_country("BQAB"), "CN");     // China: BAA-BZZ
  EXPECT_EQ(callsign_country("3HAB"), "CN");     // 3HA-3UZ
  EXPECT_EQ(callsign_country("DSAB7"), "KR");    // Korea (Republic of): DSA-DTZ
  EXPECT_EQ(callsign_country("3FZX8"), "PA");    // Panama: 3EA-3FZ
  EXPECT_EQ(callsign_country("HPAB"), "PA");     // HOA-HPZ
  EXPECT_EQ(callsign_country("9LAB2"), "SL");    // Sierra Leone
  EXPECT_EQ(callsign_country("5VAB"), "TG");     // Togo
  EXPECT_EQ(callsign_country("JVAB3"), "MN");    // Mongolia: JTA-JVZ
  EXPECT_EQ(callsign_country("VRDE7"), "HK");    // China - Hong Kong: VRA-VRZ
  EXPECT_EQ(callsign_country("XXAB"), "MO");     // China - Macao
  EXPECT_EQ(callsign_country("UBAB"), "RU");     // Russia: UAA-UIZ
  EXPECT_EQ(callsign_country("V7AB2"), "MH");    // Marshall Islands
  EXPECT_EQ(callsign_country("A8AB3"), "LR");    // Liberia
  EXPECT_EQ(callsign_country("9HAB4"), "MT");    // Malta
  EXPECT_EQ(callsign_country("EPAB"), "IR");     // Iran: EPA-EQZ
  EXPECT_EQ(callsign_country("YKAB"), "SY");     // Syria
  EXPECT_EQ(callsign_country("WDC1234"), "US");  // US Class A: WAA-WZZ
}

TEST(CallsignCountry, SplitSeriesAndDigits) {
  EXPECT_EQ(callsign_country("3DAB"), "SZ");  // 3DA-3DM Eswatini
  EXPECT_EQ(callsign_country("3DMZ"), "SZ");
  EXPECT_EQ(callsign_country("3DNA"), "FJ");  // 3DN-3DZ Fiji
  EXPECT_EQ(callsign_country("SSMA"), "EG");  // SSA-SSM Egypt
  EXPECT_EQ(callsign_country("SSNA"), "SD");  // SSN-STZ Sudan
  // A digit in third place: the two-character block decides where it is one country's...
  EXPECT_EQ(callsign_country("HP12"), "PA");
  EXPECT_EQ(callsign_country("KB2ABC"), "US");
  // ... and nothing where the block is split.
  EXPECT_EQ(callsign_country("3D2AB"), "");
  EXPECT_EQ(callsign_country("SS2AB"), "");
}

TEST(CallsignCountry, UnknownIsEmpty) {
  EXPECT_EQ(callsign_country(""), "");
  EXPECT_EQ(callsign_country("HM"), "");     // too short to tell
  EXPECT_EQ(callsign_country("4UAB"), "");   // United Nations: not a flag
  EXPECT_EQ(callsign_country("C7AB"), "");   // WMO
  EXPECT_EQ(callsign_country("E9AB"), "");   // unallocated
  EXPECT_EQ(callsign_country("X1000"), "");  // no series has a digit after X
  EXPECT_EQ(callsign_country("S1000"), "");  // nor after S
  EXPECT_EQ(callsign_country("HM-AB"), "");  // not a call sign's characters
  EXPECT_EQ(callsign_country("hmab"), "");   // AIS six-bit text has no lower case
}

TEST(CallsignFitsFlag, OwnSeriesAndTerritories) {
  EXPECT_EQ(callsign_fits_flag("HMAB", "KP"), true);
  EXPECT_EQ(callsign_fits_flag("HMAB", "CN"), false);  // a DPRK call sign on a Chinese MMSI
  EXPECT_EQ(callsign_fits_flag("3FZX8", "KP"), false);
  EXPECT_EQ(callsign_fits_flag("ZCAB4", "BM"), true);  // Bermuda uses the UK's series
  EXPECT_EQ(callsign_fits_flag("ZCAB4", "GB"), true);
  EXPECT_EQ(callsign_fits_flag("OXAB", "GL"), true);  // Greenland: Denmark's OUA-OZZ
  EXPECT_EQ(callsign_fits_flag("VRDE7", "HK"), true);
  EXPECT_EQ(callsign_fits_flag("BVAB", "TW"), true);   // Taiwan: BAA-BZZ
  EXPECT_EQ(callsign_fits_flag("PJAB", "CW"), true);   // Curacao: its own PJA-PJZ
  EXPECT_EQ(callsign_fits_flag("PBAB", "CW"), true);   // ... or the Netherlands'
  EXPECT_EQ(callsign_fits_flag("PBAB", "BM"), false);  // a territory's state only
}

TEST(CallsignFitsFlag, CannotTell) {
  EXPECT_EQ(callsign_fits_flag("E9AB", "KP"), std::nullopt);  // unknown series
  EXPECT_EQ(callsign_fits_flag("HMAB", ""), std::nullopt);    // no flag
  EXPECT_EQ(callsign_fits_flag("NONE", "KP"), std::nullopt);  // would read as US
  EXPECT_EQ(callsign_fits_flag("UNKNOWN", "KP"), std::nullopt);
  EXPECT_TRUE(callsign_is_placeholder("NONE"));
  EXPECT_FALSE(callsign_is_placeholder("NONEX"));
}

TEST(CallsignFitsFlag, OnlyTextsFormedAsShipCallSigns) {
  // RR Article 19, Nos. 19.29-19.30.
  EXPECT_TRUE(ship_station_form("HMAB"));
  EXPECT_TRUE(ship_station_form("3FZX8"));
  EXPECT_TRUE(ship_station_form("KB1234"));
  EXPECT_TRUE(ship_station_form("WDC1234"));
  EXPECT_FALSE(ship_station_form("FAG"));
  EXPECT_FALSE(ship_station_form("XXXXX"));    // filler (would read as Macao's XXA-XXZ)
  EXPECT_FALSE(ship_station_form("THERAPY"));  // a boat's name (would read as France's)
  EXPECT_FALSE(ship_station_form("EG987"));
  EXPECT_FALSE(ship_station_form("P83VKCV"));
  EXPECT_EQ(callsign_fits_flag("XXXXX", "US"), std::nullopt);
  EXPECT_EQ(callsign_fits_flag("POLARIS", "US"), std::nullopt);
  EXPECT_EQ(callsign_fits_flag("4DEE3", "PA"), false);  // formed right, another flag's series
}

TEST(CallsignSeriesTable, Sanity) {
  const auto table = callsign_series_table();
  EXPECT_GE(table.size(), 290u);
  std::set<std::string> flags;
  for (const FlagState& f : mid_table()) flags.insert(std::string(f.iso2));
  for (const CallsignSeries& s : table) {
    SCOPED_TRACE(std::string(s.first) + "-" + std::string(s.last));
    ASSERT_EQ(s.first.size(), 3u);
    ASSERT_EQ(s.last.size(), 3u);
    EXPECT_LE(s.first, s.last);
    EXPECT_EQ(s.first.substr(0, 1), s.last.substr(0, 1));  // a series never spans first characters
    // Whole two-character blocks (..A to ..Z) but for the splits of one (SSA-SSM, SSN-STZ;
    // 3DA-3DM, 3DN-3DZ), which still end on a block's end on one side.
    const bool within_block = s.first.substr(0, 2) == s.last.substr(0, 2);
    EXPECT_TRUE(s.first[2] == 'A' || s.last[2] == 'Z');
    EXPECT_TRUE(s.last[2] == 'Z' || within_block);
    ASSERT_EQ(s.iso2.size(), 2u);
    // Every series' country is looked up as itself at both ends (no overlaps, no shadowing).
    EXPECT_EQ(callsign_country(std::string(s.first) + "1"), s.iso2);
    EXPECT_EQ(callsign_country(std::string(s.last) + "1"), s.iso2);
  }
  // Series in the sanctions theatre's flags all resolve: every flag the MID table gives the
  // region's fleets has call signs of its own.
  for (std::string_view iso2 : {"KP", "CN", "KR", "PA", "SL", "TG", "MN", "RU", "HK"}) {
    EXPECT_TRUE(std::any_of(table.begin(), table.end(), [&](const CallsignSeries& s) {
      return s.iso2 == iso2;
    })) << iso2;
    EXPECT_TRUE(flags.contains(std::string(iso2))) << iso2;
  }
}

}  // namespace
}  // namespace aiswatch::ais
