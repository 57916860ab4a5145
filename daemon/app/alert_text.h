#pragma once
// One alert event as one line for people, what `aiswatchd run` prints on standard output while
// it publishes (output.stdout_format: lines). Fixed columns first, then what varies:
//
//   2026-01-01T03:12:00Z OPEN    RENDEZVOUS       HIGH     445123000 "CHON MA SAN" with
//   352001234 "XIN YUAN 18" at 38.5125N 124.9000E zone=kp-west-sea id=3f1c2a9e0b7d4c51
//   reason="contact 30 min, 80 m apart"
//
// (one line in reality). The event time is the alert's event_time (when the detector saw what
// it reports), in UTC. Names and reasons are quoted with '"' and '\' escaped, so a name that a
// transponder sends with odd characters cannot break the line.
#include <string>

#include "aiswatch/v1/alert.pb.h"

namespace aiswatch::app {

std::string alert_text_line(const aiswatch::v1::Alert& alert);

}  // namespace aiswatch::app
