#!/usr/bin/env bash
# Benchmark: `firesight diff A B` on two big generated perf scripts against
# loading the two files alone (`firesight info A` then `firesight info B`:
# read, parse, build the model, print a summary). Target: the diff costs at
# most the two loads plus 10% (ratio <= 1.10).
#
# Usage: benches/diff_perf.sh [WORKDIR]   (default /tmp/firesight-bench)
# Env:   BENCH_MB (200, per file), BENCH_STACKS (50000), BENCH_RUNS (5)
#
# The two files come from benches/gen_perf.py with seeds 1 and 2 (same
# shape, different stacks and weights, as a before and an after). Runs
# alternate between the two commands so a noisy shared machine slows both
# alike; medians of wall time and of CPU time (user + system of the
# children) are printed, and the peak memory of each. Builds firesight in
# release mode without the GUI feature. Nothing but python3 is needed.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/firesight-bench}"
mb="${BENCH_MB:-200}"
stacks="${BENCH_STACKS:-50000}"
runs="${BENCH_RUNS:-5}"
mkdir -p "$work"
before="$work/perf-${mb}mb-${stacks}-seed1.txt"
after="$work/perf-${mb}mb-${stacks}-seed2.txt"

(cd "$here" && cargo build --release --no-default-features --quiet)
target="${CARGO_TARGET_DIR:-$here/target}"
firesight="$target/release/firesight"

for f in "$before" "$after"; do
    if [ ! -s "$f" ]; then
        seed=$([ "$f" = "$before" ] && echo 1 || echo 2)
        python3 "$here/benches/gen_perf.py" "$f" --mb "$mb" --stacks "$stacks" --seed "$seed"
    fi
done
echo "inputs: $before ($(($(stat -c %s "$before") / 1000000)) MB), $after ($(($(stat -c %s "$after") / 1000000)) MB), $(nproc) CPUs"
"$firesight" diff "$before" "$after" --limit 3

python3 - "$firesight" "$before" "$after" "$runs" <<'PY'
import os, resource, statistics, subprocess, sys, time

firesight, before, after, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
commands = {
    "diff A B": [[firesight, "diff", before, after]],
    "info A; info B (the two loads)": [[firesight, "info", before], [firesight, "info", after]],
}

def run(cmds):
    """Wall seconds, CPU seconds and peak RSS (MiB, the largest of the commands)."""
    peak = 0
    wall = cpu = 0.0
    for cmd in cmds:
        t0 = time.perf_counter()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        pid = subprocess.Popen(cmd, stdout=subprocess.DEVNULL).pid
        _, status, usage = os.wait4(pid, 0)
        if status != 0:
            sys.exit(f"{cmd} failed: {status}")
        wall += time.perf_counter() - t0
        cpu += usage.ru_utime + usage.ru_stime
        peak = max(peak, usage.ru_maxrss // 1024)
    return wall, cpu, peak

for cmds in commands.values():  # warm the page cache
    run(cmds)
results = {name: [] for name in commands}
for _ in range(runs):
    for name, cmds in commands.items():
        results[name].append(run(cmds))
med = {}
for name, rs in results.items():
    wall = statistics.median(r[0] for r in rs)
    cpu = statistics.median(r[1] for r in rs)
    peak = max(r[2] for r in rs)
    med[name] = (wall, cpu)
    print(f"{name:32} wall {wall:7.3f} s   cpu {cpu:7.3f} s   peak RSS {peak} MiB   ({runs} runs)")
(dw, dc), (lw, lc) = med["diff A B"], med["info A; info B (the two loads)"]
print(f"ratio diff / two loads: wall {dw / lw:.3f}, cpu {dc / lc:.3f} (target <= 1.10)")
PY
