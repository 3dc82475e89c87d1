#!/usr/bin/env python3
"""Oracle for a massif.out file, from `ms_print` alone (not from the file).

Usage: ms_print FILE.massif.out | massif_oracle.py > FILE.massif.out.json

Reads ms_print's snapshot tables (n, time, total, useful-heap, extra-heap,
stacks bytes) and the peak snapshot's allocation tree, and writes: every
snapshot, the peak snapshot number, its useful heap bytes, and per function
of the peak tree its self bytes (the sites directly under the allocation
functions) and total bytes (each tree node's bytes counted once per path,
at the outermost node naming the function). Subtrees ms_print folds into
"in N places, all below massif's threshold" have no function and are left
out.
"""
import json
import re
import sys

ROW = re.compile(r"^\s*(\d+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s*$")
NODE = re.compile(r"^([| ]*)->\s*[\d.]+% \(([\d,]+)B\) (.*)$")
SITE = re.compile(r"^0x[0-9A-Fa-f]+: (.+?)(?: \(.*\))?$")


def num(s):
    return int(s.replace(",", ""))


def main():
    lines = sys.stdin.read().splitlines()
    snapshots, peak = [], None
    trees = {}  # snapshot n -> list of (depth, bytes, text)
    current = None
    for i, line in enumerate(lines):
        m = ROW.match(line)
        if m:
            n, t, total, useful, extra, stacks = (num(g) for g in m.groups())
            snapshots.append({"n": n, "time": t, "total_B": total, "useful_heap_B": useful,
                              "extra_heap_B": extra, "stacks_B": stacks})
            current = n
            continue
        m = NODE.match(line)
        if m and current is not None:
            depth = len(m.group(1)) // 2
            trees.setdefault(current, []).append((depth, num(m.group(2)), m.group(3)))
    for l in lines:
        m = re.search(r"Detailed snapshots: \[(.*)\]", l)
        if m:
            for part in m.group(1).split(","):
                if "(peak)" in part:
                    peak = int(part.replace("(peak)", "").strip())
    by_n = {s["n"]: s for s in snapshots}
    functions = {}
    path = []  # function names from the top-level site down
    for depth, b, text in trees.get(peak, []):
        del path[depth:]
        site = SITE.match(text)
        name = site.group(1) if site else None
        path.append(name)
        if name is None:
            continue
        f = functions.setdefault(name, {"self_B": 0, "total_B": 0})
        if depth == 0:
            f["self_B"] += b
        if name not in path[:-1]:
            f["total_B"] += b
    out = {
        "snapshots": snapshots,
        "peak_snapshot": peak,
        "peak_useful_heap_B": by_n[peak]["useful_heap_B"] if peak in by_n else None,
        "peak_functions": dict(sorted(functions.items())),
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
