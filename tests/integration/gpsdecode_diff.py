#!/usr/bin/env python3
"""Differential test: `aiswatchd decode` against gpsd's `gpsdecode -j -s` on real captures.

Every capture under --data (the *.gz ones decompressed here) is fed, byte for byte and on
standard input, to both decoders. Both accept the same raw lines: gpsd's packet lexer skips
anything before the '!' (simpleais's leading receive time, tag blocks it does not use) and
ignores what follows the checksum (exactEarth's trailing ",<unix ms>"), and our framer reads
all of these forms; so there is no pre-processing, and neither side gets an easier input.
`-s` makes gpsdecode report type 24 halves separately (part A as "part":"A"; part B merged with
a cached part A, or alone), i.e. one JSON object per message, like ours.

Pairing. gpsdecode prints no sentence or line number, so messages are paired by sequence
alignment: per file, the two streams of (type, mmsi) keys are aligned with difflib's
SequenceMatcher (no autojunk). Aligned pairs are compared field by field; unaligned messages on
either side are counted as "only gpsd" / "only ours" by message type. Both decoders keep input
order, so the alignment only has to bridge messages one side drops.

Field comparison. A key both objects carry must have the same JSON value and type (0 is not
false). Keys only one side carries, and value differences, are accepted only through the table
ACCEPTED below, each with its reason; everything else is an unaccepted difference and makes the
test fail (exit 1). Messages decoded by only one side are accepted, by type, when the other
side says why on standard error (gpsd's "size is out of range" / "Unparsed" / channel errors,
our reject reasons) and the counts cover them; the summary prints both.

Exit codes: 0 pass, 1 unaccepted differences, 2 usage/tool failure, 77 skipped (gpsdecode,
aiswatchd or the data directory missing) - registered with ctest's SKIP_RETURN_CODE.
Standard library only.
"""

import argparse
import collections
import difflib
import gzip
import json
import os
import re
import shutil
import subprocess
import sys

# ctest's SKIP_RETURN_CODE. In CI (CI=true) every tool and capture is installed, so a missing
# one is a failure there rather than a silent skip.
SKIP = 1 if os.environ.get("CI") == "true" else 77

# ---------------------------------------------------------------------------------------------
# Accepted differences: one table, one reason each. The key is what the summary counts under.
ACCEPTED = {
    "na_omitted": "gpsd prints 'not available' values (lat 91, lon 181, speed 102.3/nan, "
                  "course 360, heading 511, draught 0, imo 0, turn nan, type 9 alt/speed nan, "
                  "type 27 speed 63 / course 511); we omit the key",
    "signed_turn": "gpsd prints (raw/4.733)^2 and loses the sign of a left turn; we print "
                   "-(raw/4.733)^2, same magnitude and rounding",
    "fast_as_number": "gpsd prints speed 102.2 (types 1-3, 18, 19) as \"fast\", SAR speed 1022 as "
                      "\"fast\" and altitude 4094 as \"high\"; we print the number ('or more')",
    "partial_eta_omitted": "gpsd prints type 5 eta with n/a parts (month/day 00, hour 24, "
                           "minute 60); we print eta only when every part is available",
    "partial_timestamp_omitted": "gpsd prints type 4/11 timestamp with n/a parts (year 0000, "
                                 "hour 24, ...); we print it only when every part is available",
    "type27_status_legend": "gpsd's type 27 \"status\" is the navigation-status legend string; "
                            "ours is the number, with the legend in status_text",
    "type27_latlon_precision": "gpsd prints type 27 lon/lat with %.1f (about 11 km); we print "
                               "%.4f, which rounds to gpsd's value",
    "gpsd_decodes_application_payload": "gpsd decodes some type 6/8 DAC/FID payloads into named "
                                        "fields; we keep every payload as \"data\":\"bits:hex\"",
    "type_not_decoded_by_us": "message types 7, 10, 12-17, 20, 22, 23, 25, 26: we emit the header "
                              "only (OtherMessage); gpsd's payload fields have no counterpart",
    "type24_merged_shipname": "gpsdecode -s merges a cached part A into part B (shipname); our "
                              "part B object carries part B's fields only",
    "type24_vendorid_legacy": "gpsd 3.22 prints type 24's 42-bit vendor field as 7 characters "
                              "(M.1371-3); since M.1371-4 it is a 3-character manufacturer id, "
                              "then model and serial (which gpsd also prints), so ours is the "
                              "first 3 characters of gpsd's",
    "gpsd_ignores_talker": "gpsd's packet lexer silently ignores AIS sentences from talkers it does "
                           "not list (seen: WS, BY, SS); we accept any talker. Counted from the "
                           "input: complete messages whose first sentence has such a talker",
    "gpsd_silent_drop": "gpsd 3.22 drops some messages without any error: a type 24 part B "
                        "with no cached part A under -s, over-long type 25/26/27 payloads, "
                        "fragments interleaved across talkers on one channel (gpsd reassembles "
                        "by channel only). Accepted up to 1% of a file's messages, by type",
    "only_gpsd_we_reject": "message gpsd decodes and we reject (counted by our reject reason on "
                           "standard error)",
    "only_ours_gpsd_rejects": "message we decode and gpsd rejects (counted by gpsd's error on "
                              "standard error: size out of range, unparsed type, bad channel)",
}

