#include "ais/message.h"

#include <cmath>

namespace aiswatch::ais {

std::optional<double> RateOfTurn::degrees_per_minute(int8_t raw) {
  if (raw == -128 || raw == 127 || raw == -127) return std::nullopt;
  const double root = raw / 4.733;
  return raw < 0 ? -(root * root) : root * root;
}

}  // namespace aiswatch::ais
