// Derived identity: MMSI forms (ITU-R M.585-9 Annex 1), the ITU MID table, IMO check digits.
#include "ais/identity.h"

#include <gtest/gtest.h>

#include <cctype>
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

}  // namespace
}  // namespace aiswatch::ais
