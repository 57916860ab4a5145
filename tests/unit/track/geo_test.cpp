// Distances checked against values computed independently (by hand from the sphere's radius, and
// the antimeridian case by symmetry).
#include <gtest/gtest.h>

#include <cmath>

#include "track/geo.h"

namespace aiswatch::track {
namespace {

TEST(Geo, OneDegreeOfLatitudeIsAbout111195Metres) {
  EXPECT_NEAR(haversine_m(0.0, 0.0, 1.0, 0.0), 111'195.08, 0.01);
  EXPECT_NEAR(haversine_m(60.0, 5.0, 61.0, 5.0), 111'195.08, 0.01);
}

TEST(Geo, LongitudeShrinksWithCosineOfLatitude) {
  // At 60 degrees a degree of longitude is half as long (small-angle, so nearly exact).
  EXPECT_NEAR(haversine_m(60.0, 0.0, 60.0, 0.01), 111'195.08 * 0.01 * 0.5, 0.05);
}

TEST(Geo, QuarterOfTheEquatorAndAntipodes) {
  EXPECT_NEAR(haversine_m(0.0, 0.0, 0.0, 90.0), earth_radius_m * pi / 2.0, 0.01);
  EXPECT_NEAR(haversine_m(0.0, 0.0, 0.0, 180.0), earth_radius_m * pi, 0.01);
  EXPECT_NEAR(haversine_m(90.0, 0.0, -90.0, 0.0), earth_radius_m * pi, 0.01);
}

TEST(Geo, AcrossTheAntimeridianIsShort) {
  const double d = haversine_m(10.0, 179.99, 10.0, -179.99);
  EXPECT_NEAR(d, haversine_m(10.0, -0.01, 10.0, 0.01), 1e-6);
  EXPECT_LT(d, 2'200.0);
}

TEST(Geo, ShortDistancesKeepMetrePrecision) {
  // 10 m north: 10 / 111195.08 degrees.
  EXPECT_NEAR(haversine_m(37.0, 124.0, 37.0 + 10.0 / 111'195.08, 124.0), 10.0, 1e-6);
  EXPECT_EQ(haversine_m(37.0, 124.0, 37.0, 124.0), 0.0);
}

TEST(Geo, ImpliedKnots) {
  EXPECT_DOUBLE_EQ(implied_knots(1'852.0, 3'600'000), 1.0);
  EXPECT_DOUBLE_EQ(implied_knots(1'852.0 * 10, 1'800'000), 20.0);
  EXPECT_TRUE(std::isinf(implied_knots(1.0, 0)));
  EXPECT_EQ(implied_knots(0.0, 0), 0.0);
}

TEST(Geo, ValidPosition) {
  EXPECT_TRUE(valid_position(90.0, 180.0));
  EXPECT_TRUE(valid_position(-90.0, -180.0));
  EXPECT_FALSE(valid_position(90.5, 0.0));
  EXPECT_FALSE(valid_position(0.0, -180.5));
  EXPECT_FALSE(valid_position(std::nan(""), 0.0));
}

}  // namespace
}  // namespace aiswatch::track
