#!/usr/bin/env python3
"""Writes an OTLP/JSON trace file of a given shape for benches/window.sh:
TRACES traces of SPANS spans each, as the OpenTelemetry Collector's file
exporter writes them (one ExportTraceServiceRequest, compact JSON, hex
ids, times as decimal strings).

Usage: gen_traces.py OUT --traces 1 --spans 1000000 [--fanout 8] [--seed 1]

Each trace is a tree in breadth-first order: span i's parent is span
(i - 1) // fanout, so a 1 000 000-span trace with fan-out 8 is 7 levels
deep. A child runs inside its parent's interval (its slot of the parent's
time, minus a gap), so the waterfall nests them. Spans are spread over 12
services (one resourceSpans each per trace), with names from a pool of 200
operations; one span in 97 has an error status, one in 5 an attribute.
Traces start 1 ms apart. Pure standard library; deterministic for a seed.
"""

import argparse
import random

SERVICES = [f"svc-{n}" for n in ("gateway", "auth", "cart", "catalog", "search", "pricing",
                                   "orders", "payments", "ship", "stock", "users", "mail")]


def span_json(trace_id, span_id, parent_id, name, start, end, error, attr):
    parts = [f'"traceId":"{trace_id}","spanId":"{span_id:016x}"']
    if parent_id is not None:
        parts.append(f'"parentSpanId":"{parent_id:016x}"')
    parts.append(f'"name":"{name}","kind":2,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}"')
    if attr is not None:
        parts.append(f'"attributes":[{{"key":"http.route","value":{{"stringValue":"/r/{attr}"}}}}]')
    parts.append('"status":{"code":2,"message":"failed"}' if error else '"status":{}')
    return "{" + ",".join(parts) + "}"


def write_trace(out, rng, t, spans, fanout, t0, first):
    trace_id = f"{rng.getrandbits(64):016x}{t:016x}"
    duration = 50_000_000 + rng.randrange(1_000_000_000)
    start = [0] * spans
    end = [0] * spans
    start[0], end[0] = t0, t0 + duration
    by_service = {}
    base_id = (t + 1) << 32
    for i in range(spans):
        if i > 0:
            p = (i - 1) // fanout
            slot = (i - 1) % fanout
            width = (end[p] - start[p]) / fanout
            s = start[p] + int(slot * width + width * 0.05)
            e = s + max(1, int(width * (0.3 + 0.6 * rng.random())))
            start[i], end[i] = s, min(e, end[p])
            parent = base_id + p
        else:
            parent = None
        svc = SERVICES[0] if i == 0 else SERVICES[rng.randrange(len(SERVICES))]
        name = f"op-{rng.randrange(200)}"
        attr = rng.randrange(50) if rng.randrange(5) == 0 else None
        by_service.setdefault(svc, []).append(
            span_json(trace_id, base_id + i, parent, name, start[i], end[i], rng.randrange(97) == 0, attr))
    for svc, items in by_service.items():
        if not first[0]:
            out.write(",")
        first[0] = False
        out.write('{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"')
        out.write(svc)
        out.write('"}}]},"scopeSpans":[{"scope":{"name":"bench"},"spans":[')
        out.write(",".join(items))
        out.write("]}]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--traces", type=int, default=1)
    ap.add_argument("--spans", type=int, default=1_000_000)
    ap.add_argument("--fanout", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    t0 = 1_764_000_000_000_000_000
    first = [True]
    with open(a.out, "w") as out:
        out.write('{"resourceSpans":[')
        for t in range(a.traces):
            write_trace(out, rng, t, a.spans, a.fanout, t0 + t * 1_000_000, first)
        out.write("]}\n")


if __name__ == "__main__":
    main()
