// Unit tests of the NMEA framer. Sentences marked "real" are copied from the captures in
// shared/data/ais (file named beside them); the others are built with a correct checksum by
// `bang()` so that each test changes exactly one thing.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "nmea/framer.h"

namespace aiswatch::nmea {
namespace {

// "!" + body + "*hh" with the right checksum.
std::string bang(std::string_view body, char start = '!') {
  char hex[4];
  std::snprintf(hex, sizeof hex, "%02X", nmea_checksum(body));
  return std::string(1, start) + std::string(body) + "*" + hex;
}
// "\" + text + "*hh\" with the right checksum.
std::string tag(std::string_view text) {
  char hex[4];
  std::snprintf(hex, sizeof hex, "%02X", nmea_checksum(text));
  return "\\" + std::string(text) + "*" + hex + "\\";
}

// Real, amsa-risky/exact-earth-with-tag-block.txt.
constexpr std::string_view tagged =
    R"(\s:rEV02,c:1334337317*58\!AIVDM,1,1,,B,19NWuLhuRb5QHfCpPcwj`26B0<02,0*5F)";
// Real, simpleais/sample.ais (leading receive time stripped).
constexpr std::string_view plain = "!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E";

RejectReason reject_of(Framer& framer, std::string_view line) {
  Payload p;
  RejectReason reason = RejectReason::count_;
  EXPECT_EQ(framer.push(line, p, {}, std::nullopt, &reason), LineOutcome::rejected) << line;
  return reason;
}

void expect_accounted(const Framer& f) {
  const FramerStats& s = f.stats();
  EXPECT_EQ(s.lines, s.blank_lines + s.timing_sentences + s.sentences + s.rejected_total() +
                         f.pending_sentences());
}

TEST(nmea_checksum, MatchesRealSentence) {
  EXPECT_EQ(nmea_checksum("AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0"), 0x6E);
  EXPECT_EQ(nmea_checksum(""), 0);
}

TEST(nmea_reject_reason, NamesAreStable) {
  EXPECT_EQ(to_string(RejectReason::bad_checksum), "bad_checksum");
  EXPECT_EQ(to_string(RejectReason::malformed), "malformed");
  EXPECT_EQ(to_string(RejectReason::orphan_fragment), "orphan_fragment");
  EXPECT_EQ(to_string(RejectReason::stale_fragment), "stale_fragment");
  EXPECT_EQ(to_string(RejectReason::unsupported_sentence), "unsupported_sentence");
  EXPECT_EQ(to_string(RejectReason::bad_tag_block), "bad_tag_block");
}

TEST(nmea_framer, AcceptsPlainSentence) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(plain, p), LineOutcome::payload);
  EXPECT_EQ(p.armored, "14Wtnn002SGLde:BbrBmdTLF0Vql");
  EXPECT_EQ(p.fill_bits, 0);
  EXPECT_EQ(p.channel, 'B');
  EXPECT_EQ(std::string_view(p.talker.data(), 2), "AI");
  EXPECT_FALSE(p.own_ship);
  EXPECT_EQ(p.sentence_count, 1);
  EXPECT_FALSE(p.event_time_ms);
  EXPECT_EQ(p.time_source, EventTimeSource::none);
  EXPECT_TRUE(p.tag_source.empty());
  EXPECT_EQ(framer.stats().payloads, 1u);
  EXPECT_EQ(framer.stats().sentences, 1u);
}

TEST(nmea_framer, AcceptsAnyTalkerAndOwnShip) {
  Framer framer;
  Payload p;
  // Real, amsa-risky/ais.txt.gz.
  ASSERT_EQ(framer.push("!ABVDO,1,1,,,404k0uAuhMcg2bvnQqhCK4o00000,0*06", p), LineOutcome::payload);
  EXPECT_EQ(std::string_view(p.talker.data(), 2), "AB");
  EXPECT_TRUE(p.own_ship);
  EXPECT_EQ(p.channel, 0);
  for (const char* talker : {"AD", "BS", "SS", "AS", "WS", "--"}) {
    const std::string line = bang(std::string(talker) + "VDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0");
    ASSERT_EQ(framer.push(line, p), LineOutcome::payload) << line;
    EXPECT_EQ(std::string_view(p.talker.data(), 2), talker);
  }
}