# gpsd keys that are metadata of gpsdecode, not of the message.
GPSD_ONLY_META = {"device"}
# Our keys gpsd does not print: derived identity, envelope, fields gpsd merges or skips.
OURS_ONLY_INFO = {
    "mmsi_category", "flag", "imo_valid", "partno", "time_ms", "source", "channel",
    "year", "month", "day", "hour", "minute", "second", "assigned", "epfd", "epfd_text",
    "status_text", "data", "part",
}

NOT_DECODED_TYPES = {7, 10, 12, 13, 14, 15, 16, 17, 20, 22, 23, 25, 26}
POSITION_TYPES = {1, 2, 3, 18, 19}


def na_value(msg_type, key, value):
    """True when gpsd's value for key is that field's 'not available' encoding."""
    if key == "lat" and value in (91.0, 91):
        return True
    if key == "lon" and value in (181.0, 181):
        return True
    if key == "turn" and value == "nan":
        return True
    if key == "heading" and value == 511:
        return True
    if key == "imo" and value == 0:
        return True
    if key == "draught" and value == 0.0:
        return True
    if msg_type in POSITION_TYPES or msg_type == 9:
        if key == "course" and value == 360.0:
            return True
    if msg_type in POSITION_TYPES and key == "speed" and value in ("nan", 102.3):
        return True
    if msg_type == 9 and key in ("alt", "speed") and value == "nan":
        return True
    if msg_type == 27 and ((key == "speed" and value == 63) or (key == "course" and value == 511)):
        return True
    if msg_type == 27 and ((key == "lat" and value == 91.0) or (key == "lon" and value == 181.0)):
        return True
    return False


def eta_has_na(eta):
    m = re.fullmatch(r"(\d\d)-(\d\d)T(\d\d):(\d\d)Z", eta or "")
    if not m:
        return True
    month, day, hour, minute = (int(x) for x in m.groups())
    return month == 0 or day == 0 or hour == 24 or minute == 60


def timestamp_has_na(ts):
    m = re.fullmatch(r"(\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z", ts or "")
    if not m:
        return True
    year, month, day, hour, minute, second = (int(x) for x in m.groups())
    return year == 0 or month == 0 or day == 0 or hour == 24 or minute == 60 or second == 60


def same(a, b):
    return type(a) is type(b) and a == b


def classify_value_difference(t, key, g, o, gobj, oobj):
    """Reason a common key differs, or None when the difference is not accepted."""
    if key == "turn" and isinstance(g, int) and isinstance(o, int) and o < 0 and g == -o:
        return "signed_turn"
    if key == "speed" and g == "fast" and (o == 102.2 or o == 1022):
        return "fast_as_number"
    if key == "alt" and g == "high" and o == 4094:
        return "fast_as_number"
    if t == 27 and key == "status" and isinstance(g, str) and g == oobj.get("status_text"):
        return "type27_status_legend"
    if t == 27 and key in ("lon", "lat") and isinstance(o, float) and isinstance(g, float):
        if abs(round(o, 1) - g) < 1e-9 or ("%.1f" % o) == ("%.1f" % g):
            return "type27_latlon_precision"
    if t == 24 and key == "vendorid" and isinstance(g, str) and isinstance(o, str) \
            and len(o) <= 3 and g.startswith(o):
        return "type24_vendorid_legacy"
    return None


