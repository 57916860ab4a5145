// gpsd-compatible JSON: exact strings for each message type, built from message structs. The
// expected strings follow gpsd 3.22's json_aivdm_dump formats (scaled), with our documented
// departures (json.h): n/a omitted, signed turn, derived identity.
#include "ais/json.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "ais/identity.h"

namespace aiswatch::ais {
namespace {

Header header(uint8_t type, uint32_t mmsi, uint8_t repeat = 0) {
  Header h;
  h.type = type;
  h.repeat = repeat;
  h.mmsi = mmsi;
  const MmsiIdentity id = classify_mmsi(mmsi);
  h.category = id.category;
  h.mid = id.mid;
  return h;
}

template <std::size_t N>
SixBitText<N> text(std::string_view s) {
  SixBitText<N> t;
  std::memcpy(t.chars.data(), s.data(), s.size());
  t.length = static_cast<uint8_t>(s.size());
  return t;
}

std::string json(const Message& m) {
  std::string out;
  append_json(out, m);
  return out;
}

PositionReport type1() {
  PositionReport m;
  m.header = header(1, 477553000);
  m.status = 5;
  m.turn = 0;
  m.speed = 0.0;
  m.accuracy = false;
  m.lon = -73407499 / 600000.0;  // -122.345832 (raw from !AIVDM,1,1,,B,177KQJ5000G?tO`K>RA1wUbN0TKH)
  m.lat = 28549700 / 600000.0;   // 47.582833
  m.course = 51.0;
  m.heading = 181;
  m.second = 15;
  m.maneuver = 0;
  m.raim = false;
  m.radio = 149208;
  return m;
}

TEST(Json, PositionReportMatchesHeaderExample) {
  EXPECT_EQ(json(type1()),
            R"({"class":"AIS","type":1,"repeat":0,"mmsi":477553000,"scaled":true,"status":5,)"
            R"("status_text":"Moored","turn":0,"speed":0.0,"accuracy":false,"lon":-122.345832,)"
            R"("lat":47.582833,"course":51.0,"heading":181,"second":15,"maneuver":0,"raim":false,)"
            R"("radio":149208,"mmsi_category":"ship","flag":"HK"})");
}

TEST(Json, PositionReportNotAvailableOmitted) {
  PositionReport m = type1();
  m.header = header(3, 445001234, 3);
  m.status = 15;
  m.turn.reset();
  m.speed.reset();
  m.lon.reset();
  m.lat.reset();
  m.course.reset();
  m.heading.reset();
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":3,"repeat":3,"mmsi":445001234,"scaled":true,"status":15,)"
            R"("status_text":"Not defined","accuracy":false,"second":15,"maneuver":0,)"
            R"("raim":false,"radio":149208,"mmsi_category":"ship","flag":"KP"})");
}

std::string turn_json(std::optional<int8_t> raw) {
  PositionReport m = type1();
  m.turn = raw;
  const std::string s = json(m);
  const auto at = s.find("\"turn\":");
  if (at == std::string::npos) return "absent";
  return s.substr(at + 7, s.find(',', at) - at - 7);
}

TEST(Json, TurnIsSignedAndRoundedLikeGpsd) {
  EXPECT_EQ(turn_json(0), "0");
  EXPECT_EQ(turn_json(1), "0");     // (1/4.733)^2 = 0.045
  EXPECT_EQ(turn_json(-1), "0");    // never "-0"
  EXPECT_EQ(turn_json(5), "1");     // 1.116
  EXPECT_EQ(turn_json(-5), "-1");
  EXPECT_EQ(turn_json(8), "3");     // 2.857
  EXPECT_EQ(turn_json(-8), "-3");   // gpsd prints 3
  EXPECT_EQ(turn_json(126), "709");   // 708.7
  EXPECT_EQ(turn_json(-126), "-709");
  EXPECT_EQ(turn_json(127), "\"fastright\"");
  EXPECT_EQ(turn_json(-127), "\"fastleft\"");
  EXPECT_EQ(turn_json(std::nullopt), "absent");  // -128
}

std::string lon_json(double lon) {
  PositionReport m = type1();
  m.lon = lon;
  const std::string s = json(m);
  const auto at = s.find("\"lon\":");
  return s.substr(at + 6, s.find(',', at) - at - 6);
}

TEST(Json, NumberFormattingEdgeCases) {
  EXPECT_EQ(lon_json(0.0), "0.000000");
  EXPECT_EQ(lon_json(-0.0), "-0.000000");             // as printf prints it
  EXPECT_EQ(lon_json(-1 / 600000.0), "-0.000002");    // smallest negative step, rounded up
  EXPECT_EQ(lon_json(1 / 600000.0), "0.000002");
  EXPECT_EQ(lon_json(-180.0), "-180.000000");
  EXPECT_EQ(lon_json(108000000 / 600000.0), "180.000000");
  EXPECT_EQ(lon_json(-107999999 / 600000.0), "-179.999998");  // 179.9999983
  EXPECT_EQ(lon_json(7 / 600000.0), "0.000012");      // 0.0000116667
  // Off the 1/600000 grid (not something the decoder makes): printf's digits from to_chars.
  EXPECT_EQ(lon_json(0.1234565), "0.123456");         // the double is just below the tie
  EXPECT_EQ(lon_json(-12.5), "-12.500000");
  EXPECT_EQ(lon_json(1e-9), "0.000000");
}

TEST(Json, SpeedCourseOneDecimal) {
  PositionReport m = type1();
  m.speed = 102.2;  // "102.2 or more": a number, not gpsd's "fast"
  m.course = 359.9;
  const std::string s = json(m);
  EXPECT_NE(s.find(R"("speed":102.2,)"), std::string::npos) << s;
  EXPECT_NE(s.find(R"("course":359.9,)"), std::string::npos) << s;
  m.speed = 0.1;
  m.course = 0.0;
  const std::string t = json(m);
  EXPECT_NE(t.find(R"("speed":0.1,)"), std::string::npos) << t;
  EXPECT_NE(t.find(R"("course":0.0,)"), std::string::npos) << t;
}

TEST(Json, BaseStationReport) {
  BaseStationReport m;
  m.header = header(4, 2311200);
  m.year = 2010;
  m.month = 6;
  m.day = 11;
  m.hour = 11;
  m.minute = 46;
  m.second = 11;
  m.accuracy = false;
  m.lon = -4052819 / 600000.0;  // -6.754698
  m.lat = 36854163 / 600000.0;  // 61.423605
  m.epfd = 1;
  m.raim = true;
  m.radio = 22200;
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":4,"repeat":0,"mmsi":2311200,"scaled":true,"year":2010,)"
            R"("month":6,"day":11,"hour":11,"minute":46,"second":11,"accuracy":false,)"
            R"("lon":-6.754698,"lat":61.423605,"epfd":1,"epfd_text":"GPS","raim":true,)"
            R"("radio":22200,"timestamp":"2010-06-11T11:46:11Z",)"
            R"("mmsi_category":"coast_station","flag":"FO"})");

