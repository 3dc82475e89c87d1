#!/usr/bin/env python3
"""Writes a large OTLP/JSON file (one ExportTraceServiceRequest) for
benches/otlp_json.sh by repeating the resourceSpans of a real SDK export
with fresh trace ids, so every copy is a distinct set of traces.

Usage: gen_otlp.py SOURCE OUT [--mb 60 | --spans N]

SOURCE is an OTLP/JSON file with hex ids (tests/data/otlp/traces.otlp.json,
written by the OpenTelemetry Python SDK). Copy k rewrites the first 8 hex
digits of every trace id (spans' and links') to k, in hex. The output is
compact JSON, as the SDK and the Collector write it. With --spans N, enough
copies for at least N spans. Written one copy at a time, so a gigabyte
output needs no more memory than the source. Pure standard library.
"""

import argparse
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=60)
    ap.add_argument("--spans", type=int, default=0)
    a = ap.parse_args()
    with open(a.source) as f:
        src = json.load(f)
    if a.spans:
        per = sum(len(ss.get("spans", [])) for rs in src["resourceSpans"] for ss in rs.get("scopeSpans", []))
        copies = max(1, -(-a.spans // per))
    else:
        one = len(json.dumps(src["resourceSpans"], separators=(",", ":")))
        copies = max(1, a.mb * 1_000_000 // one + 1)
    first = True
    with open(a.out, "w") as f:
        f.write('{"resourceSpans":[')
        for k in range(copies):
            prefix = f"{k:08x}"
            for rs in src["resourceSpans"]:
                rs = json.loads(json.dumps(rs))
                for ss in rs.get("scopeSpans", []):
                    for s in ss.get("spans", []):
                        s["traceId"] = prefix + s["traceId"][8:]
                        for link in s.get("links", []):
                            link["traceId"] = prefix + link["traceId"][8:]
                if not first:
                    f.write(",")
                first = False
                f.write(json.dumps(rs, separators=(",", ":")))
        f.write("]}")

if __name__ == "__main__":
    main()
