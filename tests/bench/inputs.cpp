#include "inputs.h"

#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "ais/encoder.h"
#include "ais/message.h"

namespace aiswatch::bench {
namespace {

// The captures described in shared/data/ais/README.md. Listed rather than globbed: the folders
// also hold licence files.
constexpr const char* capture_files[] = {
    "amsa-risky/ais.txt.gz",
    "amsa-risky/exact-earth-augmented.txt",
    "amsa-risky/exact-earth-augmented-2.txt",
    "amsa-risky/exact-earth-augmented-3.txt",
    "amsa-risky/exact-earth-with-tag-block.txt",
    "amsa-risky/nmea-timestamped.txt",
    "dma-aislib/stream_example.txt",
    "dma-aislib/decode_encode_messages.txt",
    "simpleais/sample.ais",
    "pyais/nmea_data_sample.txt",
};

// A position on the 1/10000-minute grid the message carries, so it survives encoding exactly.
double on_grid(double degrees) { return std::round(degrees * 600'000.0) / 600'000.0; }

}  // namespace

std::vector<std::string> make_position_lines(std::size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<uint32_t> mmsi(201'000'000, 775'999'999);
  std::uniform_real_distribution<double> lon(-180.0, 180.0), lat(-90.0, 90.0);
  std::uniform_int_distribution<int> speed(0, 300), course(0, 3599), heading(0, 359), second(0, 59),
      turn(-126, 126), status(0, 8), kind(0, 9);
  std::uniform_int_distribution<uint32_t> radio(0, (1u << 19) - 1);

  std::vector<std::string> lines;
  lines.reserve(count);
  ais::SentenceOptions options;
  for (std::size_t n = 0; n < count; ++n) {
    const int k = kind(rng);
    ais::Message message;
    if (k < 9) {
      ais::PositionReport m;
      m.header.type = k < 8 ? 1 : 3;
      m.header.mmsi = mmsi(rng);
      m.status = static_cast<uint8_t>(status(rng));
      m.turn = static_cast<int8_t>(turn(rng));
      m.speed = speed(rng) / 10.0;
      m.lon = on_grid(lon(rng));
      m.lat = on_grid(lat(rng));
      m.course = course(rng) / 10.0;
      m.heading = static_cast<unsigned>(heading(rng));
      m.second = static_cast<uint8_t>(second(rng));
      m.radio = radio(rng);
      message = m;
    } else {
      ais::ClassBPositionReport m;
      m.header.type = 18;
      m.header.mmsi = mmsi(rng);
      m.speed = speed(rng) / 10.0;
      m.lon = on_grid(lon(rng));
      m.lat = on_grid(lat(rng));
      m.course = course(rng) / 10.0;
      m.heading = static_cast<unsigned>(heading(rng));
      m.second = static_cast<uint8_t>(second(rng));
      m.cs = true;
      m.radio = radio(rng);
      message = m;
    }
    options.channel = (n % 2 == 0) ? 'A' : 'B';
    for (std::string& line : ais::to_sentences(ais::encode(message), options)) {
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

std::vector<std::string> load_capture_lines(const std::string& shared_data_dir,
                                            std::string* error) {
  std::vector<std::string> lines;
  const std::filesystem::path dir = std::filesystem::path(shared_data_dir) / "ais";
  for (const char* name : capture_files) {
    const std::filesystem::path file = dir / name;
    gzFile in = gzopen(file.c_str(), "rb");  // reads uncompressed files as they are
    if (in == nullptr) {
      if (error) *error = "cannot open " + file.string();
      return {};
    }
    std::string line;
    char buf[4096];
    while (gzgets(in, buf, sizeof buf) != nullptr) {
      line += buf;
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        line.clear();
      }
    }
    if (!line.empty()) lines.push_back(std::move(line));
    gzclose(in);
  }
  return lines;
}

}  // namespace aiswatch::bench
