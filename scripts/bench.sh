#!/usr/bin/env bash
# `make bench`: runs every benchmark executable under <build>/bench and prints their reports.
# Results worth keeping go into docs/performance.md (with the command that produced them).
set -euo pipefail
build=${1:-build}
shopt -s nullglob
ran=0
for b in "$build"/bench/*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" ${BENCH_ARGS:-}
  ran=$((ran + 1))
done
[ $ran -gt 0 ] || { echo "bench: no benchmarks built in $build/bench" >&2; exit 1; }
