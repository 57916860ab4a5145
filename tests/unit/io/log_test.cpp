#include "io/log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "support/command_run.h"

namespace aiswatch::io::log {
namespace {

// Captures what the logger writes while a test runs; restores stderr and the defaults after.
class LogCapture {
 public:
  LogCapture(Level level, Format format) : file_(std::tmpfile()) {
    configure(level, format, file_);
  }
  ~LogCapture() { configure(Level::info, Format::text, stderr); }
  std::string text() {
    configure(Level::info, Format::text, stderr);
    return testing::read_and_close(file_);
  }

 private:
  std::FILE* file_;
};

TEST(Log, TextLinesCarryLevelComponentMessageAndQuotedFields) {
  LogCapture capture(Level::info, Format::text);
  info("kafka", "connected", {{"brokers", "127.0.0.1:9092"}, {"note", "two words"}});
  debug("kafka", "not shown below the minimum level");
  const std::string text = capture.text();
  EXPECT_NE(text.find(" info kafka: connected brokers=127.0.0.1:9092 note=\"two words\"\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("not shown"), std::string::npos);
  EXPECT_EQ(text.front(), '2') << "starts with the UTC time: " << text;
}

TEST(Log, JsonLinesAreOneObjectWithEscapedStrings) {
  LogCapture capture(Level::debug, Format::json);
  warn("tcp", "bad \"line\"", {{"source", "rx\n1"}});
  const std::string text = capture.text();
  EXPECT_NE(text.find("\"level\":\"warn\",\"component\":\"tcp\",\"msg\":\"bad \\\"line\\\"\","
                      "\"source\":\"rx\\u000a1\"}\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.rfind("{\"time\":\"", 0), 0u) << text;
}

TEST(Log, RepeatedEventsAreRateLimitedAndTheSuppressedAreCounted) {
  LogCapture capture(Level::info, Format::text);
  for (int i = 0; i < 50; ++i) write_limited(Level::warn, "udp", "garbage datagram", {}, 3, 3600);
  const std::string text = capture.text();
  std::size_t lines = 0;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  EXPECT_EQ(lines, 3u) << text;
}

TEST(Log, LevelsAndFormatsParseFromTheirConfigNames) {
  Level level = Level::info;
  EXPECT_TRUE(parse_level("debug", level));
  EXPECT_EQ(level, Level::debug);
  EXPECT_FALSE(parse_level("verbose", level));
  Format format = Format::text;
  EXPECT_TRUE(parse_format("json", format));
  EXPECT_EQ(format, Format::json);
  EXPECT_FALSE(parse_format("xml", format));
}

}  // namespace
}  // namespace aiswatch::io::log
