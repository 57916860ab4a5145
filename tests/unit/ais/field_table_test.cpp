// The field tables in ais/message.h against the bit counts of ITU-R M.1371-5 Annex 8: a visitor
// that only adds up widths proves that each table spans exactly its message's nominal length,
// that every width fits the member it fills, and that every "not available" value fits its field.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <type_traits>

#include "ais/message.h"

namespace aiswatch::ais {
namespace {

class WidthCounter {
 public:
  unsigned bits = 0;             // fixed-layout bits, header included when visited
  unsigned extension_chars = 0;  // characters a text_extension may add
  bool has_data = false;         // a variable-length data field ends the table
  std::set<std::string> names;
  std::set<std::string> duplicate_names;

  template <class T>
  void u(UField f, T&) {
    static_assert(std::is_unsigned_v<T>);
    EXPECT_LE(f.width, 8 * sizeof(T)) << f.name << " does not fit its member";
    add(f.name, f.width);
  }
  template <class T>
  void i(IField f, T&) {
    static_assert(std::is_signed_v<T>);
    EXPECT_LE(f.width, 8 * sizeof(T)) << f.name << " does not fit its member";
    add(f.name, f.width);
  }
  void b(BField f, bool&) { add(f.name, 1); }
  void opt(OptField f, std::optional<unsigned>&) {
    EXPECT_LT(f.not_available, uint64_t{1} << f.width) << f.name;
    add(f.name, f.width);
  }
  void scaled(ScaledField f, std::optional<double>&) {
    if (f.is_signed) {
      EXPECT_LT(f.not_available, int64_t{1} << (f.width - 1)) << f.name;
      EXPECT_GE(f.not_available, -(int64_t{1} << (f.width - 1))) << f.name;
    } else {
      EXPECT_GE(f.not_available, 0) << f.name;
      EXPECT_LT(f.not_available, int64_t{1} << f.width) << f.name;
    }
    EXPECT_GT(f.divisor, 0.0) << f.name;
    add(f.name, f.width);
  }
  void turn(TurnField f, std::optional<int8_t>&) { add(f.name, 8); }
  template <std::size_t N>
  void text(TextField f, SixBitText<N>&) {
    EXPECT_LE(f.chars, N) << f.name;
    text_chars_ = f.chars;
    add(f.name, 6u * f.chars);
  }
  template <std::size_t N>
  void text_extension(TextField f, SixBitText<N>&) {
    EXPECT_EQ(text_chars_ + f.chars, N) << f.name << ": capacity is first part plus extension";
    extension_chars += f.chars;
  }
  void data(DataField f, BinaryData&) {
    has_data = true;
    add(f.name, 0);
  }
  void spare(SpareField f) { bits += f.width; }