TEST(nmea_framer, ChannelsAB12OrEmpty) {
  Framer framer;
  Payload p;
  for (std::string channel : {"A", "B", "1", "2", ""}) {
    ASSERT_EQ(framer.push(bang("AIVDM,1,1,," + channel + ",15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0"), p),
              LineOutcome::payload);
    EXPECT_EQ(p.channel, channel.empty() ? 0 : channel[0]);
  }
  EXPECT_EQ(reject_of(framer, bang("AIVDM,1,1,,C,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0")),
            RejectReason::malformed);
  EXPECT_EQ(reject_of(framer, bang("AIVDM,1,1,,AB,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0")),
            RejectReason::malformed);
}

TEST(nmea_framer, CrLfAndSurroundingWhitespace) {
  Framer framer;
  Payload p;
  for (std::string line : {std::string(plain) + "\n", std::string(plain) + "\r\n",
                           "  \t" + std::string(plain) + " \r\n"}) {
    ASSERT_EQ(framer.push(line, p), LineOutcome::payload);
    EXPECT_EQ(p.armored, "14Wtnn002SGLde:BbrBmdTLF0Vql");
  }
}

TEST(nmea_framer, BlankLines) {
  Framer framer;
  Payload p;
  EXPECT_EQ(framer.push("", p), LineOutcome::blank);
  EXPECT_EQ(framer.push("\r\n", p), LineOutcome::blank);
  EXPECT_EQ(framer.push(" \t \n", p), LineOutcome::blank);
  EXPECT_EQ(framer.stats().blank_lines, 3u);
  expect_accounted(framer);
}

TEST(nmea_framer, RejectsBadChecksum) {
  Framer framer;
  // Real, amsa-risky/ais.txt.gz: two sentences spliced by a lost line ending.
  EXPECT_EQ(reject_of(framer,
                      "!ABVDM,1,1,6,A,17P=e23000bngMBVDM,1,1,7,A,14W:<b0u@LboM1ue6QlMp0b:85KD,0*58"),
            RejectReason::bad_checksum);
  EXPECT_EQ(reject_of(framer, "!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6F"),
            RejectReason::bad_checksum);
  // Lower-case hex is as good as upper case.
  Payload p;
  EXPECT_EQ(framer.push("!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6e", p),
            LineOutcome::payload);
  EXPECT_EQ(framer.stats()[RejectReason::bad_checksum], 2u);
}

TEST(nmea_framer, RejectsMalformed) {
  Framer framer;
  for (std::string line : {
           std::string("!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0"),    // no checksum
           std::string("!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6"),  // one hex digit
           std::string("!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*XY"),
           std::string("!AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6Ex"),  // junk after
           std::string("AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E"),    // no '!'
           std::string("!BSVDM,1,1,,A,3"),  // real, truncated (amsa-risky/ais.txt.gz)
           // Real, amsa-risky/ais.txt.gz: corrupted talker whose checksum is correct.
           std::string("!=IVDM,1,1,,A,18JSmJ001D8FqSClKd51JAD20D0W,0*2E"),
           bang("aiVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0"),   // lower-case talker
           bang("AIVDM,0,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0"),   // count 0
           bang("AIVDM,2,3,1,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0"),  // number > count
           bang("AIVDM,10,1,1,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0"),  // count > 9
           bang("AIVDM,1,1,12,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0"),  // two-digit sequence id
           bang("AIVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,6"),   // fill bits 6
           bang("AIVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,"),    // fill bits missing
           bang("AIVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T"),     // field missing
           bang("AIVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0,0"),  // field too many
           bang("AIVDM,1,1,,B,,0"),  // empty payload, as in pyais/nmea_data_sample.txt
           std::string("12345"),     // digits but no leading-time separator
       }) {
    EXPECT_EQ(reject_of(framer, line), RejectReason::malformed) << line;
  }
  expect_accounted(framer);
}

// The payload's characters are the decoder's to check (it reads each one anyway, and reports
// invalid_character): checking them here too doubled the work on every line.
TEST(nmea_framer, LeavesPayloadCharactersToTheDecoder) {
  Framer framer;
  Payload p;
  const std::string line = bang("AIVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7x,0");
  ASSERT_EQ(framer.push(line, p), LineOutcome::payload);  // p.armored points into line
  EXPECT_EQ(p.armored, "15N2Wl?P02oRV=nCBrNn3gvJ2@7x");
}

