#!/usr/bin/env bash
# End-to-end replay throughput (issue 3: "Replay of a 20,000-vessel simulated scenario: at least
# 1 million messages per second on one core, end to end from NMEA text to alerts written").
# Generates a scenario with `aiswatchd simulate`, then times `aiswatchd replay` over it (framing,
# decoding, tracking, every detector, alerts written as JSON lines) RUNS times on one CPU and
# prints the median as messages per second. Builds nothing.
#
# usage: tests/bench/replay_throughput.sh [AISWATCHD]
#   AISWATCHD  default build/release/daemon/app/aiswatchd
# environment:
#   VESSELS (default 20000), MINUTES (default 75: 14.5 million messages in 14.9 million lines,
#     1.06 GB, generated in about 36 s on a shared 2-vCPU VM; 75 rather than 60 because a
#     planted zone crossing or tug assist needs 70 minutes to fit; 10 minutes give 1.9 million
#     messages, and a replay that short is dominated by the vessel table filling up),
#   ZONE_CROSSINGS (default 10), RENDEZVOUS, DARK_PERIODS, LOITERINGS (default 3 each),
#     TUG_ASSISTS (default 2), ROADSTEADS (default 1): planted events and look-alikes,
#     `aiswatchd simulate` options of the same names. The simulator plants only events that fit
#     whole in the run: zone crossings and tug assists need 70 minutes, rendezvous and
#     loitering about 7 h, dark periods about 11 h. The script prints the ground truth by kind
#     (with RULES, it includes every watch-zone crossing of the background traffic).
#   SEED (default 1), RULES (default the repository's rules/), RUNS (default 5), PIN_CPU (default
#   the last CPU; empty: no pinning), TARGET (default 1000000 messages/s).
# A message is what replay's summary counts: every complete AIS message framed from the input,
# duplicate copies from a second shore station included (the tracker drops those, after decoding).
set -euo pipefail
export LC_ALL=C  # decimal points in `time` and awk

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
aiswatchd=${1:-$repo/build/release/daemon/app/aiswatchd}
runs=${RUNS:-5}
vessels=${VESSELS:-20000}
minutes=${MINUTES:-75}
rules=${RULES:-$repo/rules}
target=${TARGET:-1000000}

die() { echo "replay_throughput: $*" >&2; exit 1; }

[[ -x $aiswatchd ]] || die "no aiswatchd at '$aiswatchd' (build it: cmake --preset release && cmake --build --preset release)"
[[ -d $rules ]] || die "no rules directory at '$rules' (set RULES)"
for name in RUNS VESSELS MINUTES TARGET; do
  [[ ${!name:-1} =~ ^[1-9][0-9]*$ ]] || die "$name must be a positive integer"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The scenario, generated once, outside the timed runs.
"$aiswatchd" simulate --vessels "$vessels" --minutes "$minutes" --seed "${SEED:-1}" \
  --rules "$rules" --zone-crossings "${ZONE_CROSSINGS:-10}" --rendezvous "${RENDEZVOUS:-3}" \
  --dark-periods "${DARK_PERIODS:-3}" --loiterings "${LOITERINGS:-3}" \
  --tug-assists "${TUG_ASSISTS:-2}" --roadsteads "${ROADSTEADS:-1}" --truth "$tmp/truth.jsonl" \
  > "$tmp/feed.nmea" 2> "$tmp/simulate.err" \
  || { cat "$tmp/simulate.err" >&2; die "aiswatchd simulate failed"; }
sed 's/^aiswatchd simulate: /scenario: /' "$tmp/simulate.err"
truth=$(grep -oE '"type":"[A-Z_]+","kind":"[a-z0-9_]+"' "$tmp/truth.jsonl" \
        | sed -E 's/"type":"([A-Z_]+)","kind":"([a-z0-9_]+)"/\1\/\2/' | sort | uniq -c \
        | awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }' || true)
