#!/usr/bin/env bash
# Benchmark: `firesight slow FILE` (load, then slow versus the rest: self
# time and critical path per operation, attribute shares) against
# `firesight info FILE` (load alone) on about 100 000 traces (1.3 million
# spans) of generated OTLP/JSON, release build, hyperfine. Target: slow
# costs under 20% more than loading (ratio slow / info < 1.20). Prints the
# wall and CPU-time ratios. The big file goes under WORKDIR and is deleted
# at the end unless KEEP=1.
#
# Usage: benches/slow.sh [WORKDIR]   (default /tmp/firesight-bench)
# Env:   BENCH_TRACES (100000), BENCH_RUNS (5), KEEP (0)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/firesight-bench}"
traces="${BENCH_TRACES:-100000}"
runs="${BENCH_RUNS:-5}"
mkdir -p "$work"
input="$work/otlp-${traces}-traces.json"
source="$here/tests/data/otlp/traces.otlp.json"

if ! command -v hyperfine >/dev/null; then
    apt-get update && apt-get install -y hyperfine
fi
(cd "$here" && flock /tmp/cargo.lock cargo build --release --quiet)
bin="${CARGO_TARGET_DIR:-$here/target}/release/firesight"

if [ ! -s "$input" ]; then
    # gen_otlp.py repeats the 280 traces of the source; size it in MB so the
    # copies hold about $traces traces.
    per_copy=$(python3 -c "import json,sys; print(len(json.dumps(json.load(open(sys.argv[1]))['resourceSpans'], separators=(',',':'))))" "$source")
    mb=$(python3 -c "import math; print(math.ceil(($traces / 280 - 1) * $per_copy / 1e6))")
    python3 "$here/benches/gen_otlp.py" "$source" "$input" --mb "$mb"
fi
"$bin" traces "$input" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"input: {len(d['traces'])} traces, {d['spans']} spans\")"
echo "$(stat -c %s "$input") bytes"

hyperfine --warmup 1 --runs "$runs" --export-json "$work/slow.json" \
    -n "info (load)" "$bin info $input" \
    -n "slow (load + slow versus rest)" "$bin slow $input --json"
python3 - "$work/slow.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
load = r["info (load)"]
slow = r["slow (load + slow versus rest)"]
cpu = lambda x: x["user"] + x["system"]
print(f"wall: info {load['mean']:.3f} s, slow {slow['mean']:.3f} s: ratio {slow['mean'] / load['mean']:.3f} (target < 1.20)")
print(f"cpu (user+sys): info {cpu(load):.3f} s, slow {cpu(slow):.3f} s: ratio {cpu(slow) / cpu(load):.3f}")
PY
if [ "${KEEP:-0}" != 1 ]; then
    rm -f "$input"
fi
