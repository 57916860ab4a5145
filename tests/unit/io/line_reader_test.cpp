#include "io/line_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

namespace aiswatch::io {
namespace {

struct Line {
  std::string text;
  std::size_t number;
  bool overlong;
};

std::vector<Line> read_all(const std::string& data, LineReaderConfig config) {
  std::size_t offset = 0;
  // Hand the data out in small, uneven reads so lines straddle block boundaries.
  const std::size_t step = 7;
  std::vector<Line> lines;
  const auto result = read_lines(
      [&](char* buffer, std::size_t size) -> long {
        const std::size_t n = std::min({size, step, data.size() - offset});
        std::copy_n(data.data() + offset, n, buffer);
        offset += n;
        return static_cast<long>(n);
      },
      [&](std::string_view line, std::size_t number, bool overlong) {
        lines.push_back({std::string(line), number, overlong});
      },
      config);
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.lines, lines.size());
  return lines;
}

TEST(LineReader, SplitsLinesAcrossReadsAndKeepsTheLastUnterminatedLine) {
  LineReaderConfig config;
  config.block_size = 16;
  config.max_line_length = 64;
  const auto lines = read_all("first line\r\nsecond\n\nthird without newline", config);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "first line\r");  // CR is the framer's to strip
  EXPECT_EQ(lines[1].text, "second");
  EXPECT_EQ(lines[2].text, "");
  EXPECT_EQ(lines[3].text, "third without newline");
  EXPECT_EQ(lines[3].number, 4u);
}

TEST(LineReader, CutsOverlongLinesWithoutGrowingAndResumesAfterThem) {
  LineReaderConfig config;
  config.block_size = 16;
  config.max_line_length = 10;
  const std::string long_line(1000, 'x');
  const auto lines = read_all("short\n" + long_line + "\nafter\n", config);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, "short");
  EXPECT_TRUE(lines[1].overlong);
  EXPECT_EQ(lines[1].text, std::string(10, 'x'));
  EXPECT_EQ(lines[2].text, "after");
  EXPECT_FALSE(lines[2].overlong);
}

// Feeds `chunks` one by one; each line as text, with "!" appended when it was cut.
std::vector<std::string> split(const std::vector<std::string>& chunks, std::size_t max,
                               bool cr_ends_line, bool finish = true) {
  LineSplitter splitter(max, cr_ends_line);
  std::vector<std::string> out;
  auto on_line = [&](std::string_view line, bool overlong) {
    out.push_back(std::string(line) + (overlong ? "!" : ""));
  };
  for (const auto& chunk : chunks) splitter.push(chunk, on_line);
  if (finish) splitter.finish(on_line);
  return out;
}

TEST(LineSplitter, JoinsLinesSplitAcrossChunksAndCutsOverlongOnesOnce) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split({"ab", "c\nde", "f\n"}, 8, false), (V{"abc", "def"}));
  // Cut while still unfinished (head handed out at once), rest of the line skipped.
  EXPECT_EQ(split({"0123", "4567", "89ab", "cd\nok\n"}, 6, false), (V{"012345!", "ok"}));
  // Cut when the line end arrives with it.
  EXPECT_EQ(split({"0123", "456789\nok"}, 6, false), (V{"012345!", "ok"}));
  EXPECT_EQ(split({"0123456789\n"}, 6, false), (V{"012345!"}));
  // Exactly the limit is not overlong.
  EXPECT_EQ(split({"012", "345", "\n"}, 6, false), (V{"012345"}));
  // The unfinished last line is handed out by finish() only.
  EXPECT_EQ(split({"a\nb"}, 6, false, false), (V{"a"}));
}

TEST(LineSplitter, EndsLinesAtABareCarriageReturnWhenAsked) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split({"a\r\nb\rc"}, 8, false), (V{"a\r", "b\rc"}));
  EXPECT_EQ(split({"a\r\nb\r", "c"}, 8, true), (V{"a", "", "b", "c"}));
}

TEST(LineSplitter, ResetForgetsAnUnfinishedLine) {
  LineSplitter splitter(8);
  std::vector<std::string> out;
  auto on_line = [&](std::string_view line, bool) { out.emplace_back(line); };
  splitter.push("lost hal", on_line);  // at the limit, still unfinished
  splitter.reset();                    // the connection dropped
  splitter.push("new\n", on_line);
  EXPECT_EQ(out, (std::vector<std::string>{"new"}));
}

TEST(LineReader, ReportsReadErrors) {
  const auto result = read_lines([](char*, std::size_t) -> long { return -1; },
                                 [](std::string_view, std::size_t, bool) {});
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.error.empty());
}

TEST(InputFile, NamesTheReasonWhenAFileCannotBeOpened) {
  InputFile input("/nonexistent/aiswatch/feed.nmea");
  EXPECT_FALSE(input.is_open());
  EXPECT_EQ(input.error(), "No such file or directory");
}

TEST(InputFile, ReadsGzipCompressedFiles) {
  const auto path = std::filesystem::temp_directory_path() / "aiswatch_line_reader_test.nmea.gz";
  {
    gzFile gz = gzopen(path.c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    const std::string text = "!AIVDM,1,1,,A,a,0*00\nsecond\n";
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
  }
  InputFile input(path.string());
  ASSERT_TRUE(input.is_open()) << input.error();
  std::vector<std::string> lines;
  const auto result =
      input.read_lines([&](std::string_view line, std::size_t, bool) { lines.emplace_back(line); });
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(lines, (std::vector<std::string>{"!AIVDM,1,1,,A,a,0*00", "second"}));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace aiswatch::io
