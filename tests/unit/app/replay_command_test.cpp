#include "app/replay_command.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/traffic.h"

#include "support/command_run.h"

namespace aiswatch::app {
namespace {

namespace fs = std::filesystem;

testing::CommandRun replay(const std::vector<std::string>& args) {
  return testing::run_command(run_replay, args);
}

fs::path make_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("aiswatch_replay_command_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A small simulated feed with planted events, written as a replay input.
fs::path write_feed(const fs::path& dir, const std::string& name, int64_t start_time_s) {
  sim::TrafficConfig config;
  config.seed = 11;
  config.vessels = 4;  // small: three replays in a Debug build
  config.start_time_s = start_time_s;
  config.duration_s = 6 * 3600;  // room for the planted rendezvous and loitering
  config.rendezvous = 1;
  config.loiterings = 1;
  config.malformed_probability = 0.001;
  const auto path = dir / name;
  std::ofstream out(path, std::ios::binary);
  sim::simulate_traffic(config, [&](std::string_view line) { out << line << '\n'; });
  return path;
}

const std::string rules_dir = AISWATCH_RULES_DIR;

TEST(ReplayCommand, InvalidRulesPrintEveryErrorAndReplayNothing) {
  const auto dir = make_dir("bad_rules");
  fs::create_directories(dir / "rules");
  std::ofstream(dir / "rules" / "detectors.yaml") << "bogus: 1\nrendezvous:\n  max_distance_m: 1\n";
  std::ofstream(dir / "feed.nmea") << "";
  const auto alerts = dir / "alerts.jsonl";
  const testing::CommandRun r = replay({"--rules", (dir / "rules").string(), "--input",
                           (dir / "feed.nmea").string(), "--alerts", alerts.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("detectors.yaml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("max_distance_m"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 error(s); nothing replayed"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(alerts)) << "no output is started on bad rules";
}

TEST(ReplayCommand, UnreadableInputIsNamedAndNothingIsReplayed) {
  const auto dir = make_dir("unreadable");
  const auto feed = dir / "feed.nmea";
  std::ofstream(feed) << "";
  const auto missing = dir / "missing.nmea";
  const auto alerts = dir / "alerts.jsonl";
  const testing::CommandRun r = replay({"--rules", rules_dir, "--input", feed.string(), "--input",
                           missing.string(), "--alerts", alerts.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot read " + missing.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing replayed"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("cannot read " + feed.string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(alerts));
}

TEST(ReplayCommand, UsageErrors) {
  EXPECT_EQ(replay({"--rules", rules_dir, "--input", "x"}).code, 2);  // no --alerts
  EXPECT_EQ(replay({"--bogus"}).code, 2);
  const testing::CommandRun help = replay({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: aiswatchd replay"), std::string::npos);
}

TEST(ReplayCommand, SameInputGivesTheSameBytesAndASummary) {
  const auto dir = make_dir("deterministic");
  // Two files replayed in order through one engine: the second continues in event time.
  const auto first = write_feed(dir, "first.nmea", 1'767'225'600);
  const auto second = write_feed(dir, "second.nmea", 1'767'225'600 + 6 * 3600);
  const std::vector<std::string> inputs = {"--input", first.string(), "--input", second.string()};
  std::vector<std::string> args = {"--rules", rules_dir};
  args.insert(args.end(), inputs.begin(), inputs.end());

  auto a_args = args;
  a_args.insert(a_args.end(), {"--alerts", (dir / "a.jsonl").string()});
  auto b_args = args;
  b_args.insert(b_args.end(), {"--alerts", (dir / "b.jsonl").string()});
  const testing::CommandRun a = replay(a_args);
  const testing::CommandRun b = replay(b_args);
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  ASSERT_TRUE(fs::exists(dir / "a.jsonl"));
  EXPECT_EQ(read(dir / "a.jsonl"), read(dir / "b.jsonl"));

  // Standard output gives the same bytes.
  auto c_args = args;
  c_args.insert(c_args.end(), {"--alerts", "-"});
  const testing::CommandRun c = replay(c_args);
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(c.out, read(dir / "a.jsonl"));

  // Every line is one JSON object with the proto field names.
  std::istringstream lines(c.out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.front(), '{');
    EXPECT_EQ(line.back(), '}');
    EXPECT_NE(line.find("\"alert_id\":"), std::string::npos);
  }

  // The summary's documented lines (replay_command.cpp, print_summary).
  EXPECT_NE(a.err.find("aiswatchd replay: 2 input(s), "), std::string::npos) << a.err;
  EXPECT_NE(a.err.find(" messages (0 untimed), "), std::string::npos) << a.err;
  EXPECT_NE(a.err.find(" vessels, "), std::string::npos) << a.err;
  EXPECT_NE(a.err.find("\n  alerts:"), std::string::npos) << a.err;
  EXPECT_NE(a.err.find("\n  rejected: "), std::string::npos) << a.err;
  EXPECT_NE(a.err.find(" bad_checksum="), std::string::npos) << a.err;
  EXPECT_NE(a.err.find("\n  tracker: accepted="), std::string::npos) << a.err;
  EXPECT_NE(a.err.find("\n  rate: "), std::string::npos) << a.err;
  EXPECT_NE(a.err.find(" messages/s over "), std::string::npos) << a.err;
  EXPECT_EQ(a.err.find("no tag-block time"), std::string::npos) << a.err;
}

TEST(ReplayCommand, UntimedMessagesAreCountedAndExplained) {
  const auto dir = make_dir("untimed");
  // A valid sentence without a tag block: no event time in a file.
  std::ofstream(dir / "feed.nmea") << "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n";
  const testing::CommandRun r = replay({"--rules", rules_dir, "--input", (dir / "feed.nmea").string(),
                           "--alerts", (dir / "alerts.jsonl").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("1 lines, 1 messages (1 untimed), 0 vessels"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 message(s) had no tag-block time"), std::string::npos) << r.err;
  EXPECT_EQ(read(dir / "alerts.jsonl"), "");
}

}  // namespace
}  // namespace aiswatch::app
