#include "ruleset/watchlist.h"

#include <gtest/gtest.h>

namespace aiswatch::ruleset {
namespace {

constexpr const char* header = "mmsi,imo,name,reason\n";

TEST(Watchlist, LooksUpByMmsiAndByImo) {
  LoadErrors errors;
  const auto list = Watchlist::parse(
      "watchlist.csv",
      std::string(header) +
          "445123456,1000019,STAR ONE,\"designated, 2018\"\n"
          "445000002,,MMSI ONLY,reason two\r\n"
          ",1234567,IMO ONLY,\"said \"\"hello\"\"\"\n"
          "\n",
      errors);
  ASSERT_TRUE(errors.empty()) << errors[0].to_string();
  ASSERT_EQ(list.size(), 3u);
  ASSERT_NE(list.by_mmsi(445123456), nullptr);
  EXPECT_EQ(list.by_mmsi(445123456)->reason, "designated, 2018");
  EXPECT_EQ(list.by_imo(1000019)->name, "STAR ONE");
  EXPECT_EQ(list.by_mmsi(445000002)->imo, 0u);
  EXPECT_EQ(list.by_imo(1234567)->reason, "said \"hello\"");
  EXPECT_EQ(list.by_imo(1234567)->line, 4u);
  EXPECT_EQ(list.by_mmsi(999999999), nullptr);
  EXPECT_EQ(list.find(111111111, 1234567)->name, "IMO ONLY");
  EXPECT_EQ(list.find(445000002, 0)->name, "MMSI ONLY");
  EXPECT_EQ(list.find(0, 0), nullptr);
}

TEST(Watchlist, QuotedFieldMaySpanLinesAndLineNumbersFollow) {
  LoadErrors errors;
  const auto list = Watchlist::parse(
      "watchlist.csv", std::string(header) + "445123456,,A,\"two\nlines\"\n12345,,B,r\n", errors);
  EXPECT_EQ(list.by_mmsi(445123456)->reason, "two\nlines");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "watchlist.csv:4: mmsi '12345' is not nine digits");
}

std::vector<std::string> problems(const std::string& rows) {
  LoadErrors errors;
  Watchlist::parse("watchlist.csv", std::string(header) + rows, errors);
  std::vector<std::string> lines;
  for (const auto& e : errors) lines.push_back(e.to_string());
  return lines;
}

TEST(WatchlistErrors, EachProblemNamesItsLine) {
  EXPECT_EQ(problems("445123456,1234568,A,r\n"),
            std::vector<std::string>{"watchlist.csv:2: imo 1234568 fails its check digit"});
  EXPECT_EQ(problems(",123456,A,r\n"),
            std::vector<std::string>{"watchlist.csv:2: imo '123456' is not seven digits"});
  EXPECT_EQ(problems(",,A,r\n"),
            std::vector<std::string>{"watchlist.csv:2: neither mmsi nor imo is given"});
  EXPECT_EQ(problems("44512345x,,A,r\n"),
            std::vector<std::string>{"watchlist.csv:2: mmsi '44512345x' is not nine digits"});
  EXPECT_EQ(problems("445123456,,A\n"),
            std::vector<std::string>{
                "watchlist.csv:2: expected 4 fields (mmsi,imo,name,reason), found 3"});
  EXPECT_EQ(problems("445123456,,A,\n"),
            std::vector<std::string>{
                "watchlist.csv:2: reason is empty (alerts carry it to the watch floor)"});
  EXPECT_EQ(problems("445123456,,\"A\"x,r\n"),
            std::vector<std::string>{"watchlist.csv:2: text after a closing quote (write a quote "
                                     "inside a field as \"\")"});
  EXPECT_EQ(problems("445123456,,\"A,r\n"),
            std::vector<std::string>{"watchlist.csv:2: unterminated quoted field"});
}

TEST(WatchlistErrors, DuplicatesAreErrors) {
  EXPECT_EQ(problems("445123456,,A,r\n,1000019,B,r\n445123456,,C,r\n445000001,1000019,D,r\n"),
            (std::vector<std::string>{"watchlist.csv:4: mmsi 445123456 is already listed on line 2",
                                      "watchlist.csv:5: imo 1000019 is already listed on line 3"}));
}

TEST(WatchlistErrors, EveryBadRowIsReportedAndGoodRowsLoad) {
  LoadErrors errors;
  const auto list = Watchlist::parse(
      "watchlist.csv", std::string(header) + "1,,A,r\n445123456,,B,r\n,2,C,r\n", errors);
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_EQ(list.size(), 1u);
}

TEST(WatchlistErrors, HeaderIsRequired) {
  LoadErrors errors;
  Watchlist::parse("watchlist.csv", "mmsi,name\n445123456,A\n", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "watchlist.csv:1: header must be 'mmsi,imo,name,reason'");
  errors.clear();
  Watchlist::parse("watchlist.csv", "", errors);
  ASSERT_EQ(errors.size(), 1u);
}

}  // namespace
}  // namespace aiswatch::ruleset
