#!/usr/bin/env bash
# Benchmark: loading a ~500 MB `strace -f -T -tt -yy` file against loading a
# perf script of the same size, both with `firesight info` (release build),
# with hyperfine; the issue's target is that strace loads at no less than
# half the speed (MB/s) of perf script. Also peak RSS of each (GNU time).
#
# Usage: benches/strace_load.sh [WORKDIR]   (default /tmp/firesight-bench/strace)
# Env:   BENCH_MB (500), BENCH_RUNS (5), FIRESIGHT (a firesight binary to use
#        instead of building one), KEEP=1 keeps the generated files.
#
# The perf script is benches/gen_perf.py's service-shaped profile (100 000
# deep samples); the strace file is sample-profiles/waits/waits.strace.txt.gz
# (a real `strace -f -T -tt -yy` recording: unfinished/resumed pairs across
# threads, SIGCHLD signals, exits, -yy paths of files, pipes and sockets,
# futex errors) written again and again with shifted pids and times by
# benches/gen_strace.py, cut to the perf script's size in bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/firesight-bench/strace}"
mb="${BENCH_MB:-500}"
runs="${BENCH_RUNS:-5}"
mkdir -p "$work"
perf_file="$work/perf-${mb}mb.txt"
strace_file="$work/strace-${mb}mb.txt"

if [ -z "${FIRESIGHT:-}" ]; then
    (cd "$here" && cargo build --release --no-default-features --quiet)
    FIRESIGHT="${CARGO_TARGET_DIR:-$here/target}/release/firesight"
fi
[ -s "$perf_file" ] || python3 "$here/benches/gen_perf.py" "$perf_file" --mb "$mb"
size=$(stat -c %s "$perf_file")
if [ ! -s "$strace_file" ] || [ "$(stat -c %s "$strace_file")" -gt "$size" ]; then
    python3 "$here/benches/gen_strace.py" "$here/sample-profiles/waits/waits.strace.txt.gz" "$strace_file" \
        --bytes "$size"
fi
[ "${KEEP:-0}" = 1 ] || trap 'rm -f "$perf_file" "$strace_file"' EXIT
ssize=$(stat -c %s "$strace_file")
echo "perf script: $perf_file ($((size / 1000000)) MB); strace: $strace_file ($((ssize / 1000000)) MB)"
echo "machine: $(nproc) CPUs, $(uptime | sed 's/.*load/load/')"
"$FIRESIGHT" info "$strace_file" | grep -E '^(samples|threads|calls|signals|exits|warnings)' || true

json="$work/strace_load.json"
hyperfine --warmup 1 --runs "$runs" --export-json "$json" \
    -n perf "$FIRESIGHT info $perf_file" -n strace "$FIRESIGHT info $strace_file"
python3 - "$json" "$size" "$ssize" <<'EOF'
import json, statistics, sys
runs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
sizes = {"perf": int(sys.argv[2]), "strace": int(sys.argv[3])}
mbs = {}
for name in ("perf", "strace"):
    r = runs[name]
    wall = statistics.median(r["times"])
    cpu = statistics.median(u + s for u, s in zip(r["user"], r["system"])) if "user" in r and isinstance(r["user"], list) else r["user"] + r["system"]
    mbs[name] = (sizes[name] / 1e6 / wall, sizes[name] / 1e6 / cpu)
    print("%-7s wall %.2f s (%.0f MB/s)  cpu %.2f s (%.0f MB/s)" % (name, wall, mbs[name][0], cpu, mbs[name][1]))
print("strace / perf speed: wall %.2f, cpu %.2f (target >= 0.50)" % (
    mbs["strace"][0] / mbs["perf"][0], mbs["strace"][1] / mbs["perf"][1]))
EOF
for f in "$perf_file" "$strace_file"; do
    rss=$(/usr/bin/time -f '%M' "$FIRESIGHT" info "$f" 2>&1 >/dev/null | tail -n 1)
    echo "peak RSS $(basename "$f"): $((rss / 1024)) MiB"
done
