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
# medians are compared.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
exec cargo bench --no-default-features --bench pprof_decode
