#!/bin/sh
# Writes the `go tool pprof -top -functions` golden files the pprof tests
# compare against, one per profile and sample index. Needs Go (Debian's
# golang package, go1.19); the tests themselves do not.
#
#   sh tests/data/pprof/golden/make.sh
#
# Values are printed unscaled (-unit=ns for time, -unit=B for bytes) so they
# are exact; -nodefraction=0 keeps every function; -symbolize=none keeps the
# output independent of binaries on this machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
for f in *.pb.gz ../../../sample-profiles/go-shop/*.pb.gz; do
  base=$(basename "$f" .pb.gz)
  case "$f" in ../*) base="go-shop-$base" ;; esac
  # The sample types, from the header line after "Samples:" in -raw output.
  types=$(go tool pprof -raw -symbolize=none "$f" 2>/dev/null | sed -n '/^Samples:/{n;p;q}')
  i=0
  for t in $types; do
    case "$t" in
      */nanoseconds*) unit="-unit=ns" ;;
      */bytes*) unit="-unit=B" ;;
      *) unit="" ;;
    esac
    out="$here/$base.$i.txt"
    cmd="go tool pprof -top -functions -symbolize=none -nodefraction=0 -sample_index=$i $unit $f"
    { echo "# $(go version)"; echo "# $cmd"; $cmd 2>/dev/null; } > "$out"
    i=$((i + 1))
  done
done