  m.header = header(11, 2311200);
  m.hour.reset();  // 24: not available -> no timestamp either
  m.epfd = 15;
  const std::string s = json(m);
  EXPECT_EQ(s.find("timestamp"), std::string::npos) << s;
  EXPECT_EQ(s.find("\"hour\""), std::string::npos) << s;
  EXPECT_NE(s.find(R"("epfd":15,"epfd_text":"INVALID EPFD")"), std::string::npos) << s;
}

StaticVoyageData type5() {
  StaticVoyageData m;
  m.header = header(5, 566206000);
  m.ais_version = 1;
  m.imo = 9522972;
  m.callsign = text<7>("9V9115");
  m.shipname = text<20>("VALE CHINA");
  m.shiptype = 70;
  m.to_bow = 320;
  m.to_stern = 40;
  m.to_port = 43;
  m.to_starboard = 22;
  m.epfd = 1;
  m.month = 5;
  m.day = 4;
  m.hour = 22;
  m.minute = 0;
  m.draught = 13.8;
  m.destination = text<20>("PDM BRAZIL");
  m.dte = false;
  return m;
}

TEST(Json, StaticVoyageData) {
  // gpsdecode: ...,"eta":"05-04T22:00Z","draught":13.8,"destination":"PDM BRAZIL","dte":0}
  EXPECT_EQ(json(type5()),
            R"({"class":"AIS","type":5,"repeat":0,"mmsi":566206000,"scaled":true,)"
            R"("ais_version":1,"imo":9522972,"callsign":"9V9115","shipname":"VALE CHINA",)"
            R"("shiptype":70,"shiptype_text":"Cargo - all ships of this type","to_bow":320,)"
            R"("to_stern":40,"to_port":43,"to_starboard":22,"epfd":1,"epfd_text":"GPS",)"
            R"("month":5,"day":4,"hour":22,"minute":0,"draught":13.8,)"
            R"("destination":"PDM BRAZIL","dte":0,"eta":"05-04T22:00Z","imo_valid":true,)"
            R"("mmsi_category":"ship","flag":"SG"})");
}

