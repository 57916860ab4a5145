#!/usr/bin/env python3
"""Integration tests of `aiswatchd run` as a separate process, on loopback.

Each test is one ctest test (`daemon_test.py --test NAME ...`):

  main_job          the built-in main job (embedded Kafka, bundled sample feed) ends by itself,
                    exit 0, having printed a rendezvous, a dark period and a geofence entry.
  kafka_vs_replay   NMEA produced to the input topic of a mock cluster in its own process
                    (aiswatch-mock-kafka); the daemon consumes it and publishes alerts; the JSON
                    mirror topic, consumed with kcat, holds exactly the alert events
                    `aiswatchd replay` gives for the same input (except replay's "end of input"
                    closes: a daemon does not end its input), and the protobuf topic one record
                    per event keyed by alert_id. SIGTERM then drains and exits 0 within bounds.
  broker_faults     as kafka_vs_replay, with every broker taken down and up mid-stream (the
                    launcher's `down -1` / `up -1`): the daemon recovers and loses nothing.
  sighup            SIGHUP with valid rules reloads them; with invalid rules the old ones stay,
                    the daemon stays ready, and aiswatch_rules_reloads_total counts both.
  crash_restart     kill -9 the daemon (checkpoints on, every second) in the middle of a dark
                    period, of a rendezvous, of both, and once between checkpoints, restarting
                    it each time: the alert ids and start times consumed equal replay's, every
                    event is one of replay's (duplicates only from the window after the last
                    checkpoint); then a damaged checkpoint is reported, kept aside, and the
                    daemon starts clean.
  feeds_and_poison  a TCP receiver (a server in this script) that sends lines, garbage and
                    disconnects, a UDP sender, and poison Kafka records: all counted in the
                    metrics, the good lines processed, no stall, no crash.

Standard library only; kcat does the Kafka consuming and producing of poison records.
Exit codes: 0 pass, 1 fail, 77 skipped (kcat missing).
"""

import argparse
import calendar
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from testlib import Fail, MockKafka, check, clean_env, wait_for  # noqa: E402

ARGS = None


class Daemon:
    """`aiswatchd run` with configuration from the environment."""

    def __init__(self, workdir, env, config_text=None):
        self.workdir = workdir
        self.stderr_path = os.path.join(workdir, "daemon.stderr")
        self.stdout_path = os.path.join(workdir, "daemon.stdout")
        full_env = clean_env({"AISWATCH_HTTP_PORT": "0", "AISWATCH_HTTP_ADDRESS": "127.0.0.1",
                              "AISWATCH_RULES_DIR": ARGS.rules})
        full_env.update(env)
        cmd = [ARGS.aiswatchd, "run"]
        if config_text is not None:
            path = os.path.join(workdir, "aiswatch.yaml")
            with open(path, "w") as f:
                f.write(config_text)
            cmd += ["--config", path]
        # In the test's own directory: with real brokers, checkpoint.path `auto` is a file in
        # the working directory.
        self.proc = subprocess.Popen(cmd, env=full_env, stdout=open(self.stdout_path, "w"),
                                     stderr=open(self.stderr_path, "w"), cwd=workdir)
        self.port = wait_for(self._http_port, 30, "the daemon's HTTP port in its log")

    def log(self):
        with open(self.stderr_path) as f:
            return f.read()

    def stdout(self):
        with open(self.stdout_path) as f:
            return f.read()

    def _http_port(self):
        if self.proc.poll() is not None:
            raise Fail(f"daemon exited with {self.proc.returncode}:\n{self.log()}")
        match = re.search(r"serving /metrics.* port=(\d+)", self.log())
        return int(match.group(1)) if match else None

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metric(self, name, labels=None):
        """Sum of the samples of `name` whose labels include `labels`."""
        _, text = self.get("/metrics")
        total = 0.0
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)", line)
            if not match or match.group(1) != name:
                continue
            sample_labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            if labels and any(sample_labels.get(k) != v for k, v in labels.items()):
                continue
            total += float(match.group(3))
        return total

    def stop(self, sig=signal.SIGTERM, timeout=30):
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Fail(f"daemon did not stop within {timeout} s of {sig.name}:\n{self.log()}")
        return code, time.monotonic() - started

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def simulate(workdir, name, extra):
    path = os.path.join(workdir, name)
    with open(path, "w") as out:
        subprocess.run([ARGS.aiswatchd, "simulate"] + extra, stdout=out, check=True,
                       stderr=subprocess.DEVNULL)
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line]
    return path, lines