TEST(nmea_framer, RejectsOverlongLineAsMalformed) {
  FramerConfig config;
  config.max_line_length = 60;
  Framer framer(config);
  EXPECT_EQ(reject_of(framer, bang("AIVDM,1,1,,A," + std::string(60, '0') + ",0")),
            RejectReason::malformed);
  Payload p;
  EXPECT_EQ(framer.push(plain, p), LineOutcome::payload);
}

TEST(nmea_framer, SkipsOtherSentencesAsUnsupported) {
  Framer framer;
  // Real, amsa-risky/ais.txt.gz.
  for (std::string_view line : {
           "$AIALR,000000.00,001,V,V,AIS: Tx malfunction*4B",
           "$AIVSI,,114701.28,0057,-079,0*6F",
           "$PSHI,001,01.53524524,,01691,32611,114701.28,2,0057,-079*3B",
           "$GPVTG,000.0,T,347.1,M,000.0,N,000.0,K,A*22",
           "!AIPWR,UNIT=0,POWER=1*05",
           "$BSALR,,026,A,V,no sensor position in use*2B,ComSock1",
       }) {
    EXPECT_EQ(reject_of(framer, line), RejectReason::unsupported_sentence) << line;
  }
  EXPECT_EQ(reject_of(framer, bang("GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1", '$')),
            RejectReason::unsupported_sentence);
  // Real, amsa-risky/ais.txt.gz: an alarm with a bad checksum is a bad checksum first.
  EXPECT_EQ(reject_of(framer, "$ABALR,000012,003,V,A,AIS: Rx channel 1 malfunion failure*56"),
            RejectReason::bad_checksum);
  // Corrupted address with a correct checksum (real): malformed, not unsupported.
  EXPECT_EQ(reject_of(framer, "$=IALR,,,,,*07"), RejectReason::malformed);
  EXPECT_EQ(framer.stats()[RejectReason::unsupported_sentence], 7u);
}

TEST(nmea_tag_block, ParsesSourceAndTimeInSeconds) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(tagged, p, {}, 5), LineOutcome::payload);
  EXPECT_EQ(p.armored, "19NWuLhuRb5QHfCpPcwj`26B0<02");
  EXPECT_EQ(p.tag_source, "rEV02");
  EXPECT_EQ(p.event_time_ms, 1334337317000);
  EXPECT_EQ(p.time_source, EventTimeSource::tag_block);
}

TEST(nmea_tag_block, TimeInMillisecondsWhenTooLargeForSeconds) {
  Framer framer;
  Payload p;
  // A single sentence's views point into the line, so the line must outlive the checks.
  const std::string line = tag("c:1711411200123,s:rx1") + std::string(plain);
  ASSERT_EQ(framer.push(line, p), LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1711411200123);
  EXPECT_EQ(p.tag_source, "rx1");
  ASSERT_EQ(framer.push(tag("c:1711411200") + std::string(plain), p), LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1711411200000);
  EXPECT_TRUE(p.tag_source.empty());
  // Other NMEA 4.0 parameters are accepted and ignored.
  ASSERT_EQ(framer.push(tag("d:dest,n:12,r:5,t:hello,i:info,c:1711411200") + std::string(plain), p),
            LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1711411200000);
}

TEST(nmea_tag_block, RejectsBadTagBlocks) {
  Framer framer;
  const std::string s(plain);
  EXPECT_EQ(reject_of(framer, R"(\s:rEV02,c:1334337317*59\)" + s), RejectReason::bad_tag_block);
  EXPECT_EQ(reject_of(framer, R"(\s:rEV02,c:1334337317\)" + s), RejectReason::bad_tag_block);
  EXPECT_EQ(reject_of(framer, R"(\s:rEV02,c:1334337317*58)" + s), RejectReason::bad_tag_block);
  EXPECT_EQ(reject_of(framer, tag("c:notatime") + s), RejectReason::bad_tag_block);
  EXPECT_EQ(reject_of(framer, tag("novalue") + s), RejectReason::bad_tag_block);
  EXPECT_EQ(reject_of(framer, tag("g:3-2-1") + s), RejectReason::bad_tag_block);
  EXPECT_EQ(reject_of(framer, tag("g:1-2") + s), RejectReason::bad_tag_block);
  // A tag block with no sentence behind it.
  EXPECT_EQ(reject_of(framer, tag("c:1711411200")), RejectReason::malformed);
  EXPECT_EQ(framer.stats()[RejectReason::bad_tag_block], 7u);
}

