#pragma once
// The wall clock as the daemon's inputs read it: Unix epoch milliseconds. It stamps the arrival
// time of lines that carry no time of their own (a socket read, a Kafka record without a
// timestamp) and is what the idle watermark follows. Sources that tests drive take a `clock`
// function in their config and default to this one.
#include <chrono>
#include <cstdint>

namespace aiswatch::io {

inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace aiswatch::io
