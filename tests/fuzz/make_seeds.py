#!/usr/bin/env python3
"""Writes the hand-made seed inputs of corpus/frame_decode/ (seed-*.txt).

Each seed is a few lines showing one framing feature: plain sentences, other talkers, own-ship
VDO, NMEA 4.0 tag blocks (s:, c:, g:), trailing and leading receive times, Gatehouse $PGHP,
multi-sentence messages (in order, interleaved, missing a part), and garbage. Payloads are made
here from bit fields of the right length for their type (contents are deterministic pseudo-random),
so no real capture is copied. Run from this directory: python3 make_seeds.py
"""
import os
import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "frame_decode")
rng = random.Random(1371)


def armor(bits):
    fill = (-len(bits)) % 6
    bits += "0" * fill
    out = []
    for k in range(0, len(bits), 6):
        v = int(bits[k:k + 6], 2)
        out.append(chr(v + 48 if v < 40 else v + 56))
    return "".join(out), fill


def payload(msg_type, nbits, mmsi=None):
    mmsi = mmsi if mmsi is not None else rng.randrange(201000000, 775999999)
    head = format(msg_type, "06b") + "00" + format(mmsi, "030b")
    body = "".join(rng.choice("01") for _ in range(nbits - len(head)))
    return armor(head + body)


def checksum(body):
    c = 0
    for ch in body:
        c ^= ord(ch)
    return "%02X" % c


def sentence(armored, fill, count=1, number=1, seq="", chan="A", talker="AIVDM"):
    body = f"{talker},{count},{number},{seq},{chan},{armored},{fill}"
    return f"!{body}*{checksum(body)}"


def tag(fields):
    return f"\\{fields}*{checksum(fields)}\\"


def multipart(msg_type, nbits, seq, chan="A", talker="AIVDM", split=60):
    armored, fill = payload(msg_type, nbits)
    parts = [armored[k:k + split] for k in range(0, len(armored), split)]
    return [sentence(p, fill if k == len(parts) - 1 else 0, len(parts), k + 1, seq, chan, talker)
            for k, p in enumerate(parts)]


def single(msg_type, nbits, **kw):
    a, f = payload(msg_type, nbits)
    return sentence(a, f, **kw)


def pghp(t):
    body = f"PGHP,1,2010,6,11,11,46,{t},390,231,45,992190934,1"
    return f"${body}*{checksum(body)}"


seeds = {
    "plain": [single(1, 168), single(3, 168, chan="B"), single(18, 168)],
    "talkers": [single(1, 168, talker="ABVDM"), single(1, 168, talker="BSVDM"),
                single(18, 168, talker="AIVDO"), single(3, 168, talker="ASVDM", chan="1")],
    "types": [single(4, 168), single(9, 168), single(21, 272), single(21, 350), single(24, 160),
              single(24, 168), single(27, 96), single(8, 200), single(6, 120), single(15, 88),
              single(5, 424), single(5, 420)],
    "multipart": multipart(5, 424, "3") + multipart(5, 424, "4", chan="B"),
    "interleaved": (lambda a, b: [a[0], b[0], a[1], b[1]])(multipart(5, 424, "1"),
                                                           multipart(5, 424, "2")),
    "missing_part": multipart(5, 424, "5")[:1] + [single(1, 168)] + multipart(5, 424, "5")[1:2]
                    + multipart(8, 900, "6", split=40),
    "tag_block": [tag("s:rEV02,c:1334337317") + single(1, 168),
                  tag("c:1420030797000") + single(3, 168),
                  tag("g:1-2-42,s:sat1,c:1334337318") + multipart(5, 424, "")[0],
                  tag("g:2-2-42") + multipart(5, 424, "")[1],
                  tag("s:bad,c:1") .replace("*", "*0") + single(1, 168),
                  "\\c:1420030798*00\\" + single(1, 168, talker="ABVDM")],
    "trailing_time": [single(1, 168) + ",1328133720", single(18, 168) + ",1328133720087",
                      single(3, 168) + ",1328133720,extra"],
    "leading_time": ["1452468552.938 " + single(1, 168), "1452468553 " + single(18, 168)],
    "gatehouse": [pghp(11), single(1, 168), pghp(12)] + multipart(5, 424, "7"),
    "garbage": ["", "   ", "!AIVDM", "!AIVDM,1,1,,A,,0*00", single(1, 168)[:-2] + "00",
                "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47",
                "!=IVDM,1,1,,A,15N2Wl?P02oRV=nCBrNn3gvJ2@7T,0*1A", "\\c:123*00\\",
                single(1, 168).replace(",0*", ",7*"), "!AIVDM,3,2,9,A,0000,0*00",
                single(1, 168) + "\r"],
}

os.makedirs(OUT, exist_ok=True)
for name, lines in seeds.items():
    with open(os.path.join(OUT, f"seed-{name}.txt"), "w", newline="") as f:
        f.write("\n".join(lines) + "\n")
print(f"wrote {len(seeds)} seeds to {OUT}")
