#!/usr/bin/env python3
"""Writes a large `strace -f -T -tt -yy` file from a real recording.

Usage: gen_strace.py TEMPLATE OUT [--bytes N | --mb 500]

TEMPLATE is a real recording (`strace -f -T -tt -yy -o FILE`, e.g.
sample-profiles/waits/waits.strace.txt, optionally gzipped). Its lines are
written again and again until OUT holds N bytes (whole lines; the last copy
stops at a line end): copy k has every pid shifted by k * (pid span + 1),
in the leading pid column and wherever the pid is named (`[pid N]`,
`si_pid=N`, `/proc/N/`, clone's return and `parent_tid=[N]`), and every
-tt time shifted by k * (time span + 1 ms), so the file reads as one long
recording of many short-lived processes: unfinished/resumed pairs,
signals, exits, -yy paths, errors and the padding strace writes are all
the template's own. Times wrap at midnight as strace's -tt does.
Deterministic. Pure standard library.
"""

import argparse
import gzip
import re
import sys

LINE = re.compile(r"^(\d+)(\s+)(\d\d):(\d\d):(\d\d)\.(\d{6}) (.*)$", re.S)
# Pids named inside a line's text: `si_pid=5239`, `/proc/5231/`,
# `parent_tid=[5235]`, and the return of clone/clone3/fork/vfork.
INNER = re.compile(r"(si_pid=|/proc/|parent_tid=\[)(\d+)")
CLONE_RET = re.compile(r"^((?:<\.\.\. )?(?:clone3?|v?fork)\b.*\) += )(\d+)( <)")


def read_template(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="surrogateescape") as f:
        lines = f.read().splitlines(keepends=True)
    out = []
    for line in lines:
        m = LINE.match(line)
        if not m:
            sys.exit("%s: not an `strace -f -tt` line: %r" % (path, line[:80]))
        pid = int(m.group(1))
        t_us = ((int(m.group(3)) * 60 + int(m.group(4))) * 60 + int(m.group(5))) * 1_000_000 + int(m.group(6))
        out.append((pid, t_us, m.group(7)))
    return out


def shifted_text(rest, pid_shift, pids):
    """`rest` with the template's pids moved by `pid_shift`."""
    def inner(m):
        n = int(m.group(2))
        return m.group(1) + (str(n + pid_shift) if n in pids else m.group(2))

    rest = INNER.sub(inner, rest)
    m = CLONE_RET.match(rest)
    if m and int(m.group(2)) in pids:
        rest = m.group(1) + str(int(m.group(2)) + pid_shift) + m.group(3) + rest[m.end():]
    return rest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("template")
    ap.add_argument("out")
    ap.add_argument("--bytes", type=int, default=0)
    ap.add_argument("--mb", type=int, default=500)
    a = ap.parse_args()
    target = a.bytes or a.mb * 1_000_000
    lines = read_template(a.template)
    pids = {p for p, _, _ in lines}
    pid_span = max(pids) - min(pids) + 1
    t0 = min(t for _, t, _ in lines)
    t_span = max(t for _, t, _ in lines) - t0 + 1000
    # Lines whose text names a pid are rewritten per copy; the rest are reused.
    needs_shift = [bool(INNER.search(r) or CLONE_RET.match(r)) for _, _, r in lines]
    day = 86_400 * 1_000_000
    written = 0
    copies = 0
    events = 0
    with open(a.out, "w", encoding="utf-8", errors="surrogateescape", buffering=1 << 22) as out:
        while written < target:
            pid_shift = copies * pid_span
            t_shift = copies * t_span
            parts = []
            for (pid, t, rest), shift in zip(lines, needs_shift):
                t = (t + t_shift) % day
                s, us = divmod(t, 1_000_000)
                h, s = divmod(s, 3600)
                mi, s = divmod(s, 60)
                text = shifted_text(rest, pid_shift, pids) if shift else rest
                line = "%-5d %02d:%02d:%02d.%06d %s" % (pid + pid_shift, h, mi, s, us, text)
                if written + len(line) > target:
                    break
                parts.append(line)
                written += len(line)
                events += 1
            else:
                out.write("".join(parts))
                copies += 1
                continue
            out.write("".join(parts))
            break
    sys.stderr.write("%s: %d lines, %d copies of %d lines, %.1f MB\n" % (
        a.out, events, copies, len(lines), written / 1e6))


if __name__ == "__main__":
    main()
