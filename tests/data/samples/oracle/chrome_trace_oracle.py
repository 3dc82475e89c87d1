#!/usr/bin/env python3
"""Oracle for a Chrome trace-event JSON file (as Node writes it).

Usage: chrome_trace_oracle.py FILE.json > FILE.json.json

Independent of Firesight: reads the file as the Trace Event Format
document defines it. Per thread (`pid:tid`): its name (the `thread_name`
metadata event), how many complete (`X`) and begin (`B`) events it has,
and per span name its count, total µs and self µs. `B`/`E` pairs are
matched per thread, an `E` closing the latest open `B`. A span's self
time is its duration minus that of its direct children: spans of the same
thread nested inside it, found by sorting by start (longer first) and
keeping a stack of open spans. Times are exact decimals of the numbers as
written, printed as strings.
"""
import json
import sys
from decimal import Decimal


def main():
    d = json.load(open(sys.argv[1]), parse_float=Decimal)
    events = d["traceEvents"] if isinstance(d, dict) else d
    names, spans, counts, open_b = {}, {}, {}, {}
    for e in events:
        key = f"{e.get('pid')}:{e.get('tid')}"
        ph = e.get("ph")
        if ph == "M" and e.get("name") == "thread_name":
            names[key] = e.get("args", {}).get("name", "")
        elif ph == "X":
            counts.setdefault(key, {"X": 0, "B": 0})["X"] += 1
            ts = Decimal(e["ts"])
            spans.setdefault(key, []).append((ts, ts + Decimal(e.get("dur", 0)), e["name"]))
        elif ph == "B":
            counts.setdefault(key, {"X": 0, "B": 0})["B"] += 1
            open_b.setdefault(key, []).append((Decimal(e["ts"]), e["name"]))
        elif ph == "E" and open_b.get(key):
            ts, name = open_b[key].pop()
            spans.setdefault(key, []).append((ts, Decimal(e["ts"]), name))
    threads = {}
    for key, ss in sorted(spans.items()):
        ss.sort(key=lambda s: (s[0], -s[1]))
        child = [Decimal(0)] * len(ss)
        stack = []
        for i, (start, end, _) in enumerate(ss):
            while stack and ss[stack[-1]][1] <= start:
                stack.pop()
            if stack and end <= ss[stack[-1]][1]:
                child[stack[-1]] += end - start
            stack.append(i)
        by_name = {}
        for i, (start, end, name) in enumerate(ss):
            b = by_name.setdefault(name, {"count": 0, "total_us": Decimal(0), "self_us": Decimal(0)})
            b["count"] += 1
            b["total_us"] += end - start
            b["self_us"] += end - start - child[i]
        threads[key] = {
            "thread_name": names.get(key, ""),
            **counts.get(key, {"X": 0, "B": 0}),
            "by_name": {n: {"count": v["count"], "total_us": str(v["total_us"]), "self_us": str(v["self_us"])}
                        for n, v in sorted(by_name.items())},
        }
    json.dump({"threads": threads}, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
