#!/usr/bin/env python3
"""docs/consumers.md, done for real: the consumer guide's worked example and tables against a
running daemon.

  - starts aiswatch-mock-kafka (a librdkafka mock cluster in its own process, so the records
    outlive the daemon) and runs `aiswatchd run` with the bundled sample feed into it (4000x,
    about 11 s), alerts on aiswatch.alerts and the JSON mirror on aiswatch.alerts.json; the run
    must end by itself with exit 0;
  - runs the guide's own kcat and protoc command lines, taken from its ```sh blocks (with ADDR
    set to the mock cluster's bootstrap address), from the repository root: the listing must
    show alert records keyed by 16-hex-digit alert ids, among them a rendezvous, a dark period
    and a geofence entry; the decode must print alert_id, type, state and start_time, with the
    alert_id of the record it picked; the same decode pointed at a confirmed rendezvous record
    must show its counterpart;
  - headers: every header the guide's table names is on every alert record, in the table's
    order, and no other; fixed values equal the table's, enum-valued ones have its prefix; the
    JSON mirror has the same headers with content-type application/json, the same keys, and
    JSON whose keys are Alert fields;
  - lifecycle, from the JSON mirror: per alert_id, sequence 1, 2, ... in partition order, OPEN
    first, CLOSED last (the sample run ends, closing what is open), every close_reason one the
    guide's table lists, instantaneous types OPEN then CLOSED `instantaneous`;
  - schema tables: for every message of alert.proto and for PositionReport, the guide's table
    lists exactly the .proto's fields (number, name, type), and the .proto nothing more;
  - positions: a second, short run with kafka.positions_topic: records keyed by the MMSI in
    decimal, headers as the guide says, the station set (the sample feed's tag blocks name
    stations rxN) and, as the guide says, no source.

Called by ctest as deploy_consumer_guide:
  consumer_guide_test.py --repo SRC --build BUILD --aiswatchd PATH
Exit codes: 0 pass, 1 fail, 77 skipped (kcat or protoc missing). Standard library only.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import testlib  # noqa: E402
from testlib import Fail, MockKafka, check, clean_env  # noqa: E402

ARGS = None


# ---- The guide --------------------------------------------------------------------------------


def guide_text():
    with open(os.path.join(ARGS.repo, "docs", "consumers.md")) as f:
        return f.read()


def sh_blocks(text):
    return re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)


def guide_commands(text):
    """The guide's run, listing and decode command lines."""
    lines = [line.strip() for block in sh_blocks(text) for line in block.splitlines()]
    run = [l for l in lines if re.search(r"aiswatchd run$", l)]
    listing = [l for l in lines if l.startswith("kcat ") and "%h" in l and "|" not in l]
    decode = [l for l in lines if l.startswith("kcat ") and "| protoc --decode aiswatch.v1.Alert" in l]
    check(len(run) >= 1, "the guide shows no `aiswatchd run` command in a ```sh block")
    check(len(listing) == 1, f"the guide should show one kcat listing with %h, found {listing}")
    check(len(decode) == 1, f"the guide should show one kcat | protoc decode, found {decode}")
    for command in listing + decode:
        check('"$ADDR"' in command, f"the guide's command does not use \"$ADDR\": {command}")
    check(any(l.startswith("ADDR=") for l in lines), "the guide does not set ADDR")
    check(" -p 0 -o 0 " in decode[0], f"the decode command should pick -p 0 -o 0: {decode[0]}")
    return listing[0], decode[0]


def table_after(text, heading_regex, header_row=True):
    """Rows (lists of cells) of the first markdown table after the line matching the regex,
    without its header row (header_row=False: the regex matched the header row itself)."""
    match = re.search(heading_regex, text, re.M)
    check(match, f"the guide has no heading matching {heading_regex!r}")
    rows = []
    started = False
    for line in text[match.end():].splitlines()[1:]:
        if line.startswith("|"):
            started = True
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            rows.append(cells)
        elif started or line.startswith("#"):
            break
    rows = rows[1:] if header_row else rows
    check(rows, f"no table after {heading_regex!r}")
    return rows


def code_spans(cell):
    return re.findall(r"`([^`]+)`", cell)


