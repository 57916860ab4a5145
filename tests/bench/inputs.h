#pragma once
// Inputs for the decode benchmarks and the allocation check.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aiswatch::bench {

// `count` single-sentence position reports as complete NMEA lines (types 1, 3 and 18 in the
// proportions of a terrestrial feed, about 8:1:1), channels A and B, made with ais::encode and
// ais::to_sentences from pseudo-random positions and motion, deterministic for a given `seed`.
std::vector<std::string> make_position_lines(std::size_t count, uint32_t seed = 1371);

// Every line of the real captures in `shared_data_dir`/ais (see its README.md), in a fixed file
// order, .gz files decompressed. Empty when the directory is missing; `error` then says why.
std::vector<std::string> load_capture_lines(const std::string& shared_data_dir,
                                            std::string* error = nullptr);

}  // namespace aiswatch::bench
