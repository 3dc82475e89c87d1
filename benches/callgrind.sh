#!/usr/bin/env bash
# Benchmark: `firesight top` on a callgrind file against the reference
# report, `callgrind_annotate --inclusive=yes` (valgrind), side by side
# with hyperfine; prints the ratio of the means.
#
# Usage: benches/callgrind.sh [FILE]   (default tests/data/valgrind/shop.callgrind.out)
# Env:   BENCH_RUNS (20)
#
# Needs hyperfine and valgrind (apt-get install hyperfine valgrind). Builds
# firesight in release mode without the GUI feature.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
input="${1:-$here/tests/data/valgrind/shop.callgrind.out}"
runs="${BENCH_RUNS:-20}"
(cd "$here" && cargo build --release --no-default-features --quiet)
target="${CARGO_TARGET_DIR:-$here/target}"
firesight="$target/release/firesight"
dir="$(dirname "$input")"
name="$(basename "$input")"
json="$(mktemp)"
trap 'rm -f "$json"' EXIT
# callgrind_annotate reads source files named in the profile relative to
# the current directory; --auto=no keeps it to the tables.
(cd "$dir" && hyperfine --warmup 2 --runs "$runs" --export-json "$json" \
    -n firesight "$firesight top $name" \
    -n callgrind_annotate "callgrind_annotate --inclusive=yes --auto=no --threshold=100 $name")
python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"firesight / callgrind_annotate: {r['firesight'] / r['callgrind_annotate']:.3f}")
PY
