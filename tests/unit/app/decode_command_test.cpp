#include "app/decode_command.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/command_run.h"

namespace aiswatch::app {
namespace {

testing::CommandRun run(const std::vector<std::string>& args) {
  return testing::run_command(run_decode, args);
}

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Sentences from gpsd's test logs and the ITU examples, with one bad line of each kind.
const std::string feed =
    "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n"                // type 1
    "\\s:rx1,c:1711411200*07\\!AIVDM,1,1,,B,15RTgt0PAso;90TKcjM8h6g208CQ,0*49\n"  // tag block
    "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B\n"                // bad checksum
    "$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39\n"                  // not AIS
    "this is not NMEA\n"
    "\n";

TEST(DecodeCommand, PrintsOneJsonObjectPerMessageAndCountsOnStandardError) {
  const auto path = write_file("aiswatch_decode_test.nmea", feed);
  const auto result = run({path});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(count_lines(result.out), 2u) << result.out;
  EXPECT_NE(result.out.find("\"class\":\"AIS\""), std::string::npos);
  EXPECT_NE(result.out.find("\"mmsi\":371798000"), std::string::npos);
  EXPECT_NE(result.err.find("6 lines, 2 messages decoded"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("1=2"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("bad_checksum=1"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unsupported_sentence=1"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("malformed=1"), std::string::npos) << result.err;
  std::filesystem::remove(path);
}

TEST(DecodeCommand, RejectsOptionNamesFileLineAndReason) {
  const auto path = write_file("aiswatch_decode_rejects.nmea", feed);
  const auto result = run({"--rejects", "--quiet", path});
  EXPECT_NE(result.err.find(path + ":3: bad_checksum: !AIVDM"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(path + ":5: malformed: this is not NMEA"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("messages decoded"), std::string::npos) << "--quiet keeps the summary";
  std::filesystem::remove(path);
}

TEST(DecodeCommand, AnUnreadableFileIsAnErrorNamingItAndTheOthersAreStillDecoded) {
  const auto path = write_file("aiswatch_decode_ok.nmea", feed);
  const auto result = run({"/nonexistent/feed.nmea", path});
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.err.find("cannot read /nonexistent/feed.nmea: No such file or directory"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(count_lines(result.out), 2u);
  std::filesystem::remove(path);
}

TEST(DecodeCommand, UnsetTagBlockChecksumsAreRejectedUnlessAccepted) {
  // amsa-risky/nmea-timestamped.txt writes every tag block checksum as *00.
  const auto path = write_file("aiswatch_decode_unset.nmea",
                               "\\c:1420030798*00\\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22\n");
  const auto strict = run({path});
  EXPECT_EQ(count_lines(strict.out), 0u);
  EXPECT_NE(strict.err.find("bad_tag_block=1"), std::string::npos) << strict.err;
  const auto lenient = run({"--accept-unset-tag-checksum", path});
  EXPECT_EQ(count_lines(lenient.out), 1u) << lenient.err;
  EXPECT_NE(lenient.out.find("\"time_ms\":1420030798000"), std::string::npos) << lenient.out;
  std::filesystem::remove(path);
}

TEST(DecodeCommand, AFailedWriteIsAnError) {
  const auto path = write_file("aiswatch_decode_full.nmea", feed);
  std::FILE* full = std::fopen("/dev/full", "w");
  ASSERT_NE(full, nullptr);
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(run_decode({path}, full, err), 1);
  std::fclose(full);
  const std::string text = testing::read_and_close(err);
  EXPECT_NE(text.find("error writing the output: No space left on device"), std::string::npos)
      << text;
  std::filesystem::remove(path);
}

TEST(DecodeCommand, UnknownOptionIsAUsageError) {
  const auto result = run({"--no-such-option"});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("no-such-option"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace aiswatch::app
