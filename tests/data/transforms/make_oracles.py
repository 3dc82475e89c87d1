"""Oracles for Firesight's transforms and peek, made with `go tool pprof`.

Run from this directory: `python3 make_oracles.py` (needs `go` on PATH).

- `top.<file>.json`: per option set (pprof's -focus/-ignore/-hide/-show,
  alone and combined) and per sample type, the total after the filters
  ("Showing nodes accounting for", with -nodecount=0 -nodefraction=0) and
  flat/cum of every function from `go tool pprof -top -functions`.
- `peek.<file>.json`: per regex and sample type, `go tool pprof -peek RE`:
  each function shown with flat, cum, callers and callees (weight, inline).

Values are printed in the base unit (-unit=ns for nanoseconds, -unit=B for
bytes) so they are exact integers. The `*.pb.gz.json` files beside these are
`../shared/sample-data/generated/oracle/transforms/` (same meaning, made by
the sample set's own script).
"""
import json
import re
import subprocess
import sys

PPROF = "../pprof/generated/"
FILES = {
    "cpu.pb.gz": PPROF + "cpu.pb.gz",
    "heap.pb.gz": PPROF + "heap.pb.gz",
    "mutex.pb.gz": PPROF + "mutex.pb.gz",
    "block.pb.gz": PPROF + "block.pb.gz",
    "features.pb.gz": "features.pb.gz",
}
TOP_CASES = {
    "cpu.pb.gz": [{"show": "json", "hide": "Unmarshal"}, {"ignore": "json", "hide": "runtime"}, {"focus": "mallocgc", "show": "^main\\."}],
    "heap.pb.gz": [{"focus": "recordAudit"}, {"hide": "reflect"}, {"ignore": "json", "show": "main"}],
    "mutex.pb.gz": [{"focus": "Unlock"}, {"hide": "sync"}, {"ignore": "inventory"}],
    "block.pb.gz": [{"focus": "chanrecv"}, {"show": "main\\."}, {"hide": "runtime", "ignore": "select"}],
    "features.pb.gz": [{"focus": "format"}, {"hide": "format"}, {"show": "main\\.(handle|run|b)"}, {"ignore": "libc"}, {"hide": "^main\\.(a|b)$"}, {"focus": "Itoa", "hide": "main\\.handle"}],
}
PEEK = {
    "cpu.pb.gz": ["main\\.serializeJSON$", "runtime\\.mallocgc$", "renderCategoryTree"],
    "heap.pb.gz": ["main\\.recordAudit", "encoding/json\\.Marshal$"],
    "mutex.pb.gz": ["Unlock"],
    "block.pb.gz": ["chanrecv"],
    "features.pb.gz": [".*"],
}
UNIT = {"nanoseconds": "ns", "bytes": "B"}


def pprof(args):
    r = subprocess.run(["go", "tool", "pprof"] + args, capture_output=True, text=True)
    return r.stdout, r.stderr


def sample_types(path):
    out, _ = pprof(["-raw", path])
    for line in out.splitlines():
        if "/" in line and not line.startswith(("PeriodType", "Period", "Time", "Samples")):
            return [t.split("/") for t in line.split()]
    raise SystemExit("no sample types in " + path)


def num(text, unit):
    if unit and text.endswith(unit):
        text = text[: -len(unit)]
    return int(text)


def opts(case):
    return [f"-{k}={v}" for k, v in case.items()]


def top(path, case):
    out = []
    for i, (name, unit) in enumerate(sample_types(path)):
        u = UNIT.get(unit, "")
        args = [f"-sample_index={i}", "-nodecount=0", "-nodefraction=0", "-edgefraction=0", "-top", "-functions"]
        if u:
            args.append(f"-unit={u}")
        text, err = pprof(args + opts(case) + [path])
        m = re.search(r"Showing nodes accounting for (-?\d+)\w*, ", text)
        total = num(m.group(1), "") if m else 0
        funcs = {}
        rows = False
        for line in text.splitlines():
            if line.strip().startswith("flat "):
                rows = True
                continue
            if not rows or not line.strip():
                continue
            parts = line.split(None, 5)
            fname = parts[5]
            if fname.endswith(" (inline)"):
                fname = fname[: -len(" (inline)")]
            funcs[fname] = {"flat": num(parts[0], u), "cum": num(parts[3], u)}
        out.append({"type": name, "unit": unit, "total": total, "functions": funcs, "stderr": err.strip()})
    return out


def peek(path, rx):
    out = []
    for i, (name, unit) in enumerate(sample_types(path)):
        u = UNIT.get(unit, "")
        args = [f"-sample_index={i}", "-peek", rx]
        if u:
            args.append(f"-unit={u}")
        text, _ = pprof(args + [path])
        funcs = []
        cur = None
        pending = []
        for line in text.splitlines():
            if line.startswith("-----"):
                cur = None
                pending = []
                continue
            if "|" not in line or "calls%" in line:
                continue
            left, right = line.split("|", 1)
            lp = left.split()
            if right.startswith("   "):
                callee = right.strip()
                inline = callee.endswith(" (inline)")
                if inline:
                    callee = callee[: -len(" (inline)")]
                edge = {"name": callee, "weight": num(lp[0], u), "inline": inline}
                if cur is None:
                    pending.append(edge)
                else:
                    cur["callees"].append(edge)
            else:
                cur = {"name": right.strip(), "flat": num(lp[0], u), "cum": num(lp[3], u), "callers": pending, "callees": []}
                pending = []
                funcs.append(cur)
        out.append({"type": name, "unit": unit, "functions": funcs})
    return out


def main():
    ver = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip()
    for f, path in FILES.items():
        cases = [{"options": c, "sample_types": top(path, c)} for c in TOP_CASES[f]]
        json.dump({"file": f, "reference": f"go tool pprof -top -functions ({ver})", "cases": cases},
                  open(f"top.{f}.json", "w"), indent=1, sort_keys=True)
        peeks = [{"regex": rx, "sample_types": peek(path, rx)} for rx in PEEK[f]]
        json.dump({"file": f, "reference": f"go tool pprof -peek ({ver})", "cases": peeks},
                  open(f"peek.{f}.json", "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
