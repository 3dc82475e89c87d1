#!/usr/bin/env python3
"""Writes the pathological inputs of tests/it/pathological.rs (issue 17
item 3) as files, and two pprof gzip bombs, for benches/memory.sh to
measure each one's peak memory with `firesight info`.

Usage: gen_pathological.py DIR [--bomb-gb 4]

Files (the same shapes the tests build in memory):
  deep.folded        one folded stack 100 000 frames deep
  deep.perf          one perf script sample 100 000 frames deep
  deep.pb            one pprof sample 100 000 locations deep
  deep-chain.json    an OTLP parent chain of 100 000 spans
  long-line.folded   a 10 MB folded line (one frame name of 10 MiB)
  long-symbol.perf   a perf script frame with a 1 MiB symbol name
  counts.folded      counts at 2^63 and 2^64
  bomb-zeros.pb.gz   a real pprof (tests/data/pprof/profile1.pb.gz) followed
                     by --bomb-gb GB of zero bytes, gzipped (a few MB)
  bomb-samples.pb.gz the same profile followed by copies of its first
                     sample to --bomb-gb GB, gzipped: valid protobuf to the
                     end, so only the decompression cap stops it
  samples-256mb.pb   a real Go CPU profile (tests/data/pprof/generated/
                     cpu.pb.gz, 757 samples) with its samples repeated to
                     256 MB, in Go's field order (sample types, samples,
                     then the tables): 8.8 million samples, a big profile
                     that needs no build to make
Pure standard library.
"""

import argparse
import gzip
import os
import zlib

DEEP = 100_000
HERE = os.path.dirname(os.path.abspath(__file__))


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(tag, payload):
    """A length-delimited field."""
    return varint(tag << 3 | 2) + varint(len(payload)) + payload


def vfield(tag, v):
    return varint(tag << 3) + varint(v)


def deep_pprof():
    strings = [b"", b"samples", b"count"] + [b"f%d" % i for i in range(DEEP)]
    out = bytearray(field(1, vfield(1, 1) + vfield(2, 2)))
    # One sample: locations leaf first (the leaf is the last function).
    locs = b"".join(varint(DEEP - i) for i in range(DEEP))
    out += field(2, field(1, locs) + field(2, varint(7)))
    for i in range(DEEP):
        out += field(4, vfield(1, i + 1) + field(4, vfield(1, i + 1)))
        out += field(5, vfield(1, i + 1) + vfield(2, i + 3))
    for s in strings:
        out += field(6, s)
    return bytes(out)


def top_fields(data):
    """(tag, start, end) of each top-level field of a protobuf message."""
    i = 0
    while i < len(data):
        start = i
        key, shift = 0, 0
        while True:
            b = data[i]
            i += 1
            key |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        wt = key & 7
        if wt == 0:
            while data[i] & 0x80:
                i += 1
            i += 1
        elif wt == 2:
            n, shift = 0, 0
            while True:
                b = data[i]
                i += 1
                n |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            i += n
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        yield key >> 3, start, i


def bomb(path, head, unit, gb):
    """gzip(head + unit repeated to gb GB), streamed."""
    block = unit * max(1, (1 << 20) // len(unit))
    total = gb * 1_000_000_000
    with gzip.open(path, "wb", compresslevel=6) as f:
        f.write(head)
        written = len(head)
        while written < total:
            f.write(block)
            written += len(block)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--bomb-gb", type=int, default=4)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    d = lambda name: os.path.join(a.dir, name)  # noqa: E731

    with open(d("deep.folded"), "w") as f:
        f.write(";".join("f%d" % i for i in range(DEEP)) + " 7\n")
    with open(d("deep.perf"), "w") as f:
        f.write("app 101/101 [000] 1.000000: 250000 cpu-clock:u: \n")
        for i in reversed(range(DEEP)):
            f.write("\t%016x f%d+0x1 (/usr/bin/app)\n" % (0x1000 + i, i))
        f.write("\n")
    with open(d("deep.pb"), "wb") as f:
        f.write(deep_pprof())
    with open(d("deep-chain.json"), "w") as f:
        spans = []
        for i in range(DEEP):
            parent = "" if i == 0 else ',"parentSpanId":"%016x"' % i
            spans.append(
                '{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"%016x"%s,"name":"s%d",'
                '"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}'
                % (i + 1, parent, i, 1_000_000 + i, 1_000_000 + 2 * DEEP - i)
            )
        f.write(
            '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},'
            '"scopeSpans":[{"spans":[' + ",".join(spans) + "]}]}]}"
        )
    with open(d("long-line.folded"), "w") as f:
        f.write("a" * (10 << 20) + " 5\n")
    with open(d("long-symbol.perf"), "w") as f:
        f.write("app 7/7 [001] 2.5: 1000 cpu-clock:u: \n\t1000 %s+0x0 (/bin/app)\n\t2000 main+0x0 (/bin/app)\n\n"
                % ("s" * (1 << 20)))
    with open(d("counts.folded"), "w") as f:
        f.write("a;b 9223372036854775808\na;c 18446744073709551616\n")

    with gzip.open(os.path.join(HERE, "..", "tests", "data", "pprof", "profile1.pb.gz")) as f:
        real = f.read()
    first = next((s, e) for tag, s, e in top_fields(real) if tag == 2)
    bomb(d("bomb-zeros.pb.gz"), real, b"\0" * 4096, a.bomb_gb)
    with gzip.open(os.path.join(HERE, "..", "tests", "data", "pprof", "generated", "cpu.pb.gz")) as f:
        cpu = f.read()
    fields = list(top_fields(cpu))
    samples = b"".join(cpu[s:e] for tag, s, e in fields if tag == 2)
    with open(d("samples-256mb.pb"), "wb") as f:
        f.write(b"".join(cpu[s:e] for tag, s, e in fields if tag == 1))
        for _ in range((256 << 20) // len(samples) + 1):
            f.write(samples)
        f.write(b"".join(cpu[s:e] for tag, s, e in fields if tag not in (1, 2)))
    bomb(d("bomb-samples.pb.gz"), real, real[first[0]:first[1]], a.bomb_gb)


if __name__ == "__main__":
    main()