def classify_gpsd_only_key(t, key, g, gobj, oobj):
    if key in GPSD_ONLY_META:
        return "meta"
    if na_value(t, key, g):
        return "na_omitted"
    if key == "eta" and t == 5 and eta_has_na(g):
        return "partial_eta_omitted"
    if key == "timestamp" and t in (4, 11) and timestamp_has_na(g):
        return "partial_timestamp_omitted"
    if t in NOT_DECODED_TYPES:
        return "type_not_decoded_by_us"
    if t in (6, 8) and "data" not in gobj:
        return "gpsd_decodes_application_payload"
    if t == 24 and key == "shipname" and oobj.get("partno") == 1:
        return "type24_merged_shipname"
    return None


class Summary:
    def __init__(self):
        self.files = 0
        self.gpsd_messages = 0
        self.our_messages = 0
        self.paired = 0
        self.fields_compared = 0
        self.fields_equal = 0
        self.accepted = collections.Counter()       # reason -> count
        self.accepted_detail = collections.Counter()  # (reason, type, key) -> count
        self.unaccepted = []                        # (file, detail)
        self.unaccepted_count = 0
        self.ours_only_keys = collections.Counter()
        self.only_gpsd = collections.Counter()      # type -> count
        self.only_ours = collections.Counter()
        self.gpsd_errors = collections.Counter()
        self.our_rejects = collections.Counter()

    def accept(self, reason, t, key, n=1):
        self.accepted[reason] += n
        self.accepted_detail[(reason, t, key)] += n

    def reject(self, where, detail, limit):
        self.unaccepted_count += 1
        if len(self.unaccepted) < limit:
            self.unaccepted.append((where, detail))


def parse_json_lines(text, who):
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise SystemExit(f"{who}: line {n} is not JSON ({e}): {line[:200]}")
        if obj.get("class") == "AIS":
            out.append(obj)
    return out


def run(cmd, data):
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


GPSD_ERROR_RE = re.compile(r"gpsdecode:ERROR: (.*)")
GPSD_TYPE_RE = re.compile(r"type (\d+)")


# Talkers gpsd 3.22 reads for !xxVDM/!xxVDO (its packet lexer; AI, AB, AS, BS confirmed on these
# captures, WS, BY, SS confirmed ignored); sentences from other talkers are skipped silently.
GPSD_AIS_TALKERS = {"AI", "AB", "AD", "AN", "AR", "AS", "AT", "AX", "BS", "SA"}
FIRST_SENTENCE_RE = re.compile(rb"!([A-Z0-9=]{2})VD[MO],\d,1,")


def count_ignored_talker_messages(data):
    """Messages (single sentences and first fragments) from talkers gpsd does not read."""
    n = 0
    for m in FIRST_SENTENCE_RE.finditer(data):
        if m.group(1).decode("ascii", "replace") not in GPSD_AIS_TALKERS:
            n += 1
    return n