TEST(Json, StaticVoyageDataAbsentAndInvalid) {
  StaticVoyageData m = type5();
  m.imo = 9522973;
  m.draught.reset();
  m.minute.reset();
  m.shiptype = 100;
  std::string s = json(m);
  EXPECT_NE(s.find(R"("imo_valid":false)"), std::string::npos) << s;
  EXPECT_EQ(s.find("draught"), std::string::npos) << s;
  EXPECT_EQ(s.find("\"eta\""), std::string::npos) << s;
  EXPECT_NE(s.find(R"("shiptype_text":"INVALID SHIP TYPE")"), std::string::npos) << s;
  m.imo.reset();
  s = json(m);
  EXPECT_EQ(s.find("imo"), std::string::npos) << s;
}

TEST(Json, TextEscaping) {
  StaticVoyageData m = type5();
  m.shipname = text<20>(R"(SAY "HI" \ BYE)");
  m.callsign = text<7>("A\"B");
  m.destination = text<20>(std::string_view("TAB\tNUL\0", 8));
  const std::string s = json(m);
  EXPECT_NE(s.find(R"("shipname":"SAY \"HI\" \\ BYE")"), std::string::npos) << s;
  EXPECT_NE(s.find(R"("callsign":"A\"B")"), std::string::npos) << s;
  EXPECT_NE(s.find(R"("destination":"TAB\u0009NUL\u0000")"), std::string::npos) << s;
}

TEST(Json, BinaryMessages) {
  BinaryMessage m;
  m.header = header(6, 270577898, 1);
  m.seqno = 3;
  m.dest_mmsi = 241187591;
  m.retransmit = true;
  m.dac = 250;
  m.fid = 24;
  const uint8_t payload[] = {0xc4, 0xb0, 0xbd, 0x82, 0xb1, 0x4f, 0x01, 0x97, 0x12, 0x4c};
  std::memcpy(m.data.bytes.data(), payload, sizeof payload);
  m.data.bits = 80;
  // gpsdecode: "seqno":3,"dest_mmsi":241187591,"retransmit":true,"dac":250,"fid":24,
  //            "data":"80:c4b0bd82b14f0197124c"
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":6,"repeat":1,"mmsi":270577898,"scaled":true,"seqno":3,)"
            R"("dest_mmsi":241187591,"retransmit":true,"dac":250,"fid":24,)"
            R"("data":"80:c4b0bd82b14f0197124c","mmsi_category":"ship","flag":"CZ"})");

  BinaryMessage b;
  b.header = header(8, 2655619);
  b.dac = 1;
  b.fid = 31;
  b.data.bytes[0] = 0xAB;
  b.data.bytes[1] = 0xFF;  // only the top 3 bits belong to the payload
  b.data.bits = 11;
  EXPECT_EQ(json(b),
            R"({"class":"AIS","type":8,"repeat":0,"mmsi":2655619,"scaled":true,"dac":1,)"
            R"("fid":31,"data":"11:abe0","mmsi_category":"coast_station","flag":"SE"})");

  b.data.bits = 0;
  EXPECT_NE(json(b).find(R"("data":"0:")"), std::string::npos);
}

TEST(Json, SarAircraft) {
  SarAircraftReport m;
  m.header = header(9, 111232500);
  m.alt = 50;
  m.speed = 447;
  m.accuracy = false;
  m.lon = 71884329 / 600000.0;   // 119.807215
  m.lat = -17848438 / 600000.0;  // -29.747397
  m.course = 344.3;
  m.second = 11;
  m.regional = 152;
  m.dte = false;
  m.assigned = false;
  m.raim = false;
  m.radio = 390881;
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":9,"repeat":0,"mmsi":111232500,"scaled":true,"alt":50,)"
            R"("speed":447,"accuracy":false,"lon":119.807215,"lat":-29.747397,"course":344.3,)"
            R"("second":11,"regional":152,"dte":0,"assigned":false,"raim":false,)"
            R"("radio":390881,"mmsi_category":"sar_aircraft","flag":"GB"})");
  m.alt.reset();
  m.speed.reset();
  m.course.reset();
  const std::string s = json(m);
  EXPECT_EQ(s.find("\"alt\""), std::string::npos) << s;
  EXPECT_EQ(s.find("\"speed\""), std::string::npos) << s;
  EXPECT_EQ(s.find("\"course\""), std::string::npos) << s;
}