echo "ground truth: ${truth:-nothing} (events that do not fit in $minutes min are not planted)"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Replay is single-threaded: pin it so that the scheduler does not move it between the cores of
# a shared VM. PIN_CPU= (empty) disables pinning.
pin_cpu=${PIN_CPU-$(( $(nproc) - 1 ))}
pin=()
if [[ -n $pin_cpu ]] && command -v taskset >/dev/null; then pin=(taskset -c "$pin_cpu"); fi

# Wall, user and system seconds of each run, from bash's `time` (the CPU time is what the replay
# would take on a core of its own: on a shared machine the wall time also counts the time other
# processes held the CPU).
TIMEFORMAT='%3R %3U %3S'
for (( k = 0; k < runs; ++k )); do
  { time "${pin[@]}" "$aiswatchd" replay --rules "$rules" --input "$tmp/feed.nmea" \
      --alerts "$tmp/alerts.jsonl" 2> "$tmp/replay.err"; } 2> "$tmp/time" \
    || { cat "$tmp/replay.err" >&2; die "aiswatchd replay failed (run $(( k + 1 )))"; }
  read -r wall user sys < "$tmp/time"
  echo "$wall" >> "$tmp/wall"
  awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }' >> "$tmp/cpu"
  # replay's own rate (its clock starts after the rules are loaded and the input opened).
  sed -nE 's/^  rate: ([0-9.]+) messages\/s.*/\1/p' "$tmp/replay.err" >> "$tmp/rate"
done

# The summary's first line: "aiswatchd replay: 1 input(s), L lines, M messages (U untimed),
# V vessels, A alert events"; every run of the same input prints the same counts.
summary=$(grep -m1 '^aiswatchd replay: ' "$tmp/replay.err") \
  || die "no summary from aiswatchd replay"
field() { sed -nE "s/.*[ (]([0-9]+) $1.*/\1/p" <<< "$summary"; }
lines=$(field lines); messages=$(field messages); untimed=$(field untimed)
replay_vessels=$(field vessels); alert_events=$(field 'alert events')
[[ -n $messages && -n $lines && -n $untimed && -n $alert_events ]] \
  || die "cannot read the replay summary: $summary"
(( untimed == 0 )) \
  || die "$untimed message(s) without tag-block time: not the scenario replay expects"
alerts_written=$(wc -l < "$tmp/alerts.jsonl")
(( alerts_written == alert_events )) \
  || die "replay reported $alert_events alert events but wrote $alerts_written lines"

[[ ${#pin[@]} -gt 0 ]] && echo "pinned to CPU $pin_cpu (PIN_CPU= to disable)"
grep -E '^  (alerts|tracker):' "$tmp/replay.err" | sed 's/^  /replay /'
wall=$(median < "$tmp/wall")
cpu=$(median < "$tmp/cpu")
own=$(median < "$tmp/rate")
awk -v runs="$runs" -v wall="$wall" -v cpu="$cpu" -v own="$own" -v lines="$lines" \
    -v msgs="$messages" -v vessels="$replay_vessels" -v alerts="$alerts_written" \
    -v target="$target" 'BEGIN {
  rate = wall > 0 ? msgs / wall : 0
  printf "input: %d lines, %d messages, %d vessels; %d alert events written\n",
         lines, msgs, vessels, alerts
  printf "aiswatchd replay: %.0f msgs/s (median of %d: %.3f s wall, whole process)\n",
         rate, runs, wall
  printf "per CPU second: %.0f msgs/s (median of %d: %.3f s user+system)\n",
         (cpu > 0 ? msgs / cpu : 0), runs, cpu
  printf "replay'"'"'s own rate: %.0f msgs/s (median of %d; after start-up and rules loading)\n",
         own, runs
  printf "target: %.0f msgs/s on one core: %s (%.2f of target)\n", target,
         (rate >= target ? "PASS" : "BELOW TARGET"), rate / target
}'
