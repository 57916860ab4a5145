#!/usr/bin/env python3
"""Checks of the Grafana dashboard deploy/grafana/aiswatch.json against a live aiswatchd.

  structure   the JSON parses; a `datasource` variable of type prometheus, and every panel and
              target uses it (${datasource}); unique panel ids; every panel has a gridPos; the
              refIds of a panel are unique; the panels cover the metrics the dashboard is for
              (input, messages, rejects, lag, alerts, latency, queue, vessels, watermark,
              checkpoints, produce errors).
  metric names  every metric name in every panel expression and in the variables' queries is one
              the daemon exports: it is in /metrics of a live `aiswatchd run` (embedded broker,
              sample feed at AISWATCH_SAMPLE_SPEED=4000, checkpoints on every second, the JSON
              mirror on), with the histogram suffixes _bucket/_sum/_count. A name that only
              appears once it has a value (aiswatch_kafka_produce_errors_total: no delivery fails
              in a healthy run) is accepted when daemon/ registers it (`.Name("...")`) and
              docs/running.md lists it; the test says which names were accepted that way.
  label values  every `label="value"` matcher on an aiswatch metric names a label the live
              metric has and, when the live run shows that label, one of its values (e.g. alert
              state values are ALERT_STATE_OPEN, not open).

PromQL is read with a small tokenizer: strings, {matchers}, [ranges], by/without(...) lists
and offsets are taken out; an identifier followed by `(` must be a PromQL function or
aggregation; any other identifier is a metric name.

Exit 0 pass, 1 fail.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import testlib  # noqa: E402

ARGS = None

PROMQL_FUNCTIONS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group", "rate", "irate", "increase", "delta", "idelta", "deriv",
    "histogram_quantile", "time", "vector", "scalar", "abs", "ceil", "floor", "round", "clamp",
    "clamp_min", "clamp_max", "sort", "sort_desc", "label_replace", "label_join", "absent",
    "absent_over_time", "changes", "resets", "timestamp", "avg_over_time", "min_over_time",
    "max_over_time", "sum_over_time", "count_over_time", "last_over_time", "predict_linear",
    "label_values", "exp", "ln", "log2", "log10", "sqrt",
}
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
                   "unless", "offset", "bool", "inf", "nan"}
# Labels Prometheus adds at scrape time, not the daemon.
TARGET_LABELS = {"instance", "job"}
# What the dashboard is for: each must be used by some panel.
REQUIRED = ["aiswatch_source_lines_total", "aiswatch_engine_lines_total",
            "aiswatch_messages_total", "aiswatch_rejects_total",
            "aiswatch_kafka_consumer_lag_messages", "aiswatch_alerts_total",
            "aiswatch_processing_latency_seconds_bucket", "aiswatch_core_queue_depth",
            "aiswatch_vessels_tracked", "aiswatch_watermark_seconds",
            "aiswatch_checkpoints_total", "aiswatch_checkpoint",
            "aiswatch_kafka_produce_errors_total"]


CHECKS = testlib.Checklist()
check, ok = CHECKS.check, CHECKS.ok


# --------------------------------------------------------------------------------------------
# PromQL


def selectors(expr):
    """(metric, {label: (op, value)}) for every `metric{...}` in expr."""
    out = []
    for m in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}", expr):
        matchers = {}
        for mm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"',
                              m.group(2)):
            matchers[mm.group(1)] = (mm.group(2), mm.group(3))
        out.append((m.group(1), matchers))
    return out


def metric_names(expr):
    """(metric names, unknown functions) of a PromQL expression."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\boffset\s+\S+", " ", s)
    # Grafana's label_values(metric, label): the second argument is a label, not a metric.
    s = re.sub(r"\blabel_values\s*\(([^,()]*),\s*[a-zA-Z_]\w*\s*\)", r" ( \1 ) ", s)
    names, unknown = set(), set()
    for m in re.finditer(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", s):
        word, call = m.group(1), m.group(2)
        if re.fullmatch(r"\d+(e\d+)?", word) or word.lower() in PROMQL_KEYWORDS:
            continue
        if call:
            if word not in PROMQL_FUNCTIONS:
                unknown.add(word)
        else:
            names.add(word)
    return names, unknown


# --------------------------------------------------------------------------------------------
# The live daemon


def live_metrics(workdir):
    """Text of /metrics from a live aiswatchd run, once lines and a checkpoint went through."""
    err_path = os.path.join(workdir, "daemon.err")
    env = testlib.clean_env({"AISWATCH_HTTP_PORT": "0", "AISWATCH_SAMPLE_SPEED": "4000",
                             "AISWATCH_RULES_DIR": os.path.join(ARGS.repo, "rules"),
                             "AISWATCH_CHECKPOINT_PATH": os.path.join(workdir, "checkpoint"),
                             "AISWATCH_CHECKPOINT_INTERVAL_S": "1",
                             "AISWATCH_KAFKA_JSON_TOPIC": "aiswatch.alerts.json",
                             "AISWATCH_OUTPUT_STDOUT_FORMAT": "none"})
    with open(err_path, "w") as err:
        proc = subprocess.Popen([ARGS.aiswatchd, "run"], env=env, cwd=workdir,
                                stdout=subprocess.DEVNULL, stderr=err)
    text = ""
    try:
        port, deadline = None, time.monotonic() + 20
        while port is None and time.monotonic() < deadline and proc.poll() is None:
            with open(err_path) as f:
                m = re.search(r"serving /metrics.*port=(\d+)", f.read())
            port = int(m.group(1)) if m else None
            time.sleep(0.1)
        if port is None:
            with open(err_path) as f:
                raise RuntimeError(f"aiswatchd did not log its HTTP port:\n{f.read()}")
        ok(f"aiswatchd run serving /metrics on port {port}")

        def value(name, labels=""):
            m = re.search(rf"^{name}{re.escape(labels)}\s+(\S+)$", text, re.M)
            return float(m.group(1)) if m else 0.0

        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    text = r.read().decode()
            except OSError:
                pass
            if (value("aiswatch_engine_lines_total") > 10000
                    and value("aiswatch_checkpoints_total", '{result="written"}') >= 1
                    and re.search(r"^aiswatch_alerts_total\{.*\} [1-9]", text, re.M)):
                break
            time.sleep(0.5)
        lines = value("aiswatch_engine_lines_total")
        written = value("aiswatch_checkpoints_total", '{result="written"}')
        check(lines > 0, f"the live run processed {lines:.0f} lines and wrote {written:.0f} "
              "checkpoints before /metrics was read")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return text


def exported(text):
    """{metric name: {label: set of values}} from the exposition text."""
    out = {}
    for m in re.finditer(r"^# TYPE (\S+) (\S+)$", text, re.M):
        out.setdefault(m.group(1), {})
        if m.group(2) == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                out.setdefault(m.group(1) + suffix, {})
    for m in re.finditer(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", text, re.M):
        labels = out.setdefault(m.group(1), {})
        for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""):
            labels.setdefault(lm.group(1), set()).add(lm.group(2))
    return out


def registered_in_source():
    names = set()
    for base, _, files in os.walk(os.path.join(ARGS.repo, "daemon")):
        for name in files:
            if name.endswith((".cpp", ".h")):
                with open(os.path.join(base, name), errors="replace") as f:
                    names.update(re.findall(r'\.Name\("(aiswatch_[a-z0-9_]+)"\)', f.read()))
    return names


# --------------------------------------------------------------------------------------------


def all_panels(panels):
    for p in panels:
        yield p
        yield from all_panels(p.get("panels", []))


def main():
    global ARGS
    parser = testlib.deploy_test_parser()
    ARGS = parser.parse_args()
    ARGS.repo = os.path.abspath(ARGS.repo)
    ARGS.aiswatchd = os.path.abspath(ARGS.aiswatchd)

    path = os.path.join(ARGS.repo, "deploy/grafana/aiswatch.json")
    with open(path) as f:
        dash = json.load(f)
    ok(f"{os.path.relpath(path, ARGS.repo)} parses as JSON")

    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    check(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
          "a `datasource` variable of type prometheus")
    panels = list(all_panels(dash.get("panels", [])))
    ids = [p.get("id") for p in panels]
    check(len(ids) == len(set(ids)) and None not in ids, f"{len(panels)} panels, unique ids")
    check(all("gridPos" in p for p in panels), "every panel has a gridPos")

    exprs = []  # (where, expression)
    for p in panels:
        if p.get("type") == "row":
            continue
        targets = p.get("targets", [])
        check(bool(targets) and p.get("datasource", {}).get("uid") == "${datasource}",
              f"panel {p['title']!r}: {len(targets)} target(s), datasource ${{datasource}}")
        refids = [t.get("refId") for t in targets]
        if len(refids) != len(set(refids)):
            check(False, f"panel {p['title']!r}: unique refIds {refids}")
        for t in targets:
            if t.get("datasource", {}).get("uid") != "${datasource}":
                check(False, f"panel {p['title']!r} target {t.get('refId')}: datasource "
                      "${datasource}")
            exprs.append((f"panel {p['title']!r}", t.get("expr", "")))
    for name, v in variables.items():
        query = v.get("query")
        if v.get("type") == "query":
            q = query.get("query") if isinstance(query, dict) else query
            exprs.append((f"variable {name}", q))
            check(v.get("datasource", {}).get("uid") == "${datasource}",
                  f"variable {name} queries ${{datasource}}")

    used = {}
    for where, expr in exprs:
        names, unknown = metric_names(expr)
        if unknown:
            check(False, f"{where}: unknown PromQL functions {sorted(unknown)} in {expr}")
        for n in names:
            used.setdefault(n, []).append(where)
    for name in REQUIRED:
        check(name in used, f"the dashboard uses {name}")

    with tempfile.TemporaryDirectory(prefix="aiswatch-grafana-") as workdir:
        text = live_metrics(workdir)
    live = exported(text)
    check(len(live) > 10, f"the live /metrics exports {len(live)} aiswatch metric names")
    source = registered_in_source()
    with open(os.path.join(ARGS.repo, "docs/running.md")) as f:
        documented = set(re.findall(r"`(aiswatch_[a-z0-9_]+)", f.read()))
    for name in sorted(used):
        if name in live:
            ok(f"{name}: exported by the live daemon (used in {len(used[name])} expression(s))")
        elif name in source and name in documented:
            ok(f"{name}: not in this run's /metrics (no value yet: appears on the first "
               f"failure), registered in daemon/ and listed in docs/running.md")
        else:
            check(False, f"{name}: not exported by aiswatchd (used in {', '.join(used[name])})")

    for where, expr in exprs:
        for metric, matchers in selectors(expr):
            labels = live.get(metric)
            if labels is None:
                continue
            for label, (op, val) in matchers.items():
                if label in TARGET_LABELS:
                    continue
                if label not in labels:
                    check(False, f"{where}: {metric} has no label {label} in the live run")
                elif op == "=" and val not in labels[label]:
                    check(False, f"{where}: {metric}{{{label}=\"{val}\"}}: the live run's values "
                          f"are {sorted(labels[label])}")
                else:
                    ok(f"{metric}{{{label}{op}\"{val}\"}}: label and value seen live")

    return CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
