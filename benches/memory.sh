#!/usr/bin/env bash
# Benchmark: peak memory (RSS, from /usr/bin/time -v) of `firesight info FILE`
# against the size of FILE, for the issue's targets:
#   folded      200 MB and 1 GB generated (benches/gen_folded.py)  <= 25% of the file
#   pprof       a generated 256 MB profile (benches/pprof_decode.rs), raw and gzipped
#               and a real Go profile's samples repeated to 256 MB
#   pprof bombs a real profile followed by 4 GB of zeros, or by 4 GB of
#               copies of its first sample, gzipped (benches/gen_pathological.py)
#   OTLP        a 1 000 000-span OTLP/JSON file (benches/gen_otlp.py)   < 3x the file
# and the pathological inputs of tests/it/pathological.rs (issue 17 item 3),
# each with its outcome (loaded, or the first line of its error).
#
# Usage: benches/memory.sh [WORKDIR]   (default /tmp/firesight-bench/memory)
# Env:   BENCH_NO_BUILD=1 (use target/release/firesight as it is),
#        BENCH_ONLY=folded|pprof|otlp|pathological (one group)
#
# The generated files are kept in WORKDIR for re-runs (about 3 GB); delete
# it when done. Builds firesight in release mode without the GUI feature.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/firesight-bench/memory}"
only="${BENCH_ONLY:-}"
mkdir -p "$work"
target="${CARGO_TARGET_DIR:-$here/target}"
if [ -z "${BENCH_NO_BUILD:-}" ]; then
    (cd "$here" && cargo build --release --no-default-features --quiet)
fi
firesight="$target/release/firesight"
[ -x /usr/bin/time ] || { apt-get update && apt-get install -y time; }

echo "machine: $(nproc) CPUs, $(uptime | sed 's/.*load average/load average/')"
printf '%-34s %12s %14s %11s %8s  %s\n' case "file MB" "content MB" "peak RSS MB" "RSS/in" outcome

# measure NAME FILE [CONTENT_BYTES]: one run of `firesight info FILE`.
measure() {
    local name="$1" file="$2" content="${3:-}"
    local size log rss outcome
    size=$(stat -c %s "$file")
    content="${content:-$size}"
    log="$work/time.log"
    if /usr/bin/time -v "$firesight" info "$file" >/dev/null 2>"$log"; then
        outcome="loaded"
    else
        outcome="refused: $(grep -m1 '^error' "$log" | cut -c1-110 || true)"
    fi
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
    python3 - "$name" "$size" "$content" "$rss" "$outcome" <<'PY'
import sys
name, size, content, rss, outcome = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rss_b = rss * 1024
print("%-34s %12.1f %14.1f %11.1f %7.0f%%  %s" % (name, size / 1e6, content / 1e6, rss_b / 1e6, 100 * rss_b / content, outcome))
PY
}

if [ -z "$only" ] || [ "$only" = folded ]; then
    for mb in 200 1000; do
        f="$work/folded-${mb}mb.folded"
        [ -s "$f" ] || python3 "$here/benches/gen_folded.py" "$f" --mb "$mb"
        measure "folded ${mb} MB" "$f"
    done
fi

if [ -z "$only" ] || [ "$only" = pprof ]; then
    f="$work/pprof-256mb.pb"
    if [ ! -s "$f" ]; then
        bin=$(cd "$here" && cargo bench --no-default-features --bench pprof_decode --no-run --message-format=json \
            | sed -n 's/.*"executable":"\([^"]*pprof_decode[^"]*\)".*/\1/p' | tail -1)
        BENCH_MB=256 BENCH_FILE="$f" BENCH_GENERATE_ONLY=1 "$bin"
    fi
    [ -s "$f.gz" ] || gzip -k -6 "$f"
    measure "pprof 256 MB" "$f"
    measure "pprof 256 MB, gzipped" "$f.gz" "$(stat -c %s "$f")"
fi

if [ -z "$only" ] || [ "$only" = pathological ] || [ "$only" = pprof ]; then
    p="$work/pathological"
    [ -s "$p/bomb-samples.pb.gz" ] || python3 "$here/benches/gen_pathological.py" "$p" --bomb-gb 4
    [ -s "$p/samples-256mb.pb" ] || python3 "$here/benches/gen_pathological.py" "$p" --bomb-gb 4
    measure "pprof, 8.8 M real samples" "$p/samples-256mb.pb"
    measure "pprof bomb: zeros after a profile" "$p/bomb-zeros.pb.gz" 4000000000
    measure "pprof bomb: 4 GB of valid samples" "$p/bomb-samples.pb.gz" 4000000000
fi

if [ -z "$only" ] || [ "$only" = otlp ]; then
    f="$work/otlp-1m.json"
    [ -s "$f" ] || python3 "$here/benches/gen_otlp.py" "$here/tests/data/otlp/traces.otlp.json" "$f" --spans 1000000
    measure "OTLP/JSON 1 000 000 spans" "$f"
fi

if [ -z "$only" ] || [ "$only" = pathological ]; then
    p="$work/pathological"
    [ -s "$p/deep.pb" ] || python3 "$here/benches/gen_pathological.py" "$p" --bomb-gb 4
    measure "folded stack 100 000 deep" "$p/deep.folded"
    measure "perf script sample 100 000 deep" "$p/deep.perf"
    measure "pprof sample 100 000 deep" "$p/deep.pb"
    measure "OTLP parent chain 100 000 spans" "$p/deep-chain.json"
    measure "folded line of 10 MB" "$p/long-line.folded"
    measure "perf symbol of 1 MB" "$p/long-symbol.perf"
    measure "counts at 2^63 and 2^64" "$p/counts.folded"
    if [ -e /dev/zero ]; then
        log="$work/time.log"
        /usr/bin/time -v "$firesight" info /dev/zero >/dev/null 2>"$log" || true
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
        printf '%-34s %12s %14s %11.1f %8s  %s\n' "/dev/zero" "-" "-" "$(python3 -c "print($rss / 1000)")" "-" \
            "refused: $(grep -m1 '^error' "$log" | cut -c1-110 || true)"
    fi
fi
