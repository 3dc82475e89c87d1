#!/usr/bin/env bash
# Benchmark: pprof decode + model build against a bare prost decode of the
# same bytes (the issue's target: >= 80 % of the bare decode's speed).
#
# Usage: benches/pprof_decode.sh          (release build, no GUI feature)
# Env:   BENCH_MB (64), BENCH_RUNS (7), BENCH_FILE (generated if missing,
#        default /tmp/firesight-bench/pprof-<MB>mb.pb)
#
# The generator and the timing loop are benches/pprof_decode.rs; both sides
# decode the same in-memory bytes in the same process, alternating, and the
# medians are compared. The loader decodes samples on a second thread beside
# the model building, so the run is made twice: on every core, and pinned to
# one core with taskset (bare prost decode is single-threaded either way).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
bin=$(cargo bench --no-default-features --bench pprof_decode --no-run --message-format=json \
    | sed -n 's/.*"executable":"\([^"]*pprof_decode[^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "pprof_decode.sh: the benchmark did not build" >&2; exit 1; }
echo "== every core ($(nproc))"
"$bin"
if command -v taskset >/dev/null; then
    echo "== one core (taskset -c 0)"
    taskset -c 0 "$bin"
fi
