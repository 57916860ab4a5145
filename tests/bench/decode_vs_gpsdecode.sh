#!/usr/bin/env bash
# Compares `aiswatchd decode` with gpsd's `gpsdecode -j` on the same input: both read the same
# file of plain AIS sentences and write one JSON object per message; the wall time of each is the
# median of RUNS runs. Builds nothing.
#
# usage: tests/bench/decode_vs_gpsdecode.sh [AISWATCHD [INPUT]]
#   AISWATCHD  default build/release/daemon/app/aiswatchd
#   INPUT      a file of NMEA lines; default: every shared capture (shared/data/ais), reduced to
#              plain sentences (leading receive time, tag block and trailing metadata removed, so
#              neither decoder is asked to parse what the other ignores), repeated until it has at
#              least MIN_LINES lines, in a temporary file. A million lines keep aiswatchd busy
#              for about half a second a run; much less and its times are scheduler noise.
# environment: RUNS (default 5), MIN_LINES (default 1000000), SHARED_DATA (default ../shared/data
#              beside the repository), PIN_CPU (default the last CPU; empty: no pinning).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
aiswatchd=${1:-$repo/build/release/daemon/app/aiswatchd}
input=${2:-}
runs=${RUNS:-5}
min_lines=${MIN_LINES:-1000000}
shared=${SHARED_DATA:-$repo/../shared/data}

die() { echo "decode_vs_gpsdecode: $*" >&2; exit 1; }

[[ -x $aiswatchd ]] || die "no aiswatchd at '$aiswatchd' (build it: cmake --preset release && cmake --build --preset release)"
command -v gpsdecode >/dev/null || die "gpsdecode not found (Debian: apt-get install gpsd-clients)"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ -z $input ]]; then
  captures=(amsa-risky/ais.txt.gz amsa-risky/exact-earth-augmented.txt
            amsa-risky/exact-earth-augmented-2.txt amsa-risky/exact-earth-augmented-3.txt
            amsa-risky/exact-earth-with-tag-block.txt amsa-risky/nmea-timestamped.txt
            dma-aislib/stream_example.txt dma-aislib/decode_encode_messages.txt
            simpleais/sample.ais pyais/nmea_data_sample.txt)
  for f in "${captures[@]}"; do
    [[ -r $shared/ais/$f ]] || die "missing capture $shared/ais/$f (set SHARED_DATA or pass INPUT)"
  done
  # gzip -dcf passes uncompressed files through unchanged.
  (cd "$shared/ais" && gzip -dcf "${captures[@]}") \
    | tr -d '\r' \
    | sed -E 's/^[0-9]+(\.[0-9]+)? +//; s/^\\[^\\]*\\//; s/(\*[0-9A-Fa-f]{2}),.*$/\1/' \
    | grep -E '^!..VD[MO],' > "$tmp/once.nmea" || true
  once=$(wc -l < "$tmp/once.nmea")
  (( once > 0 )) || die "no AIS sentences in the captures"
  : > "$tmp/input.nmea"
  lines=0
  while (( lines < min_lines )); do
    cat "$tmp/once.nmea" >> "$tmp/input.nmea"
    lines=$(( lines + once ))
  done
  input=$tmp/input.nmea
fi
[[ -r $input ]] || die "cannot read input '$input'"

# Messages = JSON lines written (counted once, outside the timed runs).
count_aiswatchd=$("$aiswatchd" decode "$input" 2>/dev/null | grep -c '^{' || true)
count_gpsdecode=$(gpsdecode -j < "$input" 2>/dev/null | grep -c '^{' || true)

now_ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Both decoders are single-threaded: run them on the same CPU so that neither gains or loses
# from the scheduler moving it between the cores of a shared VM (the noisiest part of the
# measurement here). PIN_CPU= (empty) disables pinning.
pin_cpu=${PIN_CPU-$(( $(nproc) - 1 ))}
pin=()
if [[ -n $pin_cpu ]] && command -v taskset >/dev/null; then pin=(taskset -c "$pin_cpu"); fi

run_aiswatchd() { "${pin[@]}" "$aiswatchd" decode "$input"; }
run_gpsdecode() { "${pin[@]}" gpsdecode -j < "$input"; }
wall_ns() {  # wall time in nanoseconds of one run of "$@"
  local start end
  start=$(now_ns)
  "$@" > /dev/null 2>&1
  end=$(now_ns)
  echo $(( end - start ))
}

# Alternate the two, so that a slow spell of the machine hits both alike; median of each.
for (( k = 0; k < runs; ++k )); do
  wall_ns run_aiswatchd >> "$tmp/aiswatchd.ns"
  wall_ns run_gpsdecode >> "$tmp/gpsdecode.ns"
done
ns_aiswatchd=$(median < "$tmp/aiswatchd.ns")
ns_gpsdecode=$(median < "$tmp/gpsdecode.ns")
[[ ${#pin[@]} -gt 0 ]] && echo "both pinned to CPU $pin_cpu (PIN_CPU= to disable)"

awk -v lines="$(wc -l < "$input")" -v runs="$runs" \
    -v na="$count_aiswatchd" -v ta="$ns_aiswatchd" \
    -v ng="$count_gpsdecode" -v tg="$ns_gpsdecode" 'BEGIN {
  ra = na / (ta / 1e9); rg = ng / (tg / 1e9)
  printf "input: %d lines\n", lines
  printf "aiswatchd decode: %.0f msgs/s (median of %d: %.3f s, %d msgs)\n", ra, runs, ta / 1e9, na
  printf "gpsdecode -j: %.0f msgs/s (median of %d: %.3f s, %d msgs)\n", rg, runs, tg / 1e9, ng
  printf "ratio: %.2f (msgs/s; wall time ratio %.2f)\n", (rg > 0 ? ra / rg : 0), (ta > 0 ? tg / ta : 0)
}'
if (( count_aiswatchd != count_gpsdecode )); then
  echo "note: the decoders produced different message counts ($count_aiswatchd vs $count_gpsdecode)" >&2
fi