TEST(Json, ClassBPositionReport) {
  ClassBPositionReport m;
  m.header = header(18, 211159390);
  m.speed = 4.5;
  m.lon = 12591501 / 600000.0;  // 20.985835
  m.lat = 22613788 / 600000.0;  // 37.689647
  m.course = 239.7;
  m.second = 10;
  m.cs = true;
  m.dsc = true;
  m.band = true;
  m.msg22 = true;
  m.raim = true;
  m.radio = 917510;
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":18,"repeat":0,"mmsi":211159390,"scaled":true,)"
            R"("reserved":0,"speed":4.5,"accuracy":false,"lon":20.985835,"lat":37.689647,)"
            R"("course":239.7,"second":10,"regional":0,"cs":true,"display":false,"dsc":true,)"
            R"("band":true,"msg22":true,"assigned":false,"raim":true,"radio":917510,)"
            R"("mmsi_category":"ship","flag":"DE"})");
}

TEST(Json, ClassBExtendedReport) {
  ClassBExtendedReport m;
  m.header = header(19, 367059850);
  m.speed = 8.7;
  m.lon = -53462400 / 600000.0;  // -89.104
  m.lat = 17556000 / 600000.0;   // 29.26
  m.course = 0.0;
  m.heading = 511 - 1;
  m.second = 46;
  m.shipname = text<20>("CAPT.J.RIMES");
  m.shiptype = 70;
  m.to_bow = 5;
  m.to_stern = 21;
  m.to_port = 4;
  m.to_starboard = 4;
  m.epfd = 1;
  m.dte = false;
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":19,"repeat":0,"mmsi":367059850,"scaled":true,)"
            R"("reserved":0,"speed":8.7,"accuracy":false,"lon":-89.104000,"lat":29.260000,)"
            R"("course":0.0,"heading":510,"second":46,"regional":0,"shipname":"CAPT.J.RIMES",)"
            R"("shiptype":70,"shiptype_text":"Cargo - all ships of this type","to_bow":5,)"
            R"("to_stern":21,"to_port":4,"to_starboard":4,"epfd":1,"epfd_text":"GPS",)"
            R"("raim":false,"dte":0,"assigned":false,"mmsi_category":"ship","flag":"US"})");
}

