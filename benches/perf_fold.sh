#!/usr/bin/env bash
# Benchmark: `firesight fold` against `inferno-collapse-perf` on a large
# generated perf script (default 600 MB, 50 000 distinct deep stacks), one
# thread and all cores, plus peak memory.
#
# Usage: benches/perf_fold.sh [WORKDIR]   (default /tmp/firesight-bench)
# Env:   BENCH_MB (600), BENCH_STACKS (50000), BENCH_RUNS (5)
#
# Installs what it needs when missing: hyperfine (apt-get), inferno
# (`cargo install inferno --version 0.12.8`). Builds firesight in release
# mode without the GUI feature. One thread means pinned to one CPU with
# taskset (firesight sizes its worker pool from the CPUs it may use;
# inferno also gets --nthreads 1). The generated file is kept for re-runs.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/firesight-bench}"
mb="${BENCH_MB:-600}"
stacks="${BENCH_STACKS:-50000}"
runs="${BENCH_RUNS:-5}"
mkdir -p "$work"
input="$work/perf-${mb}mb-${stacks}.txt"

if ! command -v hyperfine >/dev/null; then
    apt-get update && apt-get install -y hyperfine
fi
if ! command -v inferno-collapse-perf >/dev/null; then
    cargo install inferno --version 0.12.8 --locked
fi
(cd "$here" && cargo build --release --no-default-features --quiet)
target="${CARGO_TARGET_DIR:-$here/target}"
firesight="$target/release/firesight"

if [ ! -s "$input" ]; then
    python3 "$here/benches/gen_perf.py" "$input" --mb "$mb" --stacks "$stacks"
fi
size=$(stat -c %s "$input")
ncpu=$(nproc)
echo "input: $input ($((size / 1000000)) MB), $ncpu CPUs"

# Same output first: the benchmark is only fair if both fold the same way.
"$firesight" fold "$input" >"$work/firesight.folded"
inferno-collapse-perf "$input" >"$work/inferno.folded" 2>/dev/null
if cmp -s "$work/firesight.folded" "$work/inferno.folded"; then
    echo "outputs identical: $(wc -l <"$work/firesight.folded") folded stacks"
else
    echo "OUTPUTS DIFFER" >&2
    exit 1
fi

hyperfine --warmup 1 --runs "$runs" --export-markdown "$work/one-thread.md" \
    -n "firesight fold (1 thread)" "taskset -c 0 $firesight fold $input >/dev/null" \
    -n "inferno-collapse-perf (1 thread)" "taskset -c 0 inferno-collapse-perf --nthreads 1 $input >/dev/null 2>&1"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$work/all-cores.md" \
    -n "firesight fold ($ncpu cores)" "$firesight fold $input >/dev/null" \
    -n "inferno-collapse-perf ($ncpu cores)" "inferno-collapse-perf $input >/dev/null 2>&1"

peak() { # label, command...
    local label="$1"
    shift
    local kb
    kb=$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}')
    echo "$label: peak RSS $((kb / 1024)) MiB = $((kb * 1024 * 100 / size))% of the input"
}
peak "firesight fold (1 thread)" taskset -c 0 "$firesight" fold "$input"
peak "firesight fold ($ncpu cores)" "$firesight" fold "$input"
peak "inferno-collapse-perf (1 thread)" inferno-collapse-perf --nthreads 1 "$input"
peak "inferno-collapse-perf ($ncpu cores)" inferno-collapse-perf "$input"
cat "$work/one-thread.md" "$work/all-cores.md"
