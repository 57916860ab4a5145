#include "ruleset/thresholds.h"

#include <gtest/gtest.h>

#include <set>

namespace aiswatch::ruleset {
namespace {

Thresholds parse(const std::string& text, LoadErrors& errors) {
  return Thresholds::parse("detectors.yaml", text, errors);
}

std::vector<std::string> problems(const std::string& text) {
  LoadErrors errors;
  parse(text, errors);
  std::vector<std::string> lines;
  for (const auto& e : errors) lines.push_back(e.to_string());
  return lines;
}

TEST(Thresholds, HistoryPointsDefaultAndRangeAreTheTrackersOwn) {
  // track::TrackerConfig::max_history_points defaults to 16 and clamps to [2, 1024]
  // (track/tracker.h); the tracker is built from this threshold (detect::tracker_config).
  const ThresholdSpec& spec =
      threshold_specs[static_cast<std::size_t>(ThresholdId::tracker_max_history_points)];
  EXPECT_EQ(spec.default_value, 16);
  EXPECT_EQ(spec.min, 2);
  EXPECT_EQ(spec.max, 1024);
  EXPECT_EQ(spec.type, ThresholdType::integer);
  EXPECT_EQ(problems("tracker:\n  max_history_points: 1025\n").size(), 1u);
  EXPECT_TRUE(problems("tracker:\n  max_history_points: 8\n").empty());
}

TEST(Thresholds, DefaultsComeFromPublishedPractice) {
  const Thresholds t;
  EXPECT_EQ(t.value(ThresholdId::rendezvous_max_distance_m), 500);
  EXPECT_EQ(t.value(ThresholdId::rendezvous_max_speed_kn), 2);
  EXPECT_EQ(t.seconds(ThresholdId::rendezvous_provisional_after_min), 30 * 60);
  EXPECT_EQ(t.seconds(ThresholdId::rendezvous_confirmed_after_h), 2 * 3600);
  EXPECT_EQ(t.seconds(ThresholdId::dark_period_threshold_h), 6 * 3600);
  EXPECT_EQ(t.value(ThresholdId::loitering_max_speed_kn), 2);
  EXPECT_EQ(t.seconds(ThresholdId::loitering_min_duration_h), 4 * 3600);
  EXPECT_EQ(t.seconds(ThresholdId::tracker_lateness_s), 60);
  EXPECT_TRUE(t.differences().empty());
}

TEST(Thresholds, TableIsConsistent) {
  std::set<std::string> paths;
  for (const auto& s : threshold_specs) {
    EXPECT_TRUE(paths.insert(s.path()).second) << s.path();
    EXPECT_LE(s.min, s.default_value) << s.path();
    EXPECT_LE(s.default_value, s.max) << s.path();
    EXPECT_FALSE(s.meaning.empty()) << s.path();
    EXPECT_FALSE(s.source.empty()) << s.path();
  }
}

TEST(Thresholds, MissingKeysKeepDefaultsAndOverridesApply) {
  LoadErrors errors;
  const auto t = parse("rendezvous:\n  max_distance_m: 800\ndark_period:\n  threshold_h: 12\n",
                       errors);
  ASSERT_TRUE(errors.empty()) << errors[0].to_string();
  EXPECT_EQ(t.value(ThresholdId::rendezvous_max_distance_m), 800);
  EXPECT_EQ(t.value(ThresholdId::dark_period_threshold_h), 12);
  EXPECT_EQ(t.value(ThresholdId::rendezvous_max_speed_kn), 2);
  EXPECT_EQ(t.differences(), (std::vector<ThresholdId>{ThresholdId::rendezvous_max_distance_m,
                                                      ThresholdId::dark_period_threshold_h}));
}

TEST(Thresholds, MillisecondsAreRoundedNotTruncated) {
  LoadErrors errors;
  const Thresholds t = parse("dark_period:\n  watchlisted_threshold_h: 0.7\n", errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(t.milliseconds(ThresholdId::dark_period_watchlisted_threshold_h),
            2'520'000);  // 0.7*3600*1000
  EXPECT_EQ(Thresholds{}.milliseconds(ThresholdId::tracker_lateness_s), 60'000);
}

TEST(Thresholds, EmptyFileIsEveryDefault) {
  LoadErrors errors;
  EXPECT_TRUE(parse("", errors).differences().empty());
  EXPECT_TRUE(parse("# only a comment\n", errors).differences().empty());
  EXPECT_TRUE(errors.empty());
}

TEST(Thresholds, DefaultYamlParsesBackToTheDefaults) {
  LoadErrors errors;
  const auto t = parse(Thresholds::default_yaml(), errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(t.differences().empty());
  for (const auto& s : threshold_specs) {
    EXPECT_NE(Thresholds::default_yaml().find("  " + std::string(s.key) + ": "), std::string::npos);
  }
}

TEST(ThresholdErrors, OutOfRangeNamesTheKeyAndRange) {
  EXPECT_EQ(problems("rendezvous:\n  max_distance_m: 50000\n"),
            std::vector<std::string>{
                "detectors.yaml: rendezvous.max_distance_m: 50000 is out of range [50, 5000]"});
  EXPECT_EQ(problems("tracker:\n  max_speed_kn: 103\n"),
            std::vector<std::string>{
                "detectors.yaml: tracker.max_speed_kn: 103 is out of range [20, 102.2]"});
}

TEST(ThresholdErrors, UnknownKeyAndSection) {
  EXPECT_EQ(problems("rendezvous:\n  max_distance: 500\n"),
            std::vector<std::string>{"detectors.yaml: rendezvous.max_distance: unknown key"});
  EXPECT_EQ(problems("spoofed:\n  x: 1\n"),
            std::vector<std::string>{
                "detectors.yaml: spoofed: unknown section (known: rendezvous, dark_period, "
                "dark_rendezvous, loitering, geofence, spoofing, identity_change, "
                "draught_change, tracker)"});
}

TEST(ThresholdErrors, AListOrMapAsANameIsAnErrorNotACrash) {
  // YAML's complex keys ("? ..."): yaml-cpp throws when they are read as strings (found by
  // fuzz_rules).
  EXPECT_EQ(problems("rendezvous:\n ? max_distance_m: 400\n"),
            std::vector<std::string>{"detectors.yaml: rendezvous: a threshold name must be a "
                                     "plain word, not a list or map"});
  EXPECT_EQ(problems("? [rendezvous, loitering]\n: {max_distance_m: 400}\n"),
            std::vector<std::string>{
                "detectors.yaml: a section name must be a plain word (rendezvous, dark_period, "
                "dark_rendezvous, loitering, geofence, spoofing, identity_change, "
                "draught_change, tracker)"});
}

TEST(ThresholdErrors, NotANumberOrNotWhole) {
  EXPECT_EQ(problems("loitering:\n  min_duration_h: four\n"),
            std::vector<std::string>{"detectors.yaml: loitering.min_duration_h: 'four' is not a "
                                     "number"});
  EXPECT_EQ(problems("loitering:\n  min_duration_h: .inf\n").size(), 1u);
  EXPECT_EQ(problems("tracker:\n  max_history_points: 10.5\n"),
            std::vector<std::string>{
                "detectors.yaml: tracker.max_history_points: 10.5 is not a whole number"});
  EXPECT_EQ(problems("loitering:\n  min_duration_h: [1, 2]\n"),
            std::vector<std::string>{"detectors.yaml: loitering.min_duration_h: must be a number"});
}

TEST(ThresholdErrors, RelationsBetweenKeys) {
  EXPECT_EQ(problems("rendezvous:\n  provisional_after_min: 180\n"),
            std::vector<std::string>{"detectors.yaml: rendezvous.provisional_after_min: must be "
                                     "shorter than rendezvous.confirmed_after_h"});
  EXPECT_EQ(problems("dark_period:\n  watchlisted_threshold_h: 8\n"),
            std::vector<std::string>{"detectors.yaml: dark_period.watchlisted_threshold_h: must "
                                     "not be longer than dark_period.threshold_h"});
}

TEST(ThresholdErrors, AllProblemsAreCollectedAndYamlSyntaxHasALine) {
  EXPECT_EQ(problems("rendezvous:\n  max_distance_m: 1\n  bogus: 2\nloitering: 3\n").size(), 3u);
  const auto syntax = problems("rendezvous:\n  max_distance_m: [500\n");
  ASSERT_EQ(syntax.size(), 1u);
  EXPECT_EQ(syntax[0].rfind("detectors.yaml:", 0), 0u);
  EXPECT_NE(syntax[0].find("not valid YAML"), std::string::npos);
  EXPECT_EQ(problems("- 1\n- 2\n").size(), 1u);
}

}  // namespace
}  // namespace aiswatch::ruleset
