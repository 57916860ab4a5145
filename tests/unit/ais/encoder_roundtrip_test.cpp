// Property: for random valid messages of every type, decode(encode(m)) == m, through the armoured
// payload directly and through NMEA sentences and the framer; plus the sentence format itself.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "ais/bit_reader.h"
#include "ais/decoder.h"
#include "ais/encoder.h"
#include "nmea/framer.h"
#include "support/random_messages.h"

namespace aiswatch::ais {
namespace {

using testing::first_difference;
using testing::RandomMessages;

constexpr int kMessagesPerType = 2'000;

// Decode an encoded payload, failing the test with the message's fields when it does not decode.
Message decode_or_fail(const EncodedPayload& p, const Message& original) {
  Message decoded;
  const DecodeStatus status = decode(p.armored, p.fill_bits, decoded);
  EXPECT_EQ(status, DecodeStatus::ok)
      << to_string(status) << " for " << p.armored << "," << int{p.fill_bits} << "\n"
      << ::testing::PrintToString(testing::describe_fields(original));
  return decoded;
}

TEST(EncoderRoundTrip, EveryFullyDecodedTypeThroughThePayload) {
  RandomMessages gen(20240601);
  for (const uint8_t type : testing::fully_decoded_types) {
    SCOPED_TRACE("type " + std::to_string(type));
    for (int n = 0; n < kMessagesPerType; ++n) {
      const Message original = gen.make(type);
      const EncodedPayload p = encode(original);
      ASSERT_LE(p.fill_bits, 5);
      ASSERT_LE(p.armored.size(), max_payload_chars);
      const Message decoded = decode_or_fail(p, original);
      ASSERT_EQ(first_difference(original, decoded), "") << p.armored << "," << int{p.fill_bits};
    }
  }
}

TEST(EncoderRoundTrip, ComparisonSeesEveryKindOfField) {
  // The property is only as strong as the comparison: it must notice a change anywhere.
  RandomMessages gen(3);
  Message m = gen.make(5);
  auto& v = std::get<StaticVoyageData>(m);
  v.draught = 1.5;
  v.destination.length = 3;
  v.destination.chars = {'A', 'B', 'C'};
  Message changed = m;
  std::get<StaticVoyageData>(changed).draught = 1.6;
  EXPECT_NE(first_difference(m, changed), "");
  changed = m;
  std::get<StaticVoyageData>(changed).draught.reset();
  EXPECT_NE(first_difference(m, changed), "");
  changed = m;
  std::get<StaticVoyageData>(changed).destination.chars[2] = 'D';
  EXPECT_NE(first_difference(m, changed), "");
  changed = m;
  std::get<StaticVoyageData>(changed).header.mid += 1;
  EXPECT_NE(first_difference(m, changed), "");
  changed = m;
  std::get<StaticVoyageData>(changed).dte = !v.dte;
  EXPECT_NE(first_difference(m, changed), "");
  EXPECT_NE(first_difference(m, gen.make(1)), "");
  EXPECT_EQ(first_difference(m, m), "");

  Message b = gen.make(8);
  Message b2 = b;
  std::get<BinaryMessage>(b2).data.bits += 1;
  EXPECT_NE(first_difference(b, b2), "");
}

TEST(EncoderRoundTrip, HeaderOnlyTypesKeepHeaderAndLength) {
  RandomMessages gen(7);
  for (const uint8_t type : testing::header_only_types) {
    SCOPED_TRACE("type " + std::to_string(type));
    for (int n = 0; n < 200; ++n) {
      const Message original = gen.make(type);
      const EncodedPayload p = encode(original);
      const Message decoded = decode_or_fail(p, original);
      ASSERT_EQ(first_difference(original, decoded), "");
    }
  }
}

TEST(EncoderRoundTrip, NominalLengthsAreEncoded) {
  RandomMessages gen(11);
  const auto bits_of = [](const EncodedPayload& p) {
    return 6 * static_cast<unsigned>(p.armored.size()) - p.fill_bits;
  };
  EXPECT_EQ(bits_of(encode(gen.make(1))), 168u);
  EXPECT_EQ(bits_of(encode(gen.make(4))), 168u);
  EXPECT_EQ(bits_of(encode(gen.make(5))), 424u);
  EXPECT_EQ(bits_of(encode(gen.make(9))), 168u);
  EXPECT_EQ(bits_of(encode(gen.make(18))), 168u);
  EXPECT_EQ(bits_of(encode(gen.make(19))), 312u);
  EXPECT_EQ(bits_of(encode(gen.make(27))), 96u);
  StaticDataReport a;
  a.header.type = 24;
  EXPECT_EQ(bits_of(encode(a)), 160u);
  StaticDataReport b = a;
  b.partno = 1;
  EXPECT_EQ(bits_of(encode(b)), 168u);
  AidToNavigationReport aton;
  aton.header.type = 21;
  EXPECT_EQ(bits_of(encode(aton)), 272u);
  // A name extension of k characters is padded with spare bits to a byte boundary.
  const std::string name = "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234567";
  for (unsigned k = 1; k <= 14; ++k) {
    aton.name.length = static_cast<uint8_t>(20 + k);
    std::copy_n(name.begin(), 20 + k, aton.name.chars.begin());
    const unsigned bits = bits_of(encode(aton));
    EXPECT_EQ(bits % 8, 0u) << k;
    EXPECT_GE(bits, 272 + 6 * k) << k;
    EXPECT_LT(bits, 272 + 6 * k + 8) << k;
  }
}

TEST(EncoderRoundTrip, SentenceFormat) {
  // gpsd test/sample.aivdm, type 1 (Kurt Schwehr); gpsdecode 3.22 accepts its checksum.
  const EncodedPayload p{"15RTgt0PAso;90TKcjM8h6g208CQ", 0};
  EXPECT_EQ(to_sentences(p, {}),
            std::vector<std::string>{"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"});
  SentenceOptions o;
  o.own_ship = true;
  o.talker = "AB";
  o.channel = 'B';
  // Checksum: XOR of "ABVDO,1,1,,B,15RTgt0PAso;90TKcjM8h6g208CQ,0".
  uint8_t sum = 0;
  for (const char c : std::string_view("ABVDO,1,1,,B,15RTgt0PAso;90TKcjM8h6g208CQ,0")) {
    sum = static_cast<uint8_t>(sum ^ static_cast<uint8_t>(c));
  }
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02X", sum);
  EXPECT_EQ(
      to_sentences(p, o),
      std::vector<std::string>{"!ABVDO,1,1,,B,15RTgt0PAso;90TKcjM8h6g208CQ,0*" + std::string(hex)});
  o.channel = 0;  // no channel: empty field
  EXPECT_EQ(to_sentences(p, o)[0].substr(0, 14), "!ABVDO,1,1,,,1");
}

TEST(EncoderRoundTrip, MultiSentenceReproducesPublishedFragments) {
  // gpsd test/sample.aivdm, message 5 "EVER DIADEM": two fragments, fill bits on the last one.
  const EncodedPayload p{"55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp888888888880",
                         2};
  SentenceOptions o;
  o.sequential_id = 1;
  EXPECT_EQ(to_sentences(p, o),
            (std::vector<std::string>{
                "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
                "!AIVDM,2,2,1,A,88888888880,2*25"}));
}

TEST(EncoderRoundTrip, SplitsAtMaxPayloadChars) {
  const EncodedPayload p{std::string(100, '0'), 4};
  SentenceOptions o;
  o.max_payload_chars = 30;
  o.sequential_id = 13;  // only the last digit is sent
  const std::vector<std::string> s = to_sentences(p, o);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].substr(0, 16), "!AIVDM,4,1,3,A,0");
  EXPECT_EQ(s[3].substr(0, 16), "!AIVDM,4,4,3,A,0");
  EXPECT_NE(s[2].find(std::string(30, '0') + ",0*"), std::string::npos);
  EXPECT_NE(s[3].find("," + std::string(10, '0') + ",4*"), std::string::npos);
}