TEST(nmea_tag_block, PlaceholderChecksumZeroOnlyWhenConfigured) {
  // Real, amsa-risky/nmea-timestamped.txt: every tag block there carries `*00`.
  constexpr std::string_view line =
      R"(\c:1420030798*00\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22)";
  Framer strict;
  EXPECT_EQ(reject_of(strict, line), RejectReason::bad_tag_block);
  FramerConfig config;
  config.accept_unset_tag_block_checksum = true;
  Framer lenient(config);
  Payload p;
  ASSERT_EQ(lenient.push(line, p), LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1420030798000);
  // A wrong non-zero checksum is still wrong.
  EXPECT_EQ(reject_of(lenient, R"(\c:1420030798*01\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22)"),
            RejectReason::bad_tag_block);
}

TEST(nmea_time, TrailingTimeInMilliseconds) {
  Framer framer;
  Payload p;
  // Real, amsa-risky/exact-earth-augmented.txt.
  ASSERT_EQ(framer.push("!AIVDM,1,1,,B,>=on9A>W8NbdA@3HkLWJ9rlB<@Wjf@,4*00,1327992119205", p),
            LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1327992119205);
  EXPECT_EQ(p.time_source, EventTimeSource::trailing);
  EXPECT_EQ(p.fill_bits, 4);
}

TEST(nmea_time, TrailingTimeInSeconds) {
  Framer framer;
  Payload p;
  // Real, amsa-risky/ais.txt.gz.
  ASSERT_EQ(framer.push("!AIVDM,1,1,,B,H52KsnQ8DDj1Lu9@PhE=>222220,2*30,1327664821", p),
            LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1327664821000);
  EXPECT_EQ(p.time_source, EventTimeSource::trailing);
}

TEST(nmea_time, LeadingTimeWithFraction) {
  Framer framer;
  Payload p;
  // Real, simpleais/sample.ais.
  ASSERT_EQ(framer.push("1452468552.938 !AIVDM,1,1,,B,14Wtnn002SGLde:BbrBmdTLF0Vql,0*6E", p),
            LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1452468552938);
  EXPECT_EQ(p.time_source, EventTimeSource::leading);
  ASSERT_EQ(framer.push("1452468552.9 " + std::string(plain), p), LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1452468552900);
  EXPECT_EQ(reject_of(framer, "1452468552.x " + std::string(plain)), RejectReason::malformed);
}

TEST(nmea_time, ArrivalWhenLineHasNoTime) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(plain, p, "feed", 1'700'000'000'000), LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1'700'000'000'000);
  EXPECT_EQ(p.time_source, EventTimeSource::arrival);
}

TEST(nmea_time, TagBlockWinsOverLineTimesAndArrival) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push("1452468552.938 " + tag("c:1334337317") + std::string(plain) +
                            ",1327992119205",
                        p, {}, 42),
            LineOutcome::payload);
  EXPECT_EQ(p.event_time_ms, 1334337317000);
  EXPECT_EQ(p.time_source, EventTimeSource::tag_block);
  // Leading before trailing before arrival.
  ASSERT_EQ(framer.push("1452468552.938 " + std::string(plain) + ",1327992119205", p, {}, 42),
            LineOutcome::payload);
  EXPECT_EQ(p.time_source, EventTimeSource::leading);
}

TEST(nmea_gatehouse, TimesTheSentenceThatFollows) {
  Framer framer;
  Payload p;
  // Real, dma-aislib/stream_example.txt: the last $PGHP field (2B) is the next checksum.
  ASSERT_EQ(framer.push("$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B", p),
            LineOutcome::timing);
  ASSERT_EQ(framer.push("!AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B", p, {}, 7),
            LineOutcome::payload);
  EXPECT_EQ(p.time_source, EventTimeSource::gatehouse);
  EXPECT_EQ(p.event_time_ms, 1276256771390);  // 2010-06-11T11:46:11.390Z
  // Consumed: the next sentence falls back to its own time.
  ASSERT_EQ(framer.push(plain, p, {}, 7), LineOutcome::payload);
  EXPECT_EQ(p.time_source, EventTimeSource::arrival);
  EXPECT_EQ(framer.stats().timing_sentences, 1u);
  expect_accounted(framer);
}

