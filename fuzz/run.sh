#!/usr/bin/env bash
# Fuzz campaign: runs every target for a time or a number of executions and
# prints executions, coverage (libFuzzer's cov/ft) and crashes per target.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [MAX_RUNS_PER_TARGET] [TARGET...]
#
# Defaults: 600 s and 10 000 000 executions per target, whichever comes
# first; every target. Needs `cargo install cargo-fuzz`; runs on the stable
# toolchain without a sanitizer (-s none). Corpora start from tests/data
# (seed/ below) and grow in fuzz/corpus/TARGET; crashes land in
# fuzz/artifacts/TARGET and make the script exit 1. FUZZ_TIMEOUT (seconds,
# default 20) is how long one input may run before it counts as a hang;
# raise it when the fuzzer may be paused (SIGSTOP) on a shared machine,
# since libFuzzer's alarm counts the pause against the input in hand.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
runs=${2:-10000000}
shift 2 2>/dev/null || shift $#
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
./seed.sh >/dev/null
cargo fuzz build -s none -O >/dev/null
printf '%-12s %12s %8s %8s %8s %s\n' target execs exec/s cov ft crashes
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  dict=()
  [ -f "dict/$t.dict" ] && dict=(-dict="dict/$t.dict")
  log="artifacts/$t/last-run.log"
  cargo fuzz run -s none -O "$t" "corpus/$t" "seed/$t" -- \
    -max_total_time="$secs" -runs="$runs" -max_len=1048576 -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-20}" \
    -print_final_stats=1 "${dict[@]}" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
  crashes=$(find "artifacts/$t" -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' | wc -l)
  printf '%-12s %12s %8s %8s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then status=1; fi
done
exit $status
