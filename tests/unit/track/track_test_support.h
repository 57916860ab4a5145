#pragma once
// Hand-built messages for the tracker tests: each test states exactly the fields it cares about.
#include <cstdint>
#include <optional>
#include <string_view>

#include "ais/identity.h"
#include "ais/message.h"

namespace aiswatch::track::test {

inline constexpr int64_t t0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z, UNIX ms
inline constexpr int64_t s = 1'000;               // one second in ms
inline constexpr int64_t minute = 60 * s;
inline constexpr int64_t hour = 60 * minute;

inline ais::Header header(uint8_t type, uint32_t mmsi) {
  ais::Header h;
  h.type = type;
  h.mmsi = mmsi;
  const ais::MmsiIdentity id = ais::classify_mmsi(mmsi);
  h.category = id.category;
  h.mid = id.mid;
  return h;
}

// A Class A report (type 1) under way; `second` defaults to something that changes with lat so
// that distinct fixes hash differently.
inline ais::PositionReport class_a(uint32_t mmsi, double lat, double lon,
                                   std::optional<double> speed = 10.0,
                                   std::optional<double> course = 90.0, uint8_t second = 0) {
  ais::PositionReport m;
  m.header = header(1, mmsi);
  m.status = 0;
  m.lat = lat;
  m.lon = lon;
  m.speed = speed;
  m.course = course;
  m.heading = 90;
  m.second = second;
  return m;
}

template <std::size_t N>
ais::SixBitText<N> text(std::string_view v) {
  ais::SixBitText<N> t;
  for (std::size_t i = 0; i < v.size() && i < N; ++i) t.chars[i] = v[i];
  t.length = static_cast<uint8_t>(v.size() < N ? v.size() : N);
  return t;
}

}  // namespace aiswatch::track::test
