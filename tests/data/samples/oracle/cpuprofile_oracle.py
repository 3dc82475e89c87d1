#!/usr/bin/env python3
"""Oracle for a V8 .cpuprofile (Chrome DevTools Protocol Profiler.Profile).

Usage: cpuprofile_oracle.py FILE.cpuprofile > FILE.cpuprofile.json

Independent of Firesight: walks the `nodes` tree and the `samples` /
`timeDeltas` arrays as DevTools does. A function is named
`functionName url:line` (line 1-based; `(anonymous)` for an empty name;
just the name when the url is empty). A sample lasts until the next one,
the last until `endTime`. Per function: self and total samples and µs,
total counted once per sample however often the function recurs.
"""
import json
import sys


def main():
    path = sys.argv[1]
    p = json.load(open(path))
    nodes = {n["id"]: n for n in p["nodes"]}
    parent = {}
    for n in p["nodes"]:
        for c in n.get("children", []):
            parent[c] = n["id"]

    def name(n):
        cf = n["callFrame"]
        fn = cf.get("functionName") or "(anonymous)"
        url = cf.get("url") or ""
        return f"{fn} {url}:{cf.get('lineNumber', -1) + 1}" if url else fn

    samples, deltas = p["samples"], p["timeDeltas"]
    times, t = [], p["startTime"]
    for d in deltas:
        t += d
        times.append(t)
    functions = {}
    special = {}
    total_us = 0
    for i, s in enumerate(samples):
        us = (times[i + 1] if i + 1 < len(times) else p["endTime"]) - times[i]
        total_us += us
        path_names = []
        k = s
        while k in nodes:
            path_names.append(name(nodes[k]))
            k = parent.get(k)
        # The (root) node is not a frame.
        path_names = [x for x in path_names if x != "(root)"]
        if not path_names:
            continue
        leaf = path_names[0]
        if leaf in ("(idle)", "(program)", "(garbage collector)"):
            special[leaf] = special.get(leaf, 0) + 1
        for j, f in enumerate(path_names):
            e = functions.setdefault(f, {"self_samples": 0, "total_samples": 0, "self_us": 0, "total_us": 0})
            if j == 0:
                e["self_samples"] += 1
                e["self_us"] += us
            if f not in path_names[j + 1:]:
                e["total_samples"] += 1
                e["total_us"] += us
    out = {
        "samples": len(samples),
        "sum_sample_time_us": total_us,
        "duration_us": p["endTime"] - p["startTime"],
        "special_nodes_self_samples": special,
        "functions": dict(sorted(functions.items())),
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