def replay(workdir, feed):
    alerts = os.path.join(workdir, "replay.jsonl")
    subprocess.run([ARGS.aiswatchd, "replay", "--rules", ARGS.rules, "--input", feed,
                    "--alerts", alerts], check=True, stderr=subprocess.DEVNULL)
    with open(alerts) as f:
        return [json.loads(line) for line in f if line.strip()]


def kcat_produce(bootstrap, topic, path, key=None):
    cmd = [ARGS.kcat, "-P", "-b", bootstrap, "-t", topic, "-l"]
    if key is not None:
        cmd[2:2] = ["-K", "\t"]
    subprocess.run(cmd + [path], check=True, timeout=120)


def kcat_consume(bootstrap, topic, fmt="%s\\n"):
    result = subprocess.run([ARGS.kcat, "-C", "-b", bootstrap, "-t", topic, "-o", "beginning",
                             "-e", "-q", "-f", fmt], capture_output=True, timeout=120)
    return result.stdout


def event_key(alert):
    return (alert["alert_id"], alert["state"], alert.get("sequence", 0),
            alert.get("start_time", ""), alert.get("end_time", ""))


def comparable(alerts):
    # Replay ends its input; the daemon does not: replay's "end of input" closes have no
    # counterpart.
    return sorted(event_key(a) for a in alerts if a.get("close_reason") != "end of input")


def feed_args():
    # About 2 MB: the mock cluster keeps at most 5 MiB per partition and drops the oldest, so a
    # consumer held up by a broker fault must never fall further behind than that.
    return ["--seed", "3", "--minutes", "720", "--vessels", "6", "--stations", "1",
            "--rendezvous", "1", "--dark-periods", "1", "--loiterings", "1", "--malformed", "0.001"]


def run_kafka_vs_replay(workdir, faults):
    feed, lines = simulate(workdir, "feed.nmea", feed_args())
    expected = comparable(replay(workdir, feed))
    check(len(expected) >= 3, f"the scenario should alert a few times, replay gave {expected}")
    kafka = MockKafka(ARGS.mock_kafka,
                      ["aiswatch.nmea:1", "aiswatch.alerts:4", "aiswatch.alerts.json:4"])
    daemon = None
    try:
        daemon = Daemon(workdir, {"AISWATCH_KAFKA_BROKERS": kafka.bootstrap,
                                  "AISWATCH_SAMPLE_FEED": "none",
                                  "AISWATCH_KAFKA_JSON_TOPIC": "aiswatch.alerts.json",
                                  "AISWATCH_KAFKA_CONSUMER_FETCH_WAIT_MAX_MS": "10",
                                  "AISWATCH_OUTPUT_STDOUT_FORMAT": "none"})
        wait_for(lambda: daemon.get("/readyz")[0] == 200, 30, "/readyz to say ready")
        half = len(lines) // 2
        first, second = os.path.join(workdir, "first.nmea"), os.path.join(workdir, "second.nmea")
        with open(first, "w") as f:
            f.write("\n".join(lines[:half]) + "\n")
        with open(second, "w") as f:
            f.write("\n".join(lines[half:]) + "\n")
        kcat_produce(kafka.bootstrap, "aiswatch.nmea", first)
        if faults:
            wait_for(lambda: daemon.metric("aiswatch_engine_lines_total") >= half / 2, 60,
                     "the daemon to be mid-stream")
            kafka.command("down -1")
            time.sleep(3)
            kafka.command("up -1")
        kcat_produce(kafka.bootstrap, "aiswatch.nmea", second)
        wait_for(lambda: daemon.metric("aiswatch_engine_lines_total") >= len(lines), 120,
                 f"the daemon to process {len(lines)} lines")
        code, took = daemon.stop()
        check(code == 0, f"SIGTERM: exit code {code}\n{daemon.log()}")
        check(took < 20, f"SIGTERM took {took:.1f} s")
        mirror = [json.loads(l) for l in kcat_consume(kafka.bootstrap,
                                                      "aiswatch.alerts.json").splitlines()
                  if l.strip()]
        got = comparable(mirror)
        if got != expected:
            missing = sorted(set(expected) - set(got))
            extra = sorted(set(got) - set(expected))
            raise Fail(f"alert events differ from replay: {len(got)} vs {len(expected)}; "
                       f"missing {missing[:5]}, extra {extra[:5]}")
        keys = kcat_consume(kafka.bootstrap, "aiswatch.alerts", "%k\\n").decode().split()
        check(sorted(keys) == sorted(a["alert_id"] for a in mirror),
              "the protobuf topic has one record per event, keyed by alert_id")
        print(f"{len(got)} alert events equal to replay's ({len(keys)} protobuf records, "
              f"{len(mirror)} JSON); SIGTERM drained in {took:.1f} s")
    finally:
        if daemon:
            daemon.kill()
        kafka.close()


