#pragma once
// Corrupts bytes the same way on every run, for tests that feed damaged input (checkpoint
// states, files) to a reader that must refuse it or carry on, never crash.
#include <cstdint>
#include <string>

namespace aiswatch::testing {

// Flips `flips` bits of `bytes` at places drawn from the xorshift64 generator `state` (advanced,
// so successive calls flip different bits). `bytes` must not be empty.
inline void flip_bits(std::string& bytes, uint64_t& state, int flips) {
  for (int flip = 0; flip < flips; ++flip) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    bytes[state % bytes.size()] ^= static_cast<char>(1u << (state >> 61));
  }
}

}  // namespace aiswatch::testing
