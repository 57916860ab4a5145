#include "app/config_command.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "app/config.h"
#include "support/command_run.h"

namespace aiswatch::app {
namespace {

namespace fs = std::filesystem;

testing::CommandRun run(const std::vector<std::string>& args) {
  return testing::run_command(run_config, args);
}

fs::path write(const std::string& name, const std::string& text) {
  const auto path = fs::temp_directory_path() / ("aiswatch_config_command_" + name);
  std::ofstream(path) << text;
  return path;
}

// The commands read the process environment; a test sees only the AISWATCH_* variables it sets
// (whatever the shell running the tests has is put aside and restored).
class ConfigCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = process_environment();
    for (const auto& [name, value] : saved_) ::unsetenv(name.c_str());
  }
  void TearDown() override {
    for (const auto& [name, value] : process_environment()) ::unsetenv(name.c_str());
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  Environment saved_;
};

TEST_F(ConfigCommand, CheckValidFile) {
  const auto path = write("valid.yaml", "kafka:\n  brokers: k:9092\nlog:\n  level: warn\n");
  const auto result = run({"check", path.string()});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, path.string() + ": valid\n");
  EXPECT_TRUE(result.err.empty());
}

TEST_F(ConfigCommand, CheckInvalidFilePrintsEveryErrorAndExitsOne) {
  const auto path = write("invalid.yaml", "http:\n  port: 70000\nlog:\n  levl: info\n");
  ::setenv("AISWATCH_KAFKA_BROKERS", "", 1);
  const auto result = run({"check", path.string()});
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(result.out.empty());
  EXPECT_EQ(result.err, path.string() + ":2: http.port: 70000 is out of range [0, 65535]\n" +
                            path.string() +
                            ":4: log.levl: unknown key (did you mean log.level?)\n"
                            "environment AISWATCH_KAFKA_BROKERS: kafka.brokers: must not be "
                            "empty\n"
                            "aiswatchd config: " +
                            path.string() + ": 3 error(s)\n");
}

TEST_F(ConfigCommand, CheckUnreadableFile) {
  const auto result = run({"check", "/nonexistent/aiswatch.yaml"});
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.err.find("/nonexistent/aiswatch.yaml: cannot read: No such file or directory\n"),
            std::string::npos)
      << result.err;
}

TEST_F(ConfigCommand, UsageErrorsExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"check"}, {"check", "a", "b"}, {"show", "a", "b"}, {"reference", "x"}, {"frob"}}) {
    const auto result = run(args);
    EXPECT_EQ(result.code, 2) << ::testing::PrintToString(args);
    EXPECT_NE(result.err.find("usage: aiswatchd config check FILE"), std::string::npos);
  }
  const auto help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: aiswatchd config check FILE"), std::string::npos);
}

TEST_F(ConfigCommand, ShowAppliesTheEnvironmentAndMasksSecrets) {
  const auto path =
      write("show.yaml", "kafka:\n  brokers: k:9092\n  consumer:\n    sasl.username: aiswatch\n");
  ::setenv("AISWATCH_KAFKA_CONSUMER_SASL_PASSWORD", "hunter2", 1);
  ::setenv("AISWATCH_HTTP_PORT", "8080", 1);
  const auto result = run({"show", path.string()});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_NE(result.out.find("  brokers: k:9092\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("    sasl.password: \"***\"\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("    sasl.username: aiswatch\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("  port: 8080\n"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("hunter2"), std::string::npos) << result.out;
}

TEST_F(ConfigCommand, ShowWithoutFileIsTheDefaults) {
  const auto result = run({"show"});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, echo_config(Config{}));
}

TEST_F(ConfigCommand, ShowInvalidExitsOne) {
  ::setenv("AISWATCH_LOG_LEVEL", "loud", 1);
  const auto result = run({"show"});
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(result.out.empty());
  EXPECT_EQ(result.err,
            "environment AISWATCH_LOG_LEVEL: log.level: 'loud' is not one of debug, info, warn, "
            "error\naiswatchd config: environment: 1 error(s)\n");
}

TEST_F(ConfigCommand, ReferencePrintsTheMarkdown) {
  const auto result = run({"reference"});
  EXPECT_EQ(result.code, 0);
  EXPECT_EQ(result.out, config_reference_markdown());
}

}  // namespace
}  // namespace aiswatch::app