def guide_headers(text):
    """[(name, fixed value or None, prefix or None)] from the guide's Headers table."""
    headers = []
    for row in table_after(text, r"^## Headers$"):
        names = code_spans(row[0])
        check(len(names) == 1, f"header row without one name: {row}")
        values = code_spans(row[1])
        check(values, f"header row without a value: {row}")
        if row[1].strip() == f"`{values[0]}`":
            headers.append((names[0], values[0], None))
        else:
            # "the `AlertType` name, e.g. `ALERT_TYPE_RENDEZVOUS`": the example's enum prefix,
            # all but its last word (ALERT_TYPE_, ALERT_STATE_, SEVERITY_).
            example = values[-1]
            check(re.fullmatch(r"[A-Z]+(_[A-Z]+)+", example),
                  f"header {names[0]}: example value {example} is not an enum name")
            headers.append((names[0], None, example.rsplit("_", 1)[0] + "_"))
    return headers


def guide_close_reasons(text):
    reasons = []
    for row in table_after(text, r"^\| close_reason \|", header_row=False):
        reasons += code_spans(row[0])
    check("instantaneous" in reasons and "end of input" in reasons,
          f"close_reason table incomplete: {reasons}")
    return reasons


# ---- The .proto files -------------------------------------------------------------------------


def proto_messages(path):
    """{message: {(number, name, type)}} of a .proto file (top-level messages, no nesting)."""
    with open(path) as f:
        text = re.sub(r"//[^\n]*", "", f.read())
    messages = {}
    for match in re.finditer(r"\bmessage\s+(\w+)\s*\{(.*?)\n\}", text, re.S):
        fields = set()
        for field in re.finditer(r"^\s*((?:optional |repeated )?[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;",
                                 match.group(2), re.M):
            fields.add((int(field.group(3)), field.group(2), field.group(1)))
        messages[match.group(1)] = fields
    return messages


def guide_message_fields(text, message):
    fields = set()
    for row in table_after(text, rf"^### `{message}`$"):
        check(len(row) == 4, f"{message} table row should have 4 cells: {row}")
        names, types = code_spans(row[1]), code_spans(row[2])
        check(row[0].isdigit() and len(names) == 1 and len(types) == 1,
              f"{message} table row malformed: {row}")
        fields.add((int(row[0]), names[0], types[0]))
    return fields


def test_schema_tables(text):
    proto = os.path.join(ARGS.repo, "proto", "aiswatch", "v1")
    alert = proto_messages(os.path.join(proto, "alert.proto"))
    position = proto_messages(os.path.join(proto, "position_report.proto"))
    check({"Alert", "VesselIdentity", "EvidencePoint", "Fact"} <= set(alert),
          f"alert.proto messages not parsed: {sorted(alert)}")
    wanted = dict(alert)
    wanted["PositionReport"] = position["PositionReport"]
    for message, fields in sorted(wanted.items()):
        documented = guide_message_fields(text, message)
        missing = sorted(fields - documented)
        extra = sorted(documented - fields)
        check(not missing and not extra,
              f"{message}: the guide's table differs from the .proto: not in the guide "
              f"{missing}, not in the .proto {extra}")
    print(f"schema tables: {', '.join(f'{m} ({len(f)} fields)' for m, f in sorted(wanted.items()))}"
          " equal to the .proto files")
    return alert["Alert"]


# ---- Processes --------------------------------------------------------------------------------


def run_daemon(workdir, name, env):
    """`aiswatchd run` on the sample feed until it ends by itself."""
    full = clean_env({"AISWATCH_SAMPLE_FEED": "builtin", "AISWATCH_SAMPLE_SPEED": "4000",
                      "AISWATCH_HTTP_PORT": "0", "AISWATCH_HTTP_ADDRESS": "127.0.0.1",
                      "AISWATCH_OUTPUT_STDOUT_FORMAT": "none", "AISWATCH_CHECKPOINT_PATH": "none",
                      "AISWATCH_KAFKA_CONSUMER_FETCH_WAIT_MAX_MS": "10",
                      "AISWATCH_RULES_DIR": os.path.join(ARGS.repo, "rules")})
    full.update(env)
    log = os.path.join(workdir, f"{name}.stderr")
    with open(log, "w") as err:
        proc = subprocess.Popen([ARGS.aiswatchd, "run"], env=full, stdout=subprocess.DEVNULL,
                                stderr=err, cwd=workdir)
        try:
            code = proc.wait(240)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = None
    with open(log) as f:
        text = f.read()
    check(code == 0, f"{name}: aiswatchd run ended with {code}:\n{text[-3000:]}")
    return text


