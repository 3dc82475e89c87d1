#!/usr/bin/env bash
# Seed corpora from the repository's real test files (tests/data, the
# sample profiles), by format, into fuzz/seed/TARGET. Files over 1 MiB are
# left out (libFuzzer's -max_len).
set -euo pipefail
cd "$(dirname "$0")"
root=..
rm -rf seed && mkdir -p seed
add() { # target, files...
  local t=$1; shift
  mkdir -p "seed/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    [ "$(stat -c %s "$f")" -le 1048576 ] || continue
    cp "$f" "seed/$t/$(echo "$f" | tr '/' '_')"
  done
}
shopt -s nullglob globstar
add perf_script $root/tests/data/perf/**/*.txt $root/tests/data/perf/**/*.perf* $root/sample-profiles/*.perf.txt
add folded $root/tests/data/folded/**/*
add pprof $root/tests/data/pprof/**/*.pb* $root/sample-profiles/go-shop/*.pb.gz
add otlp_json $root/tests/data/otlp/**/*.json*
add otlp_proto $root/tests/data/otlp/**/*.pb* $root/tests/data/otlp/**/*.bin
add jaeger $root/tests/data/jaeger/**/*.json*
add perf_data $root/tests/data/perf_data/**/*.data
add jfr $root/tests/data/jfr/**/*.jfr
add strace $root/tests/data/strace/**/* $root/tests/data/syscalls/**/* $root/tests/data/unsupported/*strace*
add speedscope $root/tests/data/speedscope/**/*
add cpuprofile $root/tests/data/cpuprofile/**/*
add chrome_trace $root/tests/data/chrome-trace/**/*
add callgrind $root/tests/data/valgrind/**/callgrind*
add massif $root/tests/data/valgrind/**/massif*
add load_any $root/tests/data/**/*
add gzip $root/tests/data/folded/**/* $root/tests/data/perf/**/*.txt
mkdir -p seed/gate seed/transform seed/tag
printf 'total>+5%%' > seed/gate/total
printf 'fn:main.serializeJSON>+10%%' > seed/gate/fn
printf 'self:sort_records>+2ms' > seed/gate/self
printf 'p99>+10%%' > seed/gate/p99
printf 'service:order-service>+20ms' > seed/gate/service
printf 'focus-function:main\nmerge:run\ncollapse-recursion\nfocus-subtree:main;run\n' > seed/transform/a
printf 'hide:^lib\\.\nshow:.*\ndrop:gc\ncollapse-module:lib.so\n' > seed/transform/b
printf 'endpoint=/orders' > seed/tag/a
printf 'bytes=1024 bytes' > seed/tag/b
