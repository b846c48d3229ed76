#!/usr/bin/env bash
# Typst 0.15 on the benchmark's notice, on one core, for the comparison in docs/PERFORMANCE.md.
# Needs `typst` (cargo install typst-cli --locked; or TYPST=/path/to/typst). Prints the median of
# RUNS single-notice compiles (process start and font loading included, as a user would run it)
# and one 410-notice run divided by 410; our side is `taskset -c 0 cargo bench -p jiugai-document`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fonts="$here/../../document/fonts"
typst=${TYPST:-typst}
runs=${RUNS:-21}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
compile() { taskset -c 0 "$typst" compile --ignore-system-fonts --font-path "$fonts" "$@"; }

compile "$here/notice.typ" "$out/one.pdf" # warm the file cache
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  compile "$here/notice.typ" "$out/one.pdf"
  times+=($(( ($(date +%s%N) - start) / 1000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
echo "typst, one notice per run:  median $(( median / 1000 )).$(( median % 1000 / 100 )) ms, $(stat -c %s "$out/one.pdf") bytes, $(pdfinfo "$out/one.pdf" 2>/dev/null | awk '/Pages/ {print $2}') page(s)"

start=$(date +%s%N)
compile --input count=410 "$here/notice.typ" "$out/many.pdf"
total=$(( ($(date +%s%N) - start) / 1000 ))
echo "typst, 410 notices in one run: $(( total / 1000 )) ms in all, $(( total / 410 )) µs per notice, $(stat -c %s "$out/many.pdf") bytes ($(( $(stat -c %s "$out/many.pdf") / 410 )) per notice), $(pdfinfo "$out/many.pdf" 2>/dev/null | awk '/Pages/ {print $2}') pages"