def shell(command, addr, what):
    """One of the guide's command lines, run by bash from the repository root."""
    env = dict(os.environ, ADDR=addr)
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ARGS.repo, env=env,
                            capture_output=True, timeout=120)
    check(result.returncode == 0,
          f"{what}: exit {result.returncode}: {command}\n{result.stderr.decode()[-2000:]}")
    return result.stdout.decode()


def kcat(addr, topic, fmt):
    result = subprocess.run(["kcat", "-b", addr, "-C", "-t", topic, "-o", "beginning", "-e",
                             "-q", "-f", fmt], capture_output=True, timeout=120)
    check(result.returncode == 0, f"kcat on {topic}: {result.stderr.decode()[-1000:]}")
    return result.stdout.decode()


def parse_headers(text):
    return [tuple(pair.split("=", 1)) for pair in text.split(",") if pair]


def text_field(decoded, name):
    match = re.search(rf"^{name}: (.*)$", decoded, re.M)
    return match.group(1).strip('"') if match else None


# ---- The checks -------------------------------------------------------------------------------


def test_worked_example(workdir, text, alert_fields):
    listing_cmd, decode_cmd = guide_commands(text)
    headers = guide_headers(text)
    close_reasons = guide_close_reasons(text)
    kafka = MockKafka(ARGS.mock_kafka,
                      ["aiswatch.nmea:4", "aiswatch.alerts:4", "aiswatch.alerts.json:4"])
    try:
        log = run_daemon(workdir, "main", {"AISWATCH_KAFKA_BROKERS": kafka.bootstrap,
                                           "AISWATCH_KAFKA_JSON_TOPIC": "aiswatch.alerts.json"})
        stopped = re.search(r"stopped .*alert_events=(\d+) published=(\d+) .*failed=(\d+)", log)
        check(stopped and stopped.group(1) == stopped.group(2) and stopped.group(3) == "0",
              f"not every alert event was delivered: {stopped and stopped.group(0)}")

        # The listing, as the guide runs it.
        listed = shell(listing_cmd, kafka.bootstrap, "the guide's kcat listing")
        records = []
        for line in listed.splitlines():
            match = re.fullmatch(r"(\d+) (\d+) (\S+) (\S+)", line)
            check(match, f"listing line not `partition offset key headers`: {line!r}")
            records.append((int(match.group(1)), int(match.group(2)), match.group(3),
                            parse_headers(match.group(4))))
        check(len(records) == int(stopped.group(1)),
              f"{len(records)} records listed, the daemon published {stopped.group(1)}")
        types = collections.Counter(dict(h)["aiswatch-type"] for *_, h in records)
        for kind in ("RENDEZVOUS", "DARK_PERIOD", "GEOFENCE_ENTRY"):
            check(types[f"ALERT_TYPE_{kind}"] > 0, f"no {kind} record: {dict(types)}")
        for partition, offset, key, got in records:
            check(re.fullmatch(r"[0-9a-f]{16}", key), f"key {key!r} is not an alert id")
            names = [name for name, _ in got]
            check(names == [h[0] for h in headers],
                  f"record {partition}/{offset}: headers {names}, the guide lists "
                  f"{[h[0] for h in headers]}")
            for (name, value), (_, fixed, prefix) in zip(got, headers):
                if fixed is not None:
                    check(value == fixed, f"header {name}={value}, the guide says {fixed}")
                else:
                    check(value.startswith(prefix), f"header {name}={value}, not {prefix}...")
        print(f"guide's listing: {len(records)} records, every one with the guide's "
              f"{len(headers)} headers; types {dict(types)}")

        # The decode, as the guide runs it: the first record of partition 0.
        decoded = shell(decode_cmd, kafka.bootstrap, "the guide's kcat | protoc decode")
        for field in ("alert_id", "type", "state"):
            check(text_field(decoded, field), f"decoded value has no {field}:\n{decoded}")
        check(re.search(r"^start_time \{\n  seconds: \d+", decoded, re.M),
              f"decoded value has no start_time:\n{decoded}")
        first = next(r for r in records if r[0] == 0 and r[1] == 0)
        check(text_field(decoded, "alert_id") == first[2],
              f"decoded alert_id {text_field(decoded, 'alert_id')} is not the key {first[2]}")
        check(text_field(decoded, "type") == dict(first[3])["aiswatch-type"],
              "decoded type differs from the aiswatch-type header")
        # The same command pointed at a confirmed rendezvous, as the guide's second output.
        rendezvous = next((r for r in records
                           if dict(r[3])["aiswatch-type"] == "ALERT_TYPE_RENDEZVOUS"
                           and dict(r[3])["aiswatch-severity"] == "SEVERITY_HIGH"), None)
        check(rendezvous, "no confirmed (SEVERITY_HIGH) rendezvous record")
        pointed = decode_cmd.replace(" -p 0 -o 0 ", f" -p {rendezvous[0]} -o {rendezvous[1]} ")
        decoded_rdv = shell(pointed, kafka.bootstrap, "the decode of a rendezvous")
        check(text_field(decoded_rdv, "alert_id") == rendezvous[2]
              and text_field(decoded_rdv, "counterpart_mmsi")
              and "counterpart {" in decoded_rdv and "phase: PHASE_CONFIRMED" in decoded_rdv,
              f"the rendezvous decodes without its counterpart or confirmation:\n{decoded_rdv}")
        print(f"guide's decode: {text_field(decoded, 'type')} {first[2]} decoded; rendezvous "
              f"{rendezvous[2]} at {rendezvous[0]}/{rendezvous[1]} decoded with its counterpart")

        # The JSON mirror: same keys, same headers but content-type, Alert field names.
        mirror = kcat(kafka.bootstrap, "aiswatch.alerts.json", "%p\t%k\t%h\t%s\n")
        events = collections.defaultdict(list)
        mirror_keys = []
        field_names = {name for _, name, _ in alert_fields}
        for line in mirror.splitlines():
            partition, key, header_text, value = line.split("\t", 3)
            got = parse_headers(header_text)
            check([n for n, _ in got] == [h[0] for h in headers],
                  f"JSON mirror headers {got}")
            check(dict(got)["content-type"] == "application/json",
                  f"JSON mirror content-type {dict(got)['content-type']}")
            check(dict(got)["aiswatch-schema"] == "aiswatch.v1.Alert", "JSON mirror schema")
            alert = json.loads(value)
            check(alert["alert_id"] == key, f"JSON alert_id {alert['alert_id']} is not key {key}")
            check(set(alert) <= field_names, f"JSON keys not in Alert: {set(alert) - field_names}")
            check(alert["type"] == dict(got)["aiswatch-type"]
                  and alert["state"] == dict(got)["aiswatch-state"]
                  and alert["severity"] == dict(got)["aiswatch-severity"],
                  f"headers do not match the JSON value: {got} {value[:200]}")
            mirror_keys.append(key)
            events[key].append(alert)
        check(sorted(mirror_keys) == sorted(r[2] for r in records),
              "the JSON mirror's keys differ from the protobuf topic's")

        # The lifecycle the guide describes.
        instant = {"ALERT_TYPE_GEOFENCE_ENTRY", "ALERT_TYPE_GEOFENCE_EXIT",
                   "ALERT_TYPE_IDENTITY_CHANGE", "ALERT_TYPE_DRAUGHT_CHANGE"}
        for key, alert_events in events.items():
            sequences = [a.get("sequence", 0) for a in alert_events]
            states = [a["state"] for a in alert_events]
            check(sequences == list(range(1, len(alert_events) + 1)),
                  f"{key}: sequences {sequences}")
            check(states[0] == "ALERT_STATE_OPEN" and states[-1] == "ALERT_STATE_CLOSED"
                  and all(s == "ALERT_STATE_UPDATE" for s in states[1:-1]),
                  f"{key}: states {states}")
            for a in alert_events:
                reason = a.get("close_reason", "")
                if a["state"] == "ALERT_STATE_CLOSED":
                    check(any(reason == r or (r.endswith("...") and reason.startswith(r[:-3]))
                              for r in close_reasons),
                          f"{key}: close_reason {reason!r} is not in the guide's table")
                else:
                    check(reason == "", f"{key}: close_reason {reason!r} on {a['state']}")
                check(a["start_time"] == alert_events[0]["start_time"],
                      f"{key}: start_time changed")
            if alert_events[0]["type"] in instant:
                check(states == ["ALERT_STATE_OPEN", "ALERT_STATE_CLOSED"]
                      and alert_events[1]["close_reason"] == "instantaneous",
                      f"{key}: instantaneous alert events {states}")
        print(f"JSON mirror: {len(mirror_keys)} events of {len(events)} alerts, keys and headers "
              f"as the protobuf topic's; lifecycles as the guide describes")
    finally:
        kafka.close()


