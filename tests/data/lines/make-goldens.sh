#!/bin/sh
# Goldens for tests/it/source_lines.rs: `go tool pprof -list` on the go-shop
# profiles (sample-profiles/go-shop), values as plain integers (-unit=ns / -unit=B).
# Made with Debian's golang 1.19.8:  sh tests/data/lines/make-goldens.sh
set -e
cd "$(dirname "$0")/../../../sample-profiles/go-shop"
out=../../tests/data/lines
go tool pprof -unit=ns -list 'main\.' cpu.pb.gz > $out/cpu-main.txt
go tool pprof -unit=ns -list 'runtime\.lockWithRank|runtime\.lock$|sort\.' cpu.pb.gz > $out/cpu-inline.txt
go tool pprof -sample_index=samples -list 'main\.|sort\.' cpu.pb.gz > $out/cpu-samples.txt
go tool pprof -sample_index=inuse_space -unit=B -list 'main\.' heap.pb.gz > $out/heap-inuse.txt
go tool pprof -sample_index=alloc_objects -list 'main\.|encoding' heap.pb.gz > $out/heap-alloc-objects.txt
go tool pprof -sample_index=delay -unit=ns -list 'main\.|sync' mutex.pb.gz > $out/mutex-delay.txt
