#!/usr/bin/env python3
"""Writes a large folded-stacks file (`frame;frame;... count`) for
benches/memory.sh.

Usage: gen_folded.py OUT [--mb 200] [--stacks 200000] [--seed 1]

Shape: what `inferno-collapse-perf --tid` (or `stackcollapse-perf.pl
--tid`) writes for the services of gen_perf.py, concatenated over many
recordings as a profile archive does: the root frame is `comm-PID/TID`, then
the call path root first (deep C++, Rust, libc frames, kernel tails with
`_[k]`), and a sample count. The call paths come from gen_perf.py's call
trees (long shared prefixes, divergence near the leaves); --stacks distinct
paths, each line one path on one thread with a skewed (Zipf-like) pick, so
most lines are distinct stacks and some repeat far apart. Deterministic for
a seed. Pure standard library.
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_perf  # noqa: E402


def name_of(line):
    """The symbol of a gen_perf frame line, as inferno folds it."""
    # "\t    addr sym+0x12 (dso)\n"
    body = line.strip()
    body = body.split(" ", 1)[1]
    sym, _, dso = body.rpartition(" (")
    dso = dso[:-1]
    if "+0x" in sym:
        sym = sym[: sym.rindex("+0x")]
    if dso == "[kernel.kallsyms]":
        sym += "_[k]"
    return sym


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--stacks", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    trees = [gen_perf.CallTree(rng, p) for p in range(len(gen_perf.PROCS))]
    names = [[name_of(l) for l in t.lines] for t in trees]
    seen = set()
    stacks = []
    while len(stacks) < a.stacks:
        p = len(stacks) % len(gen_perf.PROCS)
        path = trees[p].walk()
        names[p].extend(name_of(l) for l in trees[p].lines[len(names[p]):])
        if (p, path) not in seen:
            seen.add((p, path))
            stacks.append((p, ";".join(names[p][n] for n in path)))
    weights = [1.0 / (1 + i) ** 0.6 for i in range(len(stacks))]
    target = a.mb * 1_000_000
    written = 0
    with open(a.out, "w", buffering=1 << 22) as out:
        while written < target:
            parts = []
            for i in rng.choices(range(len(stacks)), weights=weights, k=20000):
                p, text = stacks[i]
                pid, main_comm, comms, _, _ = gen_perf.PROCS[p]
                t = rng.randrange(len(comms))
                comm = comms[t]
                tid = pid if comm == main_comm else pid + 1 + t
                parts.append("%s-%d/%d;%s %d\n" % (comm, pid, tid, text, rng.randrange(1, 40)))
            chunk = "".join(parts)
            out.write(chunk)
            written += len(chunk)


if __name__ == "__main__":
    main()
