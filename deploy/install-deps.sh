#!/usr/bin/env bash
# Installs, with apt-get, exactly the Debian 12 packages that aiswatch's build, tests and tools
# need — including those later stages use (Kafka client, protobuf, YAML, HTTP), so a machine set
# up once stays set up. Run as root (or with sudo available). Safe to run again.
set -euo pipefail

packages=(
  # toolchain and build
  g++ cmake ninja-build pkg-config git ca-certificates
  # libraries
  libboost-dev libboost-program-options-dev   # Asio, Beast, Geometry (headers), program_options
  librdkafka-dev                              # Kafka client and the mock cluster used as embedded broker
  libprotobuf-dev protobuf-compiler           # Alert / PositionReport schemas
  libyaml-cpp-dev                             # config and detectors.yaml
  prometheus-cpp-dev                          # /metrics registry (served by our Boost.Beast server)
  nlohmann-json3-dev                          # GeoJSON zones (rules/)
  zlib1g-dev
  # tests, fuzzing, benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev                    # libFuzzer and the sanitizer runtimes
  kcat                                        # reading alert topics in tests and docs
  gpsd-clients                                # gpsdecode: the independent decoder of the differential test
  python3                                     # test scripts (standard library only)
  gzip
  # packaging and deploy checks (tests/deploy/)
  dpkg-dev                                    # dpkg-shlibdeps (the .deb's Depends), dpkg-deb
  systemd                                     # systemd-analyze verify/security on the unit
  adduser                                     # the package's postinst, when the tests install it
  python3-yaml                                # manifest checks (Kubernetes, compose)
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-deps.sh: run as root or install sudo" >&2; exit 1
  fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install-deps.sh: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
