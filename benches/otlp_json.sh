#!/usr/bin/env bash
# Benchmark: OTLP/JSON decode plus model build (`firesight info FILE`: read,
# sniff, lenient decode, trace trees, profile projection) against a bare
# serde_json decode of the same bytes into opentelemetry-proto's
# ExportTraceServiceRequest, both in benches/otlp_json/ (a small crate of its
# own, so it builds without the GUI dev-dependencies). Both read the file
# and print a line. Target: baseline time / firesight time >= 0.8. On a
# shared machine wall time is noisy; the CPU-time ratio is printed too.
#
# Usage: benches/otlp_json.sh [WORKDIR]   (default /tmp/firesight-bench)
# Env:   BENCH_MB (60), BENCH_RUNS (5)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/firesight-bench}"
mb="${BENCH_MB:-60}"
runs="${BENCH_RUNS:-5}"
mkdir -p "$work"
input="$work/otlp-${mb}mb.json"

if ! command -v hyperfine >/dev/null; then
    apt-get update && apt-get install -y hyperfine
fi
(cd "$here/benches/otlp_json" && cargo build --release --quiet)
target="${CARGO_TARGET_DIR:-$here/benches/otlp_json/target}"
bench="$target/release/otlp-json-bench"

if [ ! -s "$input" ]; then
    python3 "$here/benches/gen_otlp.py" "$here/tests/data/otlp/traces.otlp.json" "$input" --mb "$mb"
fi
size=$(stat -c %s "$input")
echo "input: $input ($((size / 1000000)) MB)"
"$bench" baseline "$input"
"$bench" firesight "$input"

hyperfine --warmup 1 --runs "$runs" --export-json "$work/otlp.json" --export-markdown "$work/otlp.md" \
    -n "firesight (decode + model)" "$bench firesight $input" \
    -n "serde_json into opentelemetry-proto" "$bench baseline $input"
python3 - "$work/otlp.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
f = r["firesight (decode + model)"]
b = r["serde_json into opentelemetry-proto"]
cpu = lambda x: x["user"] + x["system"]
print(f"wall: firesight {f['mean']:.3f} s, baseline {b['mean']:.3f} s: {b['mean'] / f['mean'] * 100:.0f}% of the baseline's speed (target >= 80%)")
print(f"cpu (user+sys): firesight {cpu(f):.3f} s, baseline {cpu(b):.3f} s: {cpu(b) / cpu(f) * 100:.0f}%")
PY