TEST(Json, AidToNavigationWithNameExtension) {
  AidToNavigationReport m;
  m.header = header(21, 992351234);
  m.aid_type = 1;
  m.name = text<34>("SOUTH CHANNEL BUOY NUMBER 12 EXT");  // 20 + 12 characters of extension
  m.accuracy = true;
  m.lon = 0.0;
  m.lat = -30000000 / 600000.0;
  m.epfd = 7;
  m.second = 60;
  m.virtual_aid = true;
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":21,"repeat":0,"mmsi":992351234,"scaled":true,)"
            R"("aid_type":1,"aid_type_text":"Reference point",)"
            R"("name":"SOUTH CHANNEL BUOY NUMBER 12 EXT","accuracy":true,"lon":0.000000,)"
            R"("lat":-50.000000,"to_bow":0,"to_stern":0,"to_port":0,"to_starboard":0,)"
            R"("epfd":7,"epfd_text":"Surveyed","second":60,"off_position":false,"regional":0,)"
            R"("raim":false,"virtual_aid":true,"assigned":false,)"
            R"("mmsi_category":"aid_to_navigation","flag":"GB"})");
}

TEST(Json, StaticDataReportParts) {
  StaticDataReport a;
  a.header = header(24, 244270489);
  a.partno = 0;
  a.shipname = text<20>("SY-LUNDE");
  EXPECT_EQ(json(a),
            R"({"class":"AIS","type":24,"repeat":0,"mmsi":244270489,"scaled":true,"partno":0,)"
            R"("shipname":"SY-LUNDE","part":"A","mmsi_category":"ship","flag":"NL"})");

  StaticDataReport b;
  b.header = header(24, 244270489);
  b.partno = 1;
  b.shiptype = 36;
  b.vendorid = text<3>("DGY");
  b.model = 1;
  b.serial = 182996;
  b.callsign = text<7>("PH7460");
  b.to_bow = 12;
  b.to_starboard = 3;
  EXPECT_EQ(json(b),
            R"({"class":"AIS","type":24,"repeat":0,"mmsi":244270489,"scaled":true,"partno":1,)"
            R"("shiptype":36,"shiptype_text":"Sailing","vendorid":"DGY","model":1,)"
            R"("serial":182996,"callsign":"PH7460","to_bow":12,"to_stern":0,"to_port":0,)"
            R"("to_starboard":3,"epfd":0,"epfd_text":"Undefined","part":"B",)"
            R"("mmsi_category":"ship","flag":"NL"})");

  b.header = header(24, 982441234);  // auxiliary craft: mothership instead of dimensions
  b.mothership_mmsi = 244270489;
  const std::string s = json(b);
  EXPECT_NE(s.find(R"("mothership_mmsi":244270489,"epfd")"), std::string::npos) << s;
  EXPECT_EQ(s.find("to_bow"), std::string::npos) << s;
  EXPECT_NE(s.find(R"("mmsi_category":"craft_with_parent","flag":"NL")"), std::string::npos);
}

TEST(Json, LongRangeReport) {
  LongRangeReport m;
  m.header = header(27, 206914217);
  m.accuracy = false;
  m.raim = false;
  m.status = 2;
  m.lon = 82923 / 600.0;   // 138.205
  m.lat = -21017 / 600.0;  // -35.028333...
  m.speed = 14;
  m.course = 5;
  m.gnss = false;
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":27,"repeat":0,"mmsi":206914217,"scaled":true,)"
            R"("accuracy":false,"raim":false,"status":2,"status_text":"Not under command",)"
            R"("lon":138.2050,"lat":-35.0283,"speed":14,"course":5,"gnss":false,)"
            R"("mmsi_category":"ship","flag":"BY"})");
  m.speed.reset();
  m.course.reset();
  m.lon.reset();
  const std::string s = json(m);
  EXPECT_EQ(s.find("\"speed\""), std::string::npos) << s;
  EXPECT_EQ(s.find("\"course\""), std::string::npos) << s;
  EXPECT_EQ(s.find("\"lon\""), std::string::npos) << s;
}

TEST(Json, OtherTypesCarryTheHeaderOnly) {
  OtherMessage m;
  m.header = header(20, 0);
  m.bits = 72;
  EXPECT_EQ(json(m),
            R"({"class":"AIS","type":20,"repeat":0,"mmsi":0,"scaled":true,)"
            R"("mmsi_category":"invalid"})");
}