TEST(nmea_gatehouse, TimesAGroupByXorOfItsChecksums) {
  Framer framer;
  Payload p;
  // Real, dma-aislib/stream_example.txt: 0x65 ^ 0x17 == 0x72.
  ASSERT_EQ(framer.push("$PGHP,1,2010,6,11,11,46,11,929,244,0,,1,72*21", p), LineOutcome::timing);
  ASSERT_EQ(framer.push("!AIVDM,2,1,1,,53cMa3@000010WSW?V105=<45B2222222222220t388151:9e2UiDm851DTh,0*65", p),
            LineOutcome::fragment);
  ASSERT_EQ(framer.push("!AIVDM,2,2,1,,j1C32CQp888,2*17", p), LineOutcome::payload);
  EXPECT_EQ(p.time_source, EventTimeSource::gatehouse);
  EXPECT_EQ(p.event_time_ms, 1276256771929);
  EXPECT_EQ(p.sentence_count, 2);
  EXPECT_EQ(p.fill_bits, 2);
}

TEST(nmea_gatehouse, MismatchedChecksumIsNotApplied) {
  Framer framer;
  Payload p;
  // Real, amsa-risky/exact-earth-augmented.txt: this $PGHP (51) belongs to another sentence;
  // the sentence after it (checksum 64) keeps its trailing time. The $PGHP's own trailing time
  // is the logger's, not the radio's, and is ignored.
  ASSERT_EQ(framer.push("$PGHP,1,2012,1,31,5,6,38,154,316,2,316000002,1AIS_S,51*4A,1327992179427", p),
            LineOutcome::timing);
  ASSERT_EQ(framer.push("!AIVDM,1,1,,A,7>F0@r:FLk2o83LnQJU?hh<>aOPV0ri1n6HSBo;4,0*64,1327992179443", p),
            LineOutcome::payload);
  EXPECT_EQ(p.time_source, EventTimeSource::trailing);
  EXPECT_EQ(p.event_time_ms, 1327992179443);
}

TEST(nmea_gatehouse, ZeroChecksumMatchesAnyAndTagBlockStillWins) {
  Framer framer;
  Payload p;
  // Real, dma-aislib/stream_example.txt: `00` precedes own-ship VDOs.
  ASSERT_EQ(framer.push("$PGHP,1,2010,6,11,11,46,12,642,219,,2190074,1,00*24", p), LineOutcome::timing);
  ASSERT_EQ(framer.push("!BSVDO,1,1,,B,4025bvQuaUcf<0hJ2FQ2M2A005Jp,0*34", p), LineOutcome::payload);
  EXPECT_EQ(p.time_source, EventTimeSource::gatehouse);
  EXPECT_EQ(p.event_time_ms, 1276256772642);
  ASSERT_EQ(framer.push("$PGHP,1,2010,6,11,11,46,12,642,219,,2190074,1,00*24", p), LineOutcome::timing);
  ASSERT_EQ(framer.push(tagged, p), LineOutcome::payload);
  EXPECT_EQ(p.time_source, EventTimeSource::tag_block);
}

TEST(nmea_gatehouse, RejectsBadGatehouseSentences) {
  Framer framer;
  EXPECT_EQ(reject_of(framer, "$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5C"),
            RejectReason::bad_checksum);
  EXPECT_EQ(reject_of(framer, bang("PGHP,1,2010,13,11,11,46,11,390,231,45,992190934,1,2B", '$')),
            RejectReason::malformed);
  EXPECT_EQ(reject_of(framer, bang("PGHP,1,2010,6,11,11,46", '$')), RejectReason::malformed);
  EXPECT_EQ(reject_of(framer, bang("PGHP,2,2010,6,11,11,46,11,390,231,45,992190934,1,2B", '$')),
            RejectReason::unsupported_sentence);
}

// --- Multi-sentence reassembly ---------------------------------------------------------------

// Real, dma-aislib/stream_example.txt (a type 5 in two fragments).
constexpr std::string_view frag1 =
    "!AIVDM,2,1,5,A,53`eSP025ij108M:221<D60`4<f222222222220Q000005?G0>5CQ1D`,0*39";