 private:
  void add(std::string_view name, unsigned width) {
    if (!names.insert(std::string(name)).second) duplicate_names.insert(std::string(name));
    bits += width;
  }
  unsigned text_chars_ = 0;
};

template <class M>
WidthCounter count(M m) {
  WidthCounter c;
  Header::fields(c, m.header);
  M::fields(c, m);
  EXPECT_TRUE(c.duplicate_names.empty()) << "field names must be unique (they are JSON keys)";
  return c;
}

TEST(FieldTable, HeaderIs38Bits) {
  WidthCounter c;
  Header h;
  Header::fields(c, h);
  EXPECT_EQ(c.bits, header_bits);
  EXPECT_EQ(c.bits, 38u);
}

TEST(FieldTable, PositionReportIs168Bits) {
  const WidthCounter c = count(PositionReport{});
  EXPECT_EQ(c.bits, 168u);
  EXPECT_EQ(c.bits, PositionReport::nominal_bits);
  EXPECT_EQ(PositionReport::min_bits, PositionReport::nominal_bits);
}

TEST(FieldTable, BaseStationReportIs168Bits) {
  EXPECT_EQ(count(BaseStationReport{}).bits, 168u);
  EXPECT_EQ(BaseStationReport::nominal_bits, 168u);
}

TEST(FieldTable, StaticVoyageDataIs424Bits) {
  EXPECT_EQ(count(StaticVoyageData{}).bits, 424u);
  EXPECT_EQ(StaticVoyageData::nominal_bits, 424u);
  EXPECT_EQ(StaticVoyageData::min_bits, 420u);  // tolerance for transponders seen in the wild
}

TEST(FieldTable, BinaryMessageHeadsAre88And56Bits) {
  BinaryMessage addressed;
  addressed.header.type = 6;
  const WidthCounter a = count(addressed);
  EXPECT_EQ(a.bits, 88u);
  EXPECT_EQ(a.bits, BinaryMessage::min_bits_addressed);
  EXPECT_TRUE(a.has_data);

  BinaryMessage broadcast;
  broadcast.header.type = 8;
  const WidthCounter b = count(broadcast);
  EXPECT_EQ(b.bits, 56u);
  EXPECT_EQ(b.bits, BinaryMessage::min_bits_broadcast);
  EXPECT_TRUE(b.has_data);
}

TEST(FieldTable, SarAircraftReportIs168Bits) {
  EXPECT_EQ(count(SarAircraftReport{}).bits, 168u);
  EXPECT_EQ(SarAircraftReport::nominal_bits, 168u);
}

TEST(FieldTable, ClassBPositionReportIs168Bits) {
  EXPECT_EQ(count(ClassBPositionReport{}).bits, 168u);
  EXPECT_EQ(ClassBPositionReport::nominal_bits, 168u);
}

TEST(FieldTable, ClassBExtendedReportIs312Bits) {
  EXPECT_EQ(count(ClassBExtendedReport{}).bits, 312u);
  EXPECT_EQ(ClassBExtendedReport::nominal_bits, 312u);
}

TEST(FieldTable, AidToNavigationReportIs272BitsPlusUpTo14Characters) {
  const WidthCounter c = count(AidToNavigationReport{});
  EXPECT_EQ(c.bits, 272u);
  EXPECT_EQ(c.bits, AidToNavigationReport::nominal_bits);
  EXPECT_EQ(c.extension_chars, 14u);
  // With the longest extension and its spare bits to a byte boundary: 272 + 84 + 4 = 360 bits,
  // the maximum M.1371-5 Table 74 gives.
  EXPECT_EQ(c.bits + 6 * c.extension_chars + 4, 360u);
}

TEST(FieldTable, StaticDataReportPartAIs160AndPartBIs168Bits) {
  StaticDataReport a;
  a.partno = 0;
  EXPECT_EQ(count(a).bits, 160u);
  EXPECT_EQ(count(a).bits, StaticDataReport::nominal_bits_part_a);

  StaticDataReport b;
  b.partno = 1;
  b.header.category = MmsiCategory::ship;
  EXPECT_EQ(count(b).bits, 168u);
  EXPECT_EQ(count(b).bits, StaticDataReport::nominal_bits_part_b);
  EXPECT_TRUE(count(b).names.contains("to_bow"));

  // An auxiliary craft (98MIDxxxx) sends its mother ship's MMSI in place of the dimensions.
  StaticDataReport aux;
  aux.partno = 1;
  aux.header.category = MmsiCategory::craft_with_parent;
  EXPECT_EQ(count(aux).bits, 168u);
  EXPECT_TRUE(count(aux).names.contains("mothership_mmsi"));
  EXPECT_FALSE(count(aux).names.contains("to_bow"));
}

TEST(FieldTable, LongRangeReportIs96Bits) {
  EXPECT_EQ(count(LongRangeReport{}).bits, 96u);
  EXPECT_EQ(LongRangeReport::nominal_bits, 96u);
}

TEST(FieldTable, OtherMessageHasNoFields) {
  EXPECT_EQ(count(OtherMessage{}).bits, 38u);  // header only
}

}  // namespace
}  // namespace aiswatch::ais
