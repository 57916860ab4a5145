#include "detect/common.h"

namespace aiswatch::detect {

void snapshot(const track::VesselState& v, alert::VesselSnapshot& out) {
  out.mmsi = v.mmsi;
  out.name.assign(v.statics.name.view());
  out.imo = v.statics.imo;
  out.callsign.assign(v.statics.callsign.view());
  if (v.flag != nullptr) {
    out.flag.assign(v.flag->iso2);
  } else {
    out.flag.clear();
  }
  out.ship_type = v.statics.ship_type.value_or(0);
}

}  // namespace aiswatch::detect