constexpr std::string_view frag2 = "!AIVDM,2,2,5,A,53mp88888888880,2*3A";

TEST(nmea_reassembly, TwoFragments) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(frag1, p), LineOutcome::fragment);
  EXPECT_EQ(framer.pending_messages(), 1u);
  ASSERT_EQ(framer.push(frag2, p), LineOutcome::payload);
  EXPECT_EQ(p.armored, "53`eSP025ij108M:221<D60`4<f222222222220Q000005?G0>5CQ1D`53mp88888888880");
  EXPECT_EQ(p.fill_bits, 2);
  EXPECT_EQ(p.sentence_count, 2);
  EXPECT_EQ(framer.pending_messages(), 0u);
  EXPECT_EQ(framer.stats().sentences, 2u);
  EXPECT_EQ(framer.stats().payloads, 1u);
  expect_accounted(framer);
}

TEST(nmea_reassembly, InterleavedOnChannelsAAndB) {
  Framer framer;
  Payload p;
  const std::string a1 = bang("AIVDM,2,1,3,A,55NBjP01mtGIL@CW;SM<D60P5Ld000000000000P0`<3557l0<50@kk@,0");
  const std::string b1 = bang("AIVDM,2,1,3,B,54eGJ4`00001L@GOOC0t4pE<EA0l4r1<0000001?;P@<4<4a0AR3kQ,0");
  const std::string a2 = bang("AIVDM,2,2,3,A,K@Cp888888888888880,2");
  const std::string b2 = bang("AIVDM,2,2,3,B,p888888888888880,2");
  ASSERT_EQ(framer.push(a1, p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(b1, p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(b2, p), LineOutcome::payload);
  EXPECT_EQ(p.channel, 'B');
  EXPECT_EQ(p.armored.substr(p.armored.size() - 16), "p888888888888880");
  ASSERT_EQ(framer.push(a2, p), LineOutcome::payload);
  EXPECT_EQ(p.channel, 'A');
  EXPECT_EQ(p.armored.substr(0, 6), "55NBjP");
  EXPECT_EQ(framer.stats().payloads, 2u);
  expect_accounted(framer);
}

TEST(nmea_reassembly, DifferentFeedsNeverJoin) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(frag1, p, "feed-a"), LineOutcome::fragment);
  EXPECT_EQ(reject_of(framer, frag2), RejectReason::orphan_fragment);  // default feed ""
  ASSERT_EQ(framer.push(frag2, p, "feed-a"), LineOutcome::payload);
}

TEST(nmea_reassembly, LostFragmentIsDroppedWhenANewMessageStarts) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(frag1, p), LineOutcome::fragment);
  // Fragment 2 lost; the next message with the same id starts: the old part is dropped.
  ASSERT_EQ(framer.push(frag1, p), LineOutcome::fragment);
  EXPECT_EQ(framer.stats()[RejectReason::orphan_fragment], 1u);
  ASSERT_EQ(framer.push(frag2, p), LineOutcome::payload);
  EXPECT_EQ(p.sentence_count, 2);
  EXPECT_EQ(p.armored.size(), 56u + 15u);  // not spliced with the dropped fragment
  expect_accounted(framer);
}

TEST(nmea_reassembly, FragmentWithoutItsStartIsOrphan) {
  Framer framer;
  EXPECT_EQ(reject_of(framer, frag2), RejectReason::orphan_fragment);
  EXPECT_EQ(framer.pending_messages(), 0u);
  expect_accounted(framer);
}

