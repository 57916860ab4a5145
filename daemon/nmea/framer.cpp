// Placeholder until the framer lands.
#include "nmea/framer.h"