def compare_file(path, data, args, s):
    rc, gout, gerr = run([args.gpsdecode, "-j", "-s"], data)
    if rc != 0:
        raise SystemExit(f"gpsdecode failed on {path} (exit {rc}): {gerr[:500]}")
    rc, oout, oerr = run([args.aiswatchd, "decode", "--rejects"], data)
    if rc != 0:
        raise SystemExit(f"aiswatchd decode failed on {path} (exit {rc}): {oerr[:500]}")
    gmsgs = parse_json_lines(gout, "gpsdecode")
    omsgs = parse_json_lines(oout, "aiswatchd")
    s.gpsd_messages += len(gmsgs)
    s.our_messages += len(omsgs)

    # Why each side dropped messages, by type where the message says it.
    gpsd_err_by_type = collections.Counter()
    gpsd_err_untyped = 0
    for line in gerr.splitlines():
        m = GPSD_ERROR_RE.search(line)
        if not m:
            continue
        msg = re.sub(r"\(\d+\)", "(N)", m.group(1))
        s.gpsd_errors[msg] += 1
        tm = GPSD_TYPE_RE.search(m.group(1))
        if tm:
            gpsd_err_by_type[int(tm.group(1))] += 1
        else:
            gpsd_err_untyped += 1
    our_rejects = 0
    for line in oerr.splitlines():
        m = re.match(r".*?:\d+: ([a-z_]+): ", line)
        if m:
            s.our_rejects[m.group(1)] += 1
            our_rejects += 1

    gkeys = [(m.get("type"), m.get("mmsi")) for m in gmsgs]
    okeys = [(m.get("type"), m.get("mmsi")) for m in omsgs]
    matcher = difflib.SequenceMatcher(None, gkeys, okeys, autojunk=False)
    only_g = collections.Counter()
    only_o = collections.Counter()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for gi, oi in zip(range(i1, i2), range(j1, j2)):
                compare_pair(path, gi, gmsgs[gi], omsgs[oi], args, s)
            continue
        for gi in range(i1, i2):
            only_g[gmsgs[gi]["type"]] += 1
            if args.show_unpaired:
                print(f"only gpsd: {path}: {json.dumps(gmsgs[gi])}")
        for oi in range(j1, j2):
            only_o[omsgs[oi]["type"]] += 1
            if args.show_unpaired:
                print(f"only ours: {path}: {json.dumps(omsgs[oi])}")

    # Messages only we decode must be covered by gpsd's own errors (by type, or untyped ones
    # such as "invalid AIS channel" / "malformed AIVDM packet"); likewise the other way round.
    spare_untyped = gpsd_err_untyped
    ignored_talker_messages = count_ignored_talker_messages(data)
    silent_budget = len(omsgs) // 100
    remaining = {}
    for t, n in sorted(only_o.items()):
        covered = min(n, gpsd_err_by_type.get(t, 0))
        extra = n - covered
        take = min(extra, spare_untyped)
        spare_untyped -= take
        covered += take
        s.only_ours[t] += n
        if covered:
            s.accept("only_ours_gpsd_rejects", t, "*", covered)
        remaining[t] = n - covered
    for t, n in sorted(remaining.items()):
        covered = 0
        if n - covered:
            ignored = min(n - covered, ignored_talker_messages)
            ignored_talker_messages -= ignored
            covered += ignored
            if ignored:
                s.accept("gpsd_ignores_talker", t, "*", ignored)
        if n - covered and silent_budget > 0:
            silent = min(n - covered, silent_budget)
            silent_budget -= silent
            covered += silent
            s.accept("gpsd_silent_drop", t, "*", silent)
        if n - covered:
            s.reject(path, f"{n - covered} type {t} message(s) decoded only by us, "
                           f"with no gpsd error or known gpsd behaviour to explain them",
                     args.max_examples)
    spare_rejects = our_rejects
    for t, n in sorted(only_g.items()):
        covered = min(n, spare_rejects)
        spare_rejects -= covered
        s.only_gpsd[t] += n
        if covered:
            s.accept("only_gpsd_we_reject", t, "*", covered)
        if n - covered:
            s.reject(path, f"{n - covered} type {t} message(s) decoded only by gpsd, "
                           f"with no reject of ours to explain them", args.max_examples)