def test_main_job(workdir):
    daemon = Daemon(workdir, {"AISWATCH_SAMPLE_SPEED": "4000"})
    try:
        code = daemon.proc.wait(240)
    except subprocess.TimeoutExpired:
        daemon.kill()
        raise Fail("the main job did not end by itself within 240 s")
    printed = daemon.stdout()
    check(code == 0, f"exit code {code}\n{daemon.log()}")
    for kind in ("RENDEZVOUS", "DARK_PERIOD", "GEOFENCE_ENTRY"):
        check(re.search(rf"^\S+ OPEN +{kind} ", printed, re.M),
              f"no {kind} alert printed:\n{printed[:3000]}")
    check("kcat -b 127.0.0.1:" in daemon.log(), "the log tells how to read the alerts")
    print(f"{len(printed.splitlines())} alert lines printed")


def test_kafka_vs_replay(workdir):
    run_kafka_vs_replay(workdir, faults=False)


def test_broker_faults(workdir):
    run_kafka_vs_replay(workdir, faults=True)


def test_sighup(workdir):
    rules = os.path.join(workdir, "rules")
    shutil.copytree(ARGS.rules, rules)
    daemon = Daemon(workdir, {"AISWATCH_RULES_DIR": rules, "AISWATCH_SAMPLE_FEED": "none",
                              "AISWATCH_KAFKA_INPUT_TOPICS": ""})
    try:
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: daemon.metric("aiswatch_rules_reloads_total", {"result": "ok"}) == 1,
                 20, "a good reload to be counted")
        with open(os.path.join(rules, "detectors.yaml"), "a") as f:
            f.write("\nrendezvous:\n  max_distance_m: -5\n")
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: daemon.metric("aiswatch_rules_reloads_total",
                                       {"result": "invalid"}) == 1, 20,
                 "a bad reload to be counted")
        check(daemon.proc.poll() is None, "the daemon keeps running on bad rules")
        check("max_distance_m" in daemon.log(), "the log names the bad key")
        status, _ = daemon.get("/healthz")
        check(status == 200, f"/healthz {status}")
        code, _ = daemon.stop(signal.SIGINT)
        check(code == 0, f"SIGINT: exit code {code}")
    finally:
        daemon.kill()


