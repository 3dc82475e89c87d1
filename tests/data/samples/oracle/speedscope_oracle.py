#!/usr/bin/env python3
"""Oracle for a speedscope JSON file (as py-spy writes it).

Usage: speedscope_oracle.py FILE.speedscope.json > FILE.speedscope.json.json

Independent of Firesight: reads the file as the speedscope file format
defines it (https://www.speedscope.app/file-format-schema.json). Sampled
profiles only (py-spy's): each sample is a list of indexes into
shared.frames, root first, with its weight. Per profile (one per thread):
its name, unit, sample count and total weight, and per frame, labelled
`name (file:line)` (just `name` without a file), its self weight (the
samples it is the leaf of) and total weight (the samples it is in, once per
sample however often it recurs). Weights are summed as exact decimals of
the numbers as written and printed as strings.
"""
import json
import sys
from decimal import Decimal


def main():
    d = json.load(open(sys.argv[1]), parse_float=Decimal)
    frames = d["shared"]["frames"]

    def label(i):
        f = frames[i]
        if f.get("file") is not None and f.get("line") is not None:
            return f"{f['name']} ({f['file']}:{f['line']})"
        return f["name"]

    profiles = []
    for p in d["profiles"]:
        if p["type"] != "sampled":
            raise SystemExit(f"profile {p['name']}: type {p['type']}, only sampled profiles are read here")
        by_frame = {}
        total = Decimal(0)
        for stack, w in zip(p["samples"], p["weights"]):
            w = Decimal(w)
            total += w
            names = [label(i) for i in stack]
            for k, n in enumerate(names):
                e = by_frame.setdefault(n, [Decimal(0), Decimal(0)])
                if k == len(names) - 1:
                    e[0] += w
                if n not in names[:k]:
                    e[1] += w
        profiles.append({
            "name": p["name"],
            "unit": p["unit"],
            "samples": len(p["samples"]),
            "total_weight": str(total),
            "frames": {n: {"self": str(s), "total": str(t)} for n, (s, t) in sorted(by_frame.items())},
        })
    json.dump({"exporter": d.get("exporter"), "profiles": profiles}, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