std::string tag_checksum(std::string_view tag) {
  uint8_t sum = 0;
  for (const char c : tag) sum = static_cast<uint8_t>(sum ^ static_cast<uint8_t>(c));
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02X", sum);
  return hex;
}

TEST(EncoderRoundTrip, TagBlockTimeAndSourceOnFirstSentence) {
  SentenceOptions o;
  o.tag_block_time_s = 1334337317;
  o.tag_block_source = "rEV02";
  const std::vector<std::string> one = to_sentences({"15RTgt0PAso;90TKcjM8h6g208CQ", 0}, o);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], "\\c:1334337317,s:rEV02*" + tag_checksum("c:1334337317,s:rEV02") +
                        "\\!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A");

  // Several sentences: c: and s: on the first, the NMEA 4.0 group g:<n>-<count>-<id> on each.
  o.sequential_id = 7;
  const std::vector<std::string> two = to_sentences({std::string(70, 'w'), 2}, o);
  ASSERT_EQ(two.size(), 2u);
  const std::string first_tag = "c:1334337317,s:rEV02,g:1-2-7";
  EXPECT_EQ(two[0].substr(0, first_tag.size() + 6),
            "\\" + first_tag + "*" + tag_checksum(first_tag) + "\\!");
  EXPECT_EQ(two[1].substr(0, 13), "\\g:2-2-7*" + tag_checksum("g:2-2-7") + "\\!");

  o.tag_block_source = {};
  EXPECT_EQ(to_sentences({"15RTgt0PAso;90TKcjM8h6g208CQ", 0}, o)[0].substr(0, 17),
            "\\c:1334337317*" + tag_checksum("c:1334337317") + "\\");
}