def test_positions(workdir, text):
    kafka = MockKafka(ARGS.mock_kafka, ["aiswatch.positions:4"])
    try:
        run_daemon(workdir, "positions", {"AISWATCH_KAFKA_BROKERS": kafka.bootstrap,
                                          "AISWATCH_SAMPLE_MINUTES": "20",
                                          "AISWATCH_KAFKA_POSITIONS_TOPIC": "aiswatch.positions"})
        listed = kcat(kafka.bootstrap, "aiswatch.positions", "%p %o %k %h\n").splitlines()
        check(len(listed) > 100, f"only {len(listed)} position records")
        for line in listed:
            partition, offset, key, header_text = line.split(" ", 3)
            check(key.isdigit() and 100000000 <= int(key) <= 999999999,
                  f"position key {key!r} is not an MMSI")
            check(parse_headers(header_text) == [("aiswatch-schema", "aiswatch.v1.PositionReport"),
                                                 ("content-type", "application/x-protobuf")],
                  f"position headers {header_text}")
        partition, offset, key, _ = listed[0].split(" ", 3)
        value = subprocess.run(["kcat", "-b", kafka.bootstrap, "-C", "-t", "aiswatch.positions",
                                "-p", partition, "-o", offset, "-c", "1", "-e", "-q", "-f", "%s"],
                               capture_output=True, timeout=60, check=True).stdout
        decoded = subprocess.run(["protoc", "--decode", "aiswatch.v1.PositionReport",
                                  "--proto_path", "proto", "proto/aiswatch/v1/position_report.proto"],
                                 input=value, cwd=ARGS.repo, capture_output=True, timeout=60,
                                 check=True).stdout.decode()
        check(text_field(decoded, "mmsi") == key, f"position mmsi is not the key {key}:\n{decoded}")
        check(re.search(r"^time \{", decoded, re.M), f"position without time:\n{decoded}")
        check(text_field(decoded, "source") is None,
              f"the guide says source is not set, but:\n{decoded}")
        check(re.fullmatch(r"rx\d+", text_field(decoded, "station") or ""),
              f"the station is not the sample feed's tag-block station:\n{decoded}")
        print(f"positions: {len(listed)} records keyed by MMSI with the guide's two headers")
    finally:
        kafka.close()


def main():
    global ARGS
    parser = testlib.deploy_test_parser(description=__doc__.splitlines()[0])
    parser.add_argument("--mock-kafka")
    ARGS = parser.parse_args()
    ARGS.repo = os.path.abspath(ARGS.repo)
    ARGS.aiswatchd = os.path.abspath(ARGS.aiswatchd)
    if ARGS.mock_kafka is None:
        ARGS.mock_kafka = os.path.join(ARGS.build, "tests", "tools", "aiswatch-mock-kafka")
    ARGS.mock_kafka = os.path.abspath(ARGS.mock_kafka)
    for tool in ("kcat", "protoc"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed")
            return 77
    if not os.access(ARGS.mock_kafka, os.X_OK):
        print(f"FAIL: {ARGS.mock_kafka} is not built")
        return 1
    started = time.monotonic()
    try:
        text = guide_text()
        alert_fields = test_schema_tables(text)
        with tempfile.TemporaryDirectory(prefix="aiswatch-consumer-guide-") as workdir:
            test_worked_example(workdir, text, alert_fields)
            test_positions(workdir, text)
    except Fail as e:
        print(f"FAIL: {e}")
        return 1
    print(f"PASS in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
