#!/usr/bin/env bash
# Benchmark: `firesight info FILE.perf.data` (read the perf.data, symbolise
# every address, build the model, print a summary) against
# `perf script -i FILE.perf.data > /dev/null` (what users run today before
# Firesight sees anything), side by side with hyperfine; reports the ratio
# of median wall times and the peak memory (RSS) of each.
#
# Usage: benches/perf_data.sh [WORKDIR]   (default /tmp/firesight-bench-perfdata)
# Env:   BENCH_SECONDS (4: how long the recorded program runs),
#        BENCH_FREQ (9999 Hz), BENCH_RUNS (5)
#
# The input is a recording of tests/data/perf_data/spin.c (three threads:
# recursion, an inlined helper, write(2) into the kernel), built as an
# ordinary dynamically linked program so libc's symbols are looked up too,
# recorded with `perf record -g -e cpu-clock`. Needs perf, hyperfine, gcc,
# and root (or perf_event_paranoid <= 1) to record; builds firesight in
# release mode without the GUI feature.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/firesight-bench-perfdata}"
secs="${BENCH_SECONDS:-4}"
freq="${BENCH_FREQ:-9999}"
runs="${BENCH_RUNS:-5}"
mkdir -p "$work"
data="$work/spin-${secs}s-${freq}hz.perf.data"

(cd "$here" && cargo build --release --no-default-features --quiet)
target="${CARGO_TARGET_DIR:-$here/target}"
firesight="$target/release/firesight"

if [ ! -s "$data" ]; then
    gcc -O1 -fno-omit-frame-pointer -g -pthread -o "$work/spin" "$here/tests/data/perf_data/spin.c"
    perf record -N -e cpu-clock -F "$freq" -g -o "$data" -- "$work/spin" "$secs" > /dev/null
fi
echo "input: $data ($(($(stat -c %s "$data") / 1000000)) MB), $(nproc) CPUs"
"$firesight" info "$data" | grep -E '^(metric|samples|stacks|frames|warnings)'

hyperfine --warmup 1 --runs "$runs" --export-json "$work/hyperfine.json" \
    -n "perf script" "perf script -i '$data' > /dev/null" \
    -n "firesight info" "'$firesight' info '$data' > /dev/null"

python3 - "$work/hyperfine.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
p, f = r["perf script"]["median"], r["firesight info"]["median"]
print(f"median wall: perf script {p:.3f} s, firesight info {f:.3f} s, ratio firesight/perf script {f / p:.3f}")
PY
for cmd in "perf script -i $data" "$firesight info $data"; do
    /usr/bin/time -f "peak RSS %M KiB: $cmd" $cmd > /dev/null
done