TEST(nmea_reassembly, OutOfOrderFragmentKillsThePartialMessage) {
  Framer framer;
  Payload p;
  const std::string f1 = bang("AIVDM,3,1,7,B,55NBjP01mtGIL@CW;SM<D60P5Ld000000000000P0,0");
  const std::string f2 = bang("AIVDM,3,2,7,B,`<3557l0<50@kk@K@Cp888888888888880,0");
  const std::string f3 = bang("AIVDM,3,3,7,B,88,2");
  ASSERT_EQ(framer.push(f1, p), LineOutcome::fragment);
  EXPECT_EQ(reject_of(framer, f3), RejectReason::orphan_fragment);  // 3 after 1
  EXPECT_EQ(framer.stats()[RejectReason::orphan_fragment], 2u);     // and fragment 1 with it
  EXPECT_EQ(framer.pending_messages(), 0u);
  EXPECT_EQ(reject_of(framer, f2), RejectReason::orphan_fragment);  // 2 has no partial now
  // The complete message in order still works.
  ASSERT_EQ(framer.push(f1, p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(f2, p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(f3, p), LineOutcome::payload);
  EXPECT_EQ(p.sentence_count, 3);
  expect_accounted(framer);
}

TEST(nmea_reassembly, StaleByEventTime) {
  Framer framer;  // 10 s
  Payload p;
  ASSERT_EQ(framer.push(frag1, p, {}, 1'000'000), LineOutcome::fragment);
  ASSERT_EQ(framer.push(plain, p, {}, 1'005'000), LineOutcome::payload);
  EXPECT_EQ(framer.pending_messages(), 1u);
  ASSERT_EQ(framer.push(plain, p, {}, 1'010'001), LineOutcome::payload);
  EXPECT_EQ(framer.pending_messages(), 0u);
  EXPECT_EQ(framer.stats()[RejectReason::stale_fragment], 1u);
  EXPECT_EQ(reject_of(framer, frag2), RejectReason::orphan_fragment);
  expect_accounted(framer);
}

TEST(nmea_reassembly, StaleByLineCountWithoutTime) {
  FramerConfig config;
  config.max_fragment_age_lines = 3;
  Framer framer(config);
  Payload p;
  ASSERT_EQ(framer.push(frag1, p), LineOutcome::fragment);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(framer.push(plain, p), LineOutcome::payload);
  EXPECT_EQ(framer.pending_messages(), 1u);
  ASSERT_EQ(framer.push(plain, p), LineOutcome::payload);
  EXPECT_EQ(framer.pending_messages(), 0u);
  EXPECT_EQ(framer.stats()[RejectReason::stale_fragment], 1u);
  expect_accounted(framer);
}

TEST(nmea_reassembly, StaleByCapacityDropsTheOldest) {
  FramerConfig config;
  config.max_pending_messages = 2;
  Framer framer(config);
  Payload p;
  const std::string m0 = bang("AIVDM,2,1,0,A,55NBjP01mtGIL@CW,0");
  const std::string m1 = bang("AIVDM,2,1,1,A,55NBjP01mtGIL@CW,0");
  const std::string m2 = bang("AIVDM,2,1,2,A,55NBjP01mtGIL@CW,0");
  ASSERT_EQ(framer.push(m0, p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(m1, p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(m2, p), LineOutcome::fragment);
  EXPECT_EQ(framer.pending_messages(), 2u);
  EXPECT_EQ(framer.stats()[RejectReason::stale_fragment], 1u);
  EXPECT_EQ(reject_of(framer, bang("AIVDM,2,2,0,A,88,2")), RejectReason::orphan_fragment);
  ASSERT_EQ(framer.push(bang("AIVDM,2,2,1,A,88,2"), p), LineOutcome::payload);
  ASSERT_EQ(framer.push(bang("AIVDM,2,2,2,A,88,2"), p), LineOutcome::payload);
  expect_accounted(framer);
}

TEST(nmea_reassembly, FlushAndExpireCountLeftovers) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(frag1, p, {}, 1'000), LineOutcome::fragment);
  framer.expire(5'000);
  EXPECT_EQ(framer.pending_messages(), 1u);
  framer.expire(20'000);
  EXPECT_EQ(framer.pending_messages(), 0u);
  ASSERT_EQ(framer.push(frag1, p), LineOutcome::fragment);
  EXPECT_EQ(framer.pending_sentences(), 1u);
  framer.flush();
  EXPECT_EQ(framer.pending_sentences(), 0u);
  EXPECT_EQ(framer.stats()[RejectReason::stale_fragment], 2u);
  expect_accounted(framer);
}

TEST(nmea_reassembly, TagBlockGroupCarriesTimeAndSourceOfFirstFragment) {
  Framer framer;
  Payload p;
  // Real, amsa-risky/exact-earth-with-tag-block.txt: fragment 2 has only `g:`.
  ASSERT_EQ(framer.push(R"(\g:1-2-3985,s:rEV02,c:1334337317*2D\!AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216`0`cF5BF0RT13H0T,0*70)", p),
            LineOutcome::fragment);
  ASSERT_EQ(framer.push(tagged, p), LineOutcome::payload);  // a single sentence in between
  ASSERT_EQ(framer.push(R"(\g:2-2-3985*5A\!AIVDM,2,2,9,B,PFRC88888888880,2*29)", p),
            LineOutcome::payload);
  EXPECT_EQ(p.armored, "58KvN<42ACikUKW77F1H4hF0<PTp622222222216`0`cF5BF0RT13H0TPFRC88888888880");
  EXPECT_EQ(p.tag_source, "rEV02");
  EXPECT_EQ(p.event_time_ms, 1334337317000);
  EXPECT_EQ(p.time_source, EventTimeSource::tag_block);
  // A fragment of another group id does not join.
  ASSERT_EQ(framer.push(R"(\g:1-2-3985,s:rEV02,c:1334337317*2D\!AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216`0`cF5BF0RT13H0T,0*70)", p),
            LineOutcome::fragment);
  EXPECT_EQ(reject_of(framer, tag("g:2-2-3986") + "!AIVDM,2,2,9,B,PFRC88888888880,2*29"),
            RejectReason::orphan_fragment);
  expect_accounted(framer);
}

TEST(nmea_reassembly, TagSourceSeparatesReceivers) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(tag("s:rx1") + std::string(frag1), p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(tag("s:rx2") + std::string(frag1), p), LineOutcome::fragment);
  EXPECT_EQ(framer.pending_messages(), 2u);
  ASSERT_EQ(framer.push(tag("s:rx2") + std::string(frag2), p), LineOutcome::payload);
  EXPECT_EQ(p.tag_source, "rx2");
  ASSERT_EQ(framer.push(tag("s:rx1") + std::string(frag2), p), LineOutcome::payload);
  EXPECT_EQ(p.tag_source, "rx1");
}

TEST(nmea_reassembly, UntaggedContinuationJoinsTheOnlyTaggedStart) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(tag("s:rx1,c:1334337317") + std::string(frag1), p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(std::string(frag2), p), LineOutcome::payload);
  EXPECT_EQ(p.tag_source, "rx1");
  EXPECT_EQ(p.event_time_ms, 1334337317000);
  EXPECT_EQ(framer.stats().rejected_total(), 0u);
}

TEST(nmea_reassembly, UntaggedContinuationWithTwoTaggedStartsIsAnOrphanNotAGuess) {
  Framer framer;
  Payload p;
  ASSERT_EQ(framer.push(tag("s:rx1") + std::string(frag1), p), LineOutcome::fragment);
  ASSERT_EQ(framer.push(tag("s:rx2") + std::string(frag1), p), LineOutcome::fragment);
  RejectReason reason{};
  ASSERT_EQ(framer.push(std::string(frag2), p, {}, std::nullopt, &reason), LineOutcome::rejected);
  EXPECT_EQ(reason, RejectReason::orphan_fragment);
  EXPECT_EQ(framer.pending_messages(), 2u);
}

TEST(TagBlockTime, ReadsTheReceiveTimeWithoutFramingTheLine) {
  EXPECT_EQ(tag_block_time_ms("\\s:rEV02,c:1334337317*58\\!AIVDM,1,1,,B,19NW,0*5F"),
            1'334'337'317'000);
  EXPECT_EQ(tag_block_time_ms("\\c:1420030798123*00\\!ABVDM,1,1,,A,1,0*00"), 1'420'030'798'123);
  EXPECT_EQ(tag_block_time_ms("\\g:1-2-3,c:1452468552.938*00\\!AIVDM"), 1'452'468'552'938);
  EXPECT_EQ(tag_block_time_ms("!AIVDM,1,1,,B,19NW,0*5F"), std::nullopt) << "no tag block";
  EXPECT_EQ(tag_block_time_ms("\\s:rEV02*00\\!AIVDM,1,1,,B,19NW,0*5F"), std::nullopt) << "no c:";
  EXPECT_EQ(tag_block_time_ms("\\c:soon*00\\!AIVDM"), std::nullopt) << "malformed c:";
  EXPECT_EQ(tag_block_time_ms("\\c:1334337317"), std::nullopt) << "unterminated";
  EXPECT_EQ(tag_block_time_ms(""), std::nullopt);
}

}  // namespace
}  // namespace aiswatch::nmea