def compare_pair(path, index, g, o, args, s):
    s.paired += 1
    t = g.get("type")
    where = f"{path} gpsd message #{index + 1} (type {t}, mmsi {g.get('mmsi')})"
    for key, gv in g.items():
        if key == "class":
            continue
        if key in o:
            s.fields_compared += 1
            ov = o[key]
            if same(gv, ov):
                s.fields_equal += 1
                continue
            reason = classify_value_difference(t, key, gv, ov, g, o)
            if reason:
                s.accept(reason, t, key)
            else:
                s.reject(where, f"{key}: gpsd {json.dumps(gv)} vs ours {json.dumps(ov)}",
                         args.max_examples)
        else:
            reason = classify_gpsd_only_key(t, key, gv, g, o)
            if reason == "meta":
                continue
            if reason:
                s.accept(reason, t, key)
            else:
                s.reject(where, f"{key}: gpsd {json.dumps(gv)}, absent in ours", args.max_examples)
    for key in o:
        if key not in g:
            s.ours_only_keys[key] += 1
            if key not in OURS_ONLY_INFO and not (t in (4, 11) and key == "timestamp"):
                s.reject(where, f"{key}: ours {json.dumps(o[key])}, absent in gpsd",
                         args.max_examples)


def captures(root):
    for dirpath, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            upper = name.upper()
            if upper.startswith(("LICENSE", "NOTICE", "README", "COPYING")):
                continue
            if name.endswith((".md",)):
                continue
            yield os.path.join(dirpath, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aiswatchd", required=True)
    ap.add_argument("--gpsdecode", default="gpsdecode")
    ap.add_argument("--data", required=True, help="directory of captures (shared/data/ais)")
    ap.add_argument("--max-examples", type=int, default=40,
                    help="unaccepted differences to print")
    ap.add_argument("--show-unpaired", action="store_true",
                    help="print every message only one side decoded (to investigate)")
    args = ap.parse_args()

    gpsdecode = shutil.which(args.gpsdecode)
    if not gpsdecode:
        print(f"SKIP: gpsdecode not found ({args.gpsdecode}); install gpsd-clients", flush=True)
        return SKIP
    args.gpsdecode = gpsdecode
    if not (os.path.isfile(args.aiswatchd) and os.access(args.aiswatchd, os.X_OK)):
        print(f"SKIP: aiswatchd not built ({args.aiswatchd})", flush=True)
        return SKIP
    if not os.path.isdir(args.data):
        print(f"SKIP: capture directory missing ({args.data})", flush=True)
        return SKIP
    files = list(captures(args.data))
    if not files:
        print(f"SKIP: no captures in {args.data}", flush=True)
        return SKIP

    s = Summary()
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        if path.endswith(".gz"):
            data = gzip.decompress(data)
        s.files += 1
        compare_file(os.path.relpath(path, args.data), data, args, s)

    print(f"gpsdecode differential: {s.files} captures, gpsd {s.gpsd_messages} messages, "
          f"ours {s.our_messages} messages, {s.paired} paired")
    print(f"  fields compared: {s.fields_compared}, equal: {s.fields_equal}")
    print(f"  only gpsd decodes: {sum(s.only_gpsd.values())} by type "
          f"{dict(sorted(s.only_gpsd.items()))}")
    print(f"  only we decode:    {sum(s.only_ours.values())} by type "
          f"{dict(sorted(s.only_ours.items()))}")
    if s.gpsd_errors:
        print("  gpsd errors: " + "; ".join(f"{n} x {m}" for m, n in s.gpsd_errors.most_common()))
    if s.our_rejects:
        print("  our rejects: " + "; ".join(f"{n} x {m}" for m, n in s.our_rejects.most_common()))
    print("  accepted differences:")
    for reason, text in ACCEPTED.items():
        n = s.accepted.get(reason, 0)
        print(f"    {n:8d}  {reason}: {text}")
        detail = collections.Counter()
        for (r, t, key), c in s.accepted_detail.items():
            if r == reason:
                detail[f"type {t} {key}"] += c
        if detail:
            print("              " + ", ".join(f"{k}={c}" for k, c in sorted(detail.items())))
    print("  fields only we print (informational): " +
          ", ".join(f"{k}={n}" for k, n in sorted(s.ours_only_keys.items())))
    if s.unaccepted_count:
        print(f"FAIL: {s.unaccepted_count} unaccepted difference(s); first {len(s.unaccepted)}:")
        for where, detail in s.unaccepted:
            print(f"  {where}: {detail}")
        return 1
    print("PASS: no unaccepted differences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