def checkpoint_positions(path):
    """The Kafka positions in a checkpoint file (app/checkpoint.h), or None without one."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    check(data[:8] == b"AISWCKPT" and data[32:36] == b"meta", f"{path} is not a checkpoint")
    at = 36 + 16  # sequence, written_ms

    def string():
        nonlocal at
        (length,) = struct.unpack_from("<Q", data, at)
        at += 8 + length
        return data[at - length:at].decode()

    string(), string()  # group id, cluster id
    (count,) = struct.unpack_from("<Q", data, at)
    at += 8
    positions = {}
    for _ in range(count):
        topic = string()
        partition, next_offset = struct.unpack_from("<iq", data, at)
        at += 12
        positions[(topic, partition)] = next_offset
    return positions


def event_time_s(line):
    match = re.search(r"c:(\d+)", line)
    return int(match.group(1)) if match else None


def iso_s(text):
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))


def wait_ready(daemon, timeout=60):
    try:
        wait_for(lambda: daemon.get("/readyz")[0] == 200, timeout, "/readyz to say ready")
    except Fail as e:
        raise Fail(f"{e}: {daemon.get('/readyz')[1]}\n{daemon.log()[-3000:]}")


def test_crash_restart(workdir):
    feed, lines = simulate(workdir, "feed.nmea", feed_args())
    expected_events = replay(workdir, feed)
    expected = comparable(expected_events)
    opens = {a["type"]: a for a in expected_events if a["state"] == "ALERT_STATE_OPEN"}
    check("ALERT_TYPE_RENDEZVOUS" in opens and "ALERT_TYPE_DARK_PERIOD" in opens,
          f"the scenario should have a rendezvous and a dark period: {sorted(opens)}")
    rendezvous = [a for a in expected_events if a["type"] == "ALERT_TYPE_RENDEZVOUS"]
    dark = [a for a in expected_events if a["type"] == "ALERT_TYPE_DARK_PERIOD"]
    dark_start, dark_end = iso_s(dark[0]["start_time"]), iso_s(dark[-1]["end_time"])
    meet_start, meet_alerted = iso_s(rendezvous[0]["start_time"]), iso_s(rendezvous[0]["end_time"])
    last_meet = iso_s(rendezvous[-2]["end_time"])

    def line_at(t):
        return next(i for i, line in enumerate(lines) if (event_time_s(line) or 0) >= t)

    # Kill points, in event time: in a silence not yet judged dark; in a rendezvous just alerted
    # (the silence still unjudged); with both alerts open; and between two checkpoints.
    kills = [line_at(dark_start + 3 * 3600),
             line_at(meet_alerted + 600),
             line_at((max(meet_alerted, iso_s(dark[0]["end_time"])) + min(last_meet, dark_end))
                     // 2)]
    check(kills == sorted(kills) and kills[0] < kills[1] < kills[2] < len(lines),
          f"kill points out of order: {kills} of {len(lines)} (meeting {meet_start}, dark "
          f"{dark_start}-{dark_end})")
    kafka = MockKafka(ARGS.mock_kafka,
                      ["aiswatch.nmea:1", "aiswatch.alerts:4", "aiswatch.alerts.json:4"])
    checkpoint = os.path.join(workdir, "state", "checkpoint")
    os.makedirs(os.path.dirname(checkpoint))
    env = {"AISWATCH_KAFKA_BROKERS": kafka.bootstrap, "AISWATCH_SAMPLE_FEED": "none",
           "AISWATCH_KAFKA_JSON_TOPIC": "aiswatch.alerts.json",
           "AISWATCH_KAFKA_CONSUMER_FETCH_WAIT_MAX_MS": "10",
           "AISWATCH_KAFKA_CONSUMER_SESSION_TIMEOUT_MS": "6000",
           "AISWATCH_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS": "500",
           "AISWATCH_OUTPUT_STDOUT_FORMAT": "none",
           "AISWATCH_CHECKPOINT_PATH": checkpoint, "AISWATCH_CHECKPOINT_INTERVAL_S": "1",
           # Acknowledgements a second late: a checkpoint on disk before its alerts are
           # acknowledged would be found at every kill, and those alerts lost.
           "AISWATCH_KAFKA_PRODUCER_LINGER_MS": "1000"}
    daemon = None
    produced = 0

    def produce_through(end):
        nonlocal produced
        part = os.path.join(workdir, f"part{produced}.nmea")
        with open(part, "w") as f:
            f.write("\n".join(lines[produced:end]) + "\n")
        kcat_produce(kafka.bootstrap, "aiswatch.nmea", part)
        produced = end

    def checkpointed_through(end):
        wait_for(lambda: (checkpoint_positions(checkpoint) or {}).get(("aiswatch.nmea", 0), 0)
                 >= end, 90, f"a checkpoint of the first {end} lines")

    try:
        restores = []
        for number, kill_at in enumerate(kills + [None]):
            daemon = Daemon(workdir, env)
            wait_ready(daemon)
            restores.append(daemon.metric("aiswatch_checkpoint_restores_total",
                                          {"result": "restored"}))
            if kill_at is not None:
                produce_through(kill_at)
                checkpointed_through(kill_at)
                daemon.kill()
                continue
            # Between checkpoints: the daemon is killed while the lines are still going in.
            between = (kills[-1] + len(lines)) // 2
            produce_through(between)
            wait_for(lambda: daemon.metric("aiswatch_engine_lines_total") >= 2_000, 60,
                     "the daemon to take in lines")
            daemon.kill()
            daemon = Daemon(workdir, env)
            wait_ready(daemon)
            restores.append(daemon.metric("aiswatch_checkpoint_restores_total",
                                          {"result": "restored"}))
            produce_through(len(lines))
            checkpointed_through(len(lines))
            code, _ = daemon.stop()
            check(code == 0, f"SIGTERM: exit code {code}\n{daemon.log()}")
        check(restores == [0, 1, 1, 1, 1], f"restored at every restart but the first: {restores}")

        mirror = [json.loads(l) for l in kcat_consume(kafka.bootstrap,
                                                      "aiswatch.alerts.json").splitlines()
                  if l.strip()]
        got = comparable(mirror)
        ids = {(a["alert_id"], a["start_time"]) for a in mirror}
        expected_ids = {(a["alert_id"], a["start_time"]) for a in expected_events}
        if ids != expected_ids:
            raise Fail(f"alert ids differ from replay: missing {sorted(expected_ids - ids)}, "
                       f"extra {sorted(ids - expected_ids)}")
        unexpected = sorted(set(got) - set(expected))
        missing = sorted(set(expected) - set(got))
        check(not unexpected and not missing,
              f"events differ from replay: missing {missing[:5]}, unexpected {unexpected[:5]}")
        duplicates = len(got) - len(set(got))
        print(f"{len(kills) + 1} kills: {len(ids)} alert ids with their start times equal to "
              f"replay's, {len(set(got))} distinct events, {duplicates} re-published")

        # A damaged checkpoint: reported, kept aside, a clean start.
        with open(checkpoint, "r+b") as f:
            f.seek(100)
            f.write(b"\xff\xfe\xfd")
        daemon = Daemon(workdir, env)
        wait_ready(daemon)
        check(daemon.metric("aiswatch_checkpoint_restores_total", {"result": "invalid"}) == 1,
              "the damaged checkpoint is counted")
        check(re.search(r"checkpoint unusable.*CRC mismatch", daemon.log()),
              f"the log names the problem:\n{daemon.log()}")
        check(os.path.exists(checkpoint + ".invalid"), "the damaged file is kept aside")
        code, _ = daemon.stop()
        check(code == 0, f"SIGTERM after a clean start: exit code {code}")

        # Another consumer group's checkpoint: its positions mean nothing here.
        daemon = Daemon(workdir, dict(env, AISWATCH_KAFKA_GROUP_ID="other"))
        wait_ready(daemon)
        check(daemon.metric("aiswatch_checkpoint_restores_total", {"result": "invalid"}) == 1,
              "a foreign checkpoint is counted as unusable")
        check("positions of consumer group 'aiswatch'" in daemon.log(),
              f"the log says whose checkpoint it was:\n{daemon.log()}")
        code, _ = daemon.stop()
        check(code == 0, f"SIGTERM: exit code {code}")
    finally:
        if daemon:
            daemon.kill()
        kafka.close()


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_feeds_and_poison(workdir):
    _, lines = simulate(workdir, "feed.nmea", ["--seed", "4", "--minutes", "30"])
    tcp_lines = lines[: len(lines) // 2]
    udp_lines = lines[len(lines) // 2:][:200]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    tcp_port = server.getsockname()[1]
    connections = []

    def serve():
        # First connection: half the lines, garbage, then a disconnect; the second: the rest.
        for round_number in range(2):
            conn, _ = server.accept()
            connections.append(conn)
            part = tcp_lines[: len(tcp_lines) // 2] if round_number == 0 else \
                tcp_lines[len(tcp_lines) // 2:]
            payload = "\r\n".join(part).encode() + b"\r\n"
            if round_number == 0:
                payload += b"\x00\xff garbage \x01\n" + b"!AIVDM,1,1,,A,bad*00\n" + b"x" * 100000 + b"\n"
            conn.sendall(payload)
            if round_number == 0:
                conn.close()
        time.sleep(60)

    threading.Thread(target=serve, daemon=True).start()
    udp_port = free_udp_port()
    kafka = MockKafka(ARGS.mock_kafka, ["aiswatch.nmea:1"])
    config = f"""
