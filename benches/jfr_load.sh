#!/usr/bin/env bash
# Benchmark: loading a ~200 MB JFR recording (`firesight info`, release
# build) against the JDK's own `jfr summary` on the same file, with
# hyperfine (medians and their ratio); also peak RSS of each (GNU time).
#
# Usage: benches/jfr_load.sh [FILE.jfr]
# Without FILE, records one (255 to 300 MB, 20 to 23 chunks, 7 to 8.5 million events)
# under /tmp/firesight-bench/ from sample-profiles/src/Warehouse.java in its
# dense mode: 95 s, 6 picker threads, execution and native samples every
# 1 ms, TLAB allocation events on, every lock, park and I/O threshold 0.
# The recording and the workload's ledger files are deleted afterwards
# unless KEEP=1. Needs a JDK 17 (`javac`, `java`, `jfr`), hyperfine and
# GNU time.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work=/tmp/firesight-bench
mkdir -p "$work"
file="${1:-}"
if [ -z "$file" ]; then
    file="$work/big.jfr"
    if [ ! -s "$file" ]; then
        javac -d "$work/classes" "$here/sample-profiles/src/Warehouse.java"
        settings="settings=profile,maxsize=2g,jdk.SystemProcess#enabled=false"
        settings+=",jdk.InitialEnvironmentVariable#enabled=false"
        settings+=",jdk.ExecutionSample#period=1ms,jdk.NativeMethodSample#period=1ms"
        settings+=",jdk.ObjectAllocationInNewTLAB#enabled=true,jdk.ObjectAllocationOutsideTLAB#enabled=true"
        for e in FileRead FileWrite SocketRead SocketWrite JavaMonitorEnter JavaMonitorWait ThreadPark; do
            settings+=",jdk.$e#threshold=0ms"
        done
        java "-XX:StartFlightRecording=$settings,filename=$file" -Xlog:jfr+startup=warning \
            -XX:-UseContainerSupport -Xmx256m -cp "$work/classes" Warehouse 95 6 "$work/ledgers" 1
        rm -rf "$work/ledgers"
    fi
    [ "${KEEP:-0}" = 1 ] || trap 'rm -f "$work/big.jfr"' EXIT
fi
(cd "$here" && cargo build --release --no-default-features --quiet)
bin="$here/target/release/firesight"
ls -l "$file"
jfr summary "$file" | sed -n '2,5p'
"$bin" info "$file" | grep -E '^(samples|events|chunks|warnings)' || true
hyperfine --warmup 1 --runs "${BENCH_RUNS:-7}" --export-json "$work/jfr_load.json" \
    "jfr summary $file" "$bin info $file"
# Medians, and their ratio (the shared machine's noise moves means more).
python3 - "$work/jfr_load.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
jfr, fs = (x["median"] for x in r)
print(f"median wall: jfr summary {jfr:.3f} s, firesight info {fs:.3f} s; jfr summary / firesight = {jfr / fs:.2f}")
EOF
for cmd in "jfr summary $file" "$bin info $file"; do
    rss=$(/usr/bin/time -f '%M' $cmd 2>&1 >/dev/null | tail -1)
    echo "peak RSS ${cmd%% *}: $((rss / 1024)) MiB"
done