TEST(Json, UnallocatedMidHasNoFlag) {
  PositionReport m = type1();
  m.header = header(1, 217000001);
  const std::string s = json(m);
  EXPECT_NE(s.find(R"("mmsi_category":"ship"})"), std::string::npos) << s;
  EXPECT_EQ(s.find("\"flag\""), std::string::npos) << s;
}

TEST(Json, EnvelopeAndAppending) {
  std::string out = "previous line\n";
  const JsonEnvelope envelope{1334337317000, "rEV02", 'B'};
  append_json(out, type1(), envelope);
  EXPECT_EQ(out.rfind("previous line\n{\"class\":\"AIS\",\"type\":1,", 0), 0u) << out;
  const std::string tail = R"("flag":"HK","time_ms":1334337317000,"source":"rEV02","channel":"B"})";
  EXPECT_EQ(out.substr(out.size() - tail.size()), tail);

  std::string bare;
  append_json(bare, type1(), JsonEnvelope{});
  EXPECT_EQ(bare, json(type1()));

  std::string odd;
  append_json(odd, type1(), JsonEnvelope{-5, "a\"b\\c", 0});
  EXPECT_NE(odd.find(R"("time_ms":-5,"source":"a\"b\\c"})"), std::string::npos) << odd;
}

TEST(Json, EnvelopeFromFramerPayload) {
  nmea::Payload p;
  p.event_time_ms = 1420030798000;
  p.tag_source = "rORBCOMM000";
  p.channel = 'A';
  const JsonEnvelope e = envelope_of(p);
  EXPECT_EQ(e.time_ms, 1420030798000);
  EXPECT_EQ(e.source, "rORBCOMM000");
  EXPECT_EQ(e.channel, 'A');
}

TEST(Json, NoAllocationOnceWarm) {
  std::string out;
  out.reserve(1 << 16);
  const char* data = out.data();
  const Message m = type5();
  for (int k = 0; k < 50; ++k) {
    append_json(out, m);
    out.push_back('\n');
  }
  EXPECT_EQ(out.data(), data);  // no reallocation: the buffer was reserved
}

TEST(Json, Legends) {
  EXPECT_EQ(navigation_status_text(0), "Under way using engine");
  EXPECT_EQ(navigation_status_text(16), "INVALID STATUS");
  EXPECT_EQ(ship_type_text(99), "Other Type - no additional information");
  EXPECT_EQ(ship_type_text(59), "Ship according to RR Resolution No. 18");
  EXPECT_EQ(epfd_text(8), "Galileo");
  EXPECT_EQ(aid_type_text(31), "Light Vessel / LANBY / Rigs");
  EXPECT_EQ(aid_type_text(32), "INVALID NAVAID TYPE");
}

}  // namespace
}  // namespace aiswatch::ais

namespace aiswatch::ais {
namespace {

// The writer copies legends, category names and ISO codes without escaping: none may hold a
// character JSON would need escaped.
bool needs_no_escaping(std::string_view s) {
  for (const char c : s) {
    const auto uc = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || uc < 0x20 || uc >= 0x7F) return false;
  }
  return true;
}

TEST(Json, TableStringsNeedNoEscaping) {
  for (unsigned code = 0; code < 256; ++code) {
    EXPECT_TRUE(needs_no_escaping(navigation_status_text(code))) << code;
    EXPECT_TRUE(needs_no_escaping(ship_type_text(code))) << code;
    EXPECT_TRUE(needs_no_escaping(epfd_text(code))) << code;
    EXPECT_TRUE(needs_no_escaping(aid_type_text(code))) << code;
  }
  for (unsigned category = 0; category <= static_cast<unsigned>(MmsiCategory::epirb); ++category)
    EXPECT_TRUE(needs_no_escaping(to_string(static_cast<MmsiCategory>(category)))) << category;
  for (const FlagState& flag : mid_table()) EXPECT_TRUE(needs_no_escaping(flag.iso2)) << flag.mid;
}

}  // namespace
}  // namespace aiswatch::ais
