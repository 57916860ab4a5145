# The two helpers every library and test goes through, so that warnings, sanitizers and labels
# are set in one place (the habit comes from Redpanda's cmake/).

set(AISWATCH_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
# GCC 12's libstdc++ makes -Wrestrict fire on ordinary std::string concatenation at -O3 (GCC bug
# 105329, fixed in GCC 13); Debian 12's compiler is GCC 12.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND AISWATCH_WARNINGS -Wno-restrict)
endif()
if(AISWATCH_WERROR)
  list(APPEND AISWATCH_WARNINGS -Werror)
endif()

if(AISWATCH_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer needs the code under test built with its coverage instrumentation. Libraries get
# -fsanitize=fuzzer-no-link (instrumentation without libFuzzer's main); only the fuzz targets in
# tests/fuzz/ link -fsanitize=fuzzer. Executables that link an instrumented library (aiswatchd)
# take the flag at link time too so the coverage callbacks resolve.
if(AISWATCH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "AISWATCH_FUZZ needs clang (libFuzzer); use the fuzz preset")
  endif()
  set(AISWATCH_FUZZ_INSTRUMENT -fsanitize=fuzzer-no-link)
endif()

# aiswatch_library(NAME SOURCES ... DEPS ...): a static library for one pipeline stage, named
# aiswatch_NAME, whose headers are included as "NAME/header.h" from daemon/.
function(aiswatch_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(aiswatch_${name} STATIC ${ARG_SOURCES})
  target_include_directories(aiswatch_${name} PUBLIC ${PROJECT_SOURCE_DIR}/daemon)
  target_compile_options(aiswatch_${name} PRIVATE ${AISWATCH_WARNINGS})
  target_link_libraries(aiswatch_${name} PUBLIC ${ARG_DEPS})
  if(AISWATCH_FUZZ_INSTRUMENT)
    target_compile_options(aiswatch_${name} PRIVATE ${AISWATCH_FUZZ_INSTRUMENT})
    target_link_options(aiswatch_${name} INTERFACE ${AISWATCH_FUZZ_INSTRUMENT})
  endif()
endfunction()

# aiswatch_test(NAME SOURCES ... DEPS ... LABELS ...): a GoogleTest executable registered with
# ctest, each test case a ctest test, labelled unit (default), integration, fuzz or bench.
function(aiswatch_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${AISWATCH_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    AISWATCH_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data"
    AISWATCH_RULES_DIR="${PROJECT_SOURCE_DIR}/rules"
    AISWATCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()

include(GoogleTest)
