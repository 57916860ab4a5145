#pragma once
// Distances on the Earth for tracking and detection. One helper, used everywhere, so that the
// tracker's plausibility check, the spatial index and every detector threshold ("within 500 m")
// agree on what a metre is.
//
// A sphere of the IUGG mean radius R1 = 6 371 008.8 m (Moritz, "Geodetic Reference System 1980",
// Journal of Geodesy 74, 2000). Against the WGS 84 ellipsoid the haversine distance errs by at
// most about 0.5 % (worst along meridians near the equator and poles) — 2.5 m at 500 m, far inside
// AIS position noise (10 m with DGNSS, tens of metres without), so the ellipsoid is not worth its
// cost on the hot path.
#include <cmath>
#include <cstdint>

namespace aiswatch::track {

inline constexpr double earth_radius_m = 6'371'008.8;
inline constexpr double metres_per_nautical_mile = 1'852.0;  // exact, by definition
inline constexpr double pi = 3.14159265358979323846;
inline constexpr double degrees_to_radians = pi / 180.0;
// Length of one degree of latitude (and of longitude at the equator) on that sphere: 111 195 m.
inline constexpr double metres_per_degree = earth_radius_m * degrees_to_radians;

// Great-circle distance in metres between two WGS 84 positions given in degrees. Well
// conditioned for short distances (the reason to prefer haversine over the spherical law of
// cosines, which loses metres to rounding below a kilometre), and correct across the
// antimeridian (lon 179.99 to -179.99 is about 2 km, not 40 000 km).
inline double haversine_m(double lat1, double lon1, double lat2, double lon2) {
  const double phi1 = lat1 * degrees_to_radians;
  const double phi2 = lat2 * degrees_to_radians;
  const double dphi = (lat2 - lat1) * degrees_to_radians;
  const double dlambda = (lon2 - lon1) * degrees_to_radians;
  const double s_phi = std::sin(dphi * 0.5);
  const double s_lambda = std::sin(dlambda * 0.5);
  double a = s_phi * s_phi + std::cos(phi1) * std::cos(phi2) * s_lambda * s_lambda;
  if (a > 1.0) a = 1.0;  // rounding at antipodes
  return 2.0 * earth_radius_m * std::asin(std::sqrt(a));
}

// Speed in knots implied by covering `metres` in `millis` milliseconds (infinite for 0 ms).
inline double implied_knots(double metres, int64_t millis) {
  if (millis <= 0) return metres > 0.0 ? HUGE_VAL : 0.0;
  return metres / metres_per_nautical_mile / (static_cast<double>(millis) / 3'600'000.0);
}

// True for a position inside the WGS 84 coordinate ranges (NaN is outside).
inline bool valid_position(double lat, double lon) {
  return lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0;
}

}  // namespace aiswatch::track
