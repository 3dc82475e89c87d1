#!/usr/bin/env python3
"""Writes operations.golden.json: per operation (service, span name) of an
OTLP/JSON file with hex ids, the count, errors and nearest-rank P50/P90/P99
and max of span durations and span self times, computed here independently
of Firesight (standard library only).

Definitions: duration = end - start; self time = duration minus the union of
the children's intervals clipped to the span (children: spans of the same
trace naming it as parent); nearest rank = the value at rank ceil(p/100*n)
of the ascending list.

Usage: make_goldens.py ../otlp/traces.otlp.json operations.golden.json
"""

import json
import math
import sys
from collections import defaultdict


def nearest_rank(sorted_values, p):
    rank = math.ceil(p / 100 * len(sorted_values))
    return sorted_values[max(1, min(rank, len(sorted_values))) - 1]


def main():
    src, out = sys.argv[1], sys.argv[2]
    doc = json.load(open(src))
    spans = []
    for rs in doc["resourceSpans"]:
        service = next(a["value"]["stringValue"] for a in rs["resource"]["attributes"] if a["key"] == "service.name")
        for ss in rs.get("scopeSpans", []):
            for s in ss.get("spans", []):
                spans.append((service, s))
    by_id = {(s["traceId"], s["spanId"]): (svc, s) for svc, s in spans}
    children = defaultdict(list)
    for svc, s in spans:
        parent = s.get("parentSpanId")
        if parent and (s["traceId"], parent) in by_id:
            children[(s["traceId"], parent)].append(s)
    ops = defaultdict(lambda: {"durations": [], "selfs": [], "errors": 0})
    for svc, s in spans:
        start, end = int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
        iv = []
        for c in children[(s["traceId"], s["spanId"])]:
            a = min(max(int(c["startTimeUnixNano"]), start), end)
            b = min(max(int(c["endTimeUnixNano"]), start), end)
            if a < b:
                iv.append((a, b))
        iv.sort()
        covered, cur = 0, None
        for a, b in iv:
            if cur and a <= cur[1]:
                cur = (cur[0], max(cur[1], b))
            else:
                if cur:
                    covered += cur[1] - cur[0]
                cur = (a, b)
        if cur:
            covered += cur[1] - cur[0]
        o = ops[(svc, s["name"])]
        o["durations"].append(end - start)
        o["selfs"].append(end - start - covered)
        o["errors"] += int(s.get("status", {}).get("code", 0) == 2)
    rows = []
    for (svc, name), o in sorted(ops.items()):
        q = lambda v: {"p50": nearest_rank(v, 50), "p90": nearest_rank(v, 90), "p99": nearest_rank(v, 99), "max": v[-1]}
        d, s = sorted(o["durations"]), sorted(o["selfs"])
        rows.append({"service": svc, "name": name, "count": len(d), "errors": o["errors"],
                     "duration_ns": q(d), "self_ns": q(s)})
    with open(out, "w") as f:
        json.dump({"source": src.split("/")[-1], "operations": rows}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