sources:
  receiver:
    type: tcp
    host: 127.0.0.1
    port: {tcp_port}
    reconnect_min_ms: 50
    reconnect_max_ms: 200
  catcher:
    type: udp
    host: 127.0.0.1
    port: {udp_port}
"""
    daemon = None
    try:
        daemon = Daemon(workdir, {"AISWATCH_KAFKA_BROKERS": kafka.bootstrap,
                                  "AISWATCH_SAMPLE_FEED": "none",
                                  "AISWATCH_KAFKA_CONSUMER_FETCH_WAIT_MAX_MS": "10",
                                  "AISWATCH_OUTPUT_STDOUT_FORMAT": "none"}, config)
        wait_for(lambda: daemon.metric("aiswatch_source_lines_total",
                                       {"source": "receiver"}) >= len(tcp_lines), 60,
                 "every TCP line, across a reconnect")
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(0, len(udp_lines), 10):
            udp.sendto(("\n".join(udp_lines[i:i + 10]) + "\n").encode(), ("127.0.0.1", udp_port))
            time.sleep(0.002)
        udp.sendto(b"\xde\xad\xbe\xef garbage datagram", ("127.0.0.1", udp_port))
        poison = os.path.join(workdir, "poison.txt")
        with open(poison, "wb") as f:
            f.write(b"\x00\x01\x02 binary\n!AIVDM,2,1,7,A,orphan,0*00\n" + b"y" * 200000 + b"\n")
        kcat_produce(kafka.bootstrap, "aiswatch.nmea", poison)
        wait_for(lambda: daemon.metric("aiswatch_source_lines_total", {"source": "catcher"}) >=
                 len(udp_lines), 30, "the UDP lines")
        wait_for(lambda: daemon.metric("aiswatch_kafka_records_total") >= 3, 30,
                 "the poison records consumed")
        rejects = wait_for(lambda: daemon.metric("aiswatch_rejects_total") >= 4 and
                           daemon.metric("aiswatch_rejects_total"), 30, "rejects counted")
        check(daemon.metric("aiswatch_source_connects_total", {"source": "receiver"}) >= 2,
              "the TCP source reconnected")
        status, body = daemon.get("/readyz")
        check(status == 200, f"/readyz {status}: {body}")
        code, _ = daemon.stop()
        check(code == 0, f"exit code {code}\n{daemon.log()}")
        print(f"tcp {len(tcp_lines)} lines over 2 connections, udp {len(udp_lines)}, "
              f"{int(rejects)} rejects counted")
    finally:
        if daemon:
            daemon.kill()
        kafka.close()
        server.close()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--test", required=True)
    parser.add_argument("--aiswatchd", required=True)
    parser.add_argument("--mock-kafka", required=True)
    parser.add_argument("--rules", required=True)
    parser.add_argument("--kcat", default="kcat")
    ARGS = parser.parse_args()
    if shutil.which(ARGS.kcat) is None:
        print(f"skipped: {ARGS.kcat} not installed")
        return 77
    test = globals().get("test_" + ARGS.test)
    if test is None:
        print(f"unknown test {ARGS.test}")
        return 2
    with tempfile.TemporaryDirectory(prefix="aiswatch_daemon_") as workdir:
        try:
            test(workdir)
        except Fail as e:
            print(f"FAIL {ARGS.test}: {e}")
            return 1
    print(f"PASS {ARGS.test}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