// Through the whole input path: sentences (with and without tag blocks, split in fragments)
// -> nmea::Framer -> decode -> the same message.
TEST(EncoderRoundTrip, ThroughSentencesAndTheFramer) {
  RandomMessages gen(99);
  nmea::Framer framer;
  for (int n = 0; n < 5'000; ++n) {
    const Message original = gen.make_any();
    const EncodedPayload p = encode(original);
    SentenceOptions o;
    o.channel = n % 2 ? 'A' : 'B';
    o.sequential_id = static_cast<unsigned>(n % 10);
    o.max_payload_chars = n % 3 == 0 ? 60 : 20 + static_cast<std::size_t>(n % 41);
    if (n % 4 == 0) {
      o.tag_block_time_s = 1'700'000'000 + n;
      o.tag_block_source = "sim";
    }
    const std::vector<std::string> sentences = to_sentences(p, o);

    nmea::Payload out;
    nmea::LineOutcome outcome{};
    for (std::size_t k = 0; k < sentences.size(); ++k) {
      nmea::RejectReason reason{};
      outcome = framer.push(sentences[k], out, "roundtrip", std::nullopt, &reason);
      ASSERT_NE(outcome, nmea::LineOutcome::rejected)
          << sentences[k] << " rejected: " << nmea::to_string(reason);
      if (k + 1 < sentences.size()) {
        ASSERT_EQ(outcome, nmea::LineOutcome::fragment);
      }
    }
    ASSERT_EQ(outcome, nmea::LineOutcome::payload);
    EXPECT_EQ(out.armored, p.armored);
    EXPECT_EQ(out.fill_bits, p.fill_bits);
    EXPECT_EQ(out.channel, o.channel);
    if (o.tag_block_time_s) {
      ASSERT_TRUE(out.event_time_ms.has_value());
      EXPECT_EQ(*out.event_time_ms, *o.tag_block_time_s * 1000);
      EXPECT_EQ(out.tag_source, "sim");
    }

    Message decoded;
    ASSERT_EQ(decode(out.armored, out.fill_bits, decoded), DecodeStatus::ok) << sentences[0];
    ASSERT_EQ(first_difference(original, decoded), "") << sentences[0];
  }
  EXPECT_EQ(framer.pending_messages(), 0u);
}

}  // namespace
}  // namespace aiswatch::ais
