#!/usr/bin/env bash
# Makes the perf.data test files: run as root on Linux with perf installed
# (Debian: apt-get install linux-perf). Recorded in /tmp/firesight-perfdata,
# so that is the binary's path inside the data. Nothing is edited by hand.
# Usage: bash tests/data/perf_data/record.sh   (from the repository root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=/tmp/firesight-perfdata
rm -rf "$work" && mkdir -p "$work" && cd "$work"
cp "$here/spin.c" .
gcc -O1 -fno-omit-frame-pointer -g -pthread -static -o spin spin.c
# The same program built once more (another build id), recorded, then deleted.
gcc -O1 -fno-omit-frame-pointer -g -pthread -static -DGONE -o spin-gone spin.c
# -N: no copy into perf's build-id cache (~/.debug), so a missing binary stays missing.
perf record -N -e cpu-clock -F 999 -g -o spin.perf.data -- ./spin 0.3
perf record -N -g -e cpu-clock/freq=999/ -e sched:sched_switch --switch-events -o spin-switch.perf.data -- ./spin 0.2
perf record -N -e cpu-clock -F 499 --call-graph dwarf,2048 -o spin-dwarf.perf.data -- ./spin 0.1
perf record -N -e cpu-clock -F 499 -g -o - -- ./spin 0.1 > spin.pipe.perf.data
perf record -N -e cpu-clock -F 499 -g -o spin-gone.perf.data -- ./spin-gone 0.1
rm spin-gone
# The kernel symbols the samples hit (each containing symbol and the next,
# plus _text), so the tests do not depend on the machine's kernel.
for f in spin spin-switch; do perf script -i $f.perf.data -F ip; done | python3 -c '
import sys, bisect
keep = set()
syms = []
for line in open("/proc/kallsyms"):
    p = line.split()
    if p[2] in ("_text", "_stext"): keep.add(line)
    if p[1].upper() in "TWDB": syms.append((int(p[0], 16), line))
syms.sort(key=lambda s: s[0])
starts = [s[0] for s in syms]
for w in sys.stdin.read().split():
    a = int(w, 16)
    if a < 1 << 63: continue
    i = bisect.bisect_right(starts, a) - 1
    for j in (i, i + 1):
        if 0 <= j < len(syms): keep.add(syms[j][1])
sys.stdout.write("".join(sorted(keep)))' > kallsyms.txt
# The oracles: perf script of the same files with the same kernel symbols.
for f in spin spin-switch; do
  perf script -i $f.perf.data --kallsyms kallsyms.txt --no-inline | gzip -9n > $f.perf.txt.gz
done
cp spin spin.perf.data spin-switch.perf.data spin-dwarf.perf.data spin.pipe.perf.data spin-gone.perf.data \
   kallsyms.txt spin.perf.txt.gz spin-switch.perf.txt.gz "$here/"
perf --version > "$here/VERSIONS.txt"; gcc --version | head -1 >> "$here/VERSIONS.txt"; uname -r >> "$here/VERSIONS.txt"
# JIT code: node writes /tmp/perf-PID.map (--perf-basic-prof); the map is
# kept beside the recording (perf-PID.map) and found there with --symbols.
rm -f /tmp/perf-*.map
perf record -N -g -e cpu-clock -F 499 -o node.perf.data -- node --perf-basic-prof -e \
  'function hot(n){let s=0;for(let i=0;i<n;i++)s+=Math.sqrt(i);return s} function outer(){return hot(200000)} let t=Date.now(); let x=0; while(Date.now()-t<300) x+=outer(); console.log(x)'
perf script -i node.perf.data --no-inline | gzip -9n > node.perf.txt.gz
cp node.perf.data node.perf.txt.gz /tmp/perf-*.map "$here/"
node --version >> "$here/VERSIONS.txt"
# zstd-compressed records (perf record -z), from tests/data/perf/fields/prog.c
# (gcc -O1 -g -fno-omit-frame-pointer -o prog prog.c); perf 6.1's perf inject
# copies the compressed records as they are (prog-zstd-injected keeps them).
perf record -z -F 999 -e cpu-clock -g -o prog-zstd.perf.data ./prog 300
perf inject -i prog-zstd.perf.data -o prog-zstd-injected.perf.data
cp prog-zstd.perf.data prog-zstd-injected.perf.data "$here/"
# zstd-compressed records across a window's worth of data (user space only,
# so no kernel symbols are needed), and the same after perf inject; the
# oracle is perf script of the compressed file.
perf record -z -N -e cpu-clock:u -F 4999 -g -o spin-zstd.perf.data -- ./spin 1
perf inject -i spin-zstd.perf.data -o spin-zstd-injected.perf.data
perf script -i spin-zstd.perf.data --no-inline | gzip -9n > spin-zstd.perf.txt.gz
cp spin-zstd.perf.data spin-zstd-injected.perf.data spin-zstd.perf.txt.gz "$here/"
# perf record --threads: a directory of the main file (data) and one record
# file per writer thread (data.0, data.1), each its own zstd stream.
perf record -z -N --threads -e cpu-clock:u -F 999 -g -o spin-threads.data -- ./spin 0.3
perf script -i spin-threads.data --no-inline | gzip -9n > spin-threads.perf.txt.gz
cp -r spin-threads.data spin-threads.perf.txt.gz "$here/"
