#pragma once
// The real captures in ../shared/data (beside the checkout) are read in place, never copied
// into the repository. A developer without them gets a skipped test with the reason; CI always
// has them, so there (CI=true) their absence fails the test instead of hiding it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace aiswatch::testing {

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace aiswatch::testing

// Use first in a test body that reads `dir`.
#define AISWATCH_REQUIRE_SHARED_DATA(dir)                                              \
  do {                                                                                 \
    if (!std::filesystem::is_directory(dir)) {                                         \
      if (::aiswatch::testing::running_in_ci()) FAIL() << "missing in CI: " << (dir);  \
      GTEST_SKIP() << "shared captures not found at " << (dir);                        \
    }                                                                                  \
  } while (false)
