#!/usr/bin/env bash
# Benchmark: the window on big inputs (issues 16 and 17), the real
# FiresightApp driven headless by `benches/window.rs` (release build).
#
# Usage: benches/window.sh [CASE...]   (default: every case)
#   cases: perf-1g tree-10m deep-100k trace-1m-spans traces-200k waterfall-100k
# Env:   BENCH_DIR (/tmp/firesight-bench/bigwindow), where the generated
#        inputs are written once and kept for re-runs (about 1.4 GB; delete
#        the folder when done).
#
# Prints, per case, the load time, the first frame after the load, and the
# median, p99 and worst frame while scrolling, zooming, hovering and
# selecting, with the number of frames over 16 ms. Say how busy the machine
# was (`uptime` is printed first): on a shared machine the worst frame is
# the first figure to move.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/firesight-bench/bigwindow}"
mkdir -p "$dir"
export BENCH_DIR="$dir"

[ -s "$dir/perf-1g.txt" ] || python3 "$here/benches/gen_perf.py" "$dir/perf-1g.txt" --mb 1000
[ -s "$dir/trace-1m.otlp.json" ] ||
    python3 "$here/benches/gen_traces.py" "$dir/trace-1m.otlp.json" --traces 1 --spans 1000000
[ -s "$dir/waterfall-100k.otlp.json" ] ||
    python3 "$here/benches/gen_traces.py" "$dir/waterfall-100k.otlp.json" --traces 1 --spans 100000 --seed 2
[ -s "$dir/traces-200k.otlp.json" ] ||
    python3 "$here/benches/gen_traces.py" "$dir/traces-200k.otlp.json" --traces 200000 --spans 1 --seed 3
if [ ! -s "$dir/deep-100k.folded" ]; then
    # One stack 100 000 frames deep (f0;f1;...) among 2 000 shallow ones.
    python3 - "$dir/deep-100k.folded" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    out.write(";".join(f"deep_{i}" for i in range(100_000)) + " 500\n")
    for i in range(2000):
        out.write(f"main;handler_{i % 40};work_{i} {1 + i % 17}\n")
PY
fi

uptime
cd "$here"
cargo bench --bench window -- "$@"
