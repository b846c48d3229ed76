#!/usr/bin/env bash
# Benchmarks of the compound catalog (issue 3), on loopback only, authenticated as a planner (issue 4):
#   1. list endpoint throughput (wrk) on the Renshou data set;
#   2. GeoJSON export time (hyperfine) for 410 and for 220,000 compounds, with the server's peak memory.
# Results go to bench/out/; copy the medians into docs/PERFORMANCE.md. Needs wrk and hyperfine
# (Debian packages); installs them when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null && command -v hyperfine >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk hyperfine >/dev/null
}
cargo build --release --quiet
BIN=target/release/jiugai
# Every database here starts from the synthetic Renshou data set, as a first start loaded it before it was a choice.
export JIUGAI_DEMO_DATA=true
NATIONAL=${NATIONAL:-220000}

serve() { # serve DB_FILE PORT → pid
  DATABASE_URL="sqlite://$1?mode=rwc" JIUGAI_ADDR="127.0.0.1:$2" RUST_LOG=warn "$BIN" serve >"$OUT/serve-$2.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && break; sleep 0.5; done
  echo "$pid"
}
peak_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
token() { # token DB_FILE → an API token of a planner account made for the bench
  local url="sqlite://$1?mode=rwc"
  echo "timing runs only 2026" | DATABASE_URL="$url" RUST_LOG=warn "$BIN" user create --username bench \
    --role planner --password-stdin >/dev/null 2>&1 || true
  DATABASE_URL="$url" RUST_LOG=warn "$BIN" token create --username bench --name bench
}

echo "== machine"
{ uname -srm; nproc; grep -m1 'model name' /proc/cpuinfo; free -g | awk '/Mem/ {print $2 " GiB"}'; } | tee "$OUT/machine.txt"

echo "== Renshou (410 compounds)"
rm -f "$OUT/renshou.db"* "$OUT/list-wrk.txt"
TOKEN=$(token "$OUT/renshou.db")
AUTH="Authorization: Bearer $TOKEN"
PID=$(serve "$OUT/renshou.db" 18181)
for path in "/api/compounds" "/api/compounds?category=improvement&sort=-households&per_page=20&page=2"; do
  wrk -t2 -c32 -d15s --latency -H "$AUTH" "http://127.0.0.1:18181$path" | tee -a "$OUT/list-wrk.txt"
done
hyperfine --warmup 3 --runs 30 --export-json "$OUT/export-410.json" \
  "curl -sf -o /dev/null -H '$AUTH' http://127.0.0.1:18181/api/compounds.geojson"
kill "$PID"; wait "$PID" 2>/dev/null || true

echo "== national scale ($NATIONAL compounds)"
if [ ! -f "$OUT/national.db" ]; then
  "$BIN" fixtures generate --count "$NATIONAL" --seed 7 --out "$OUT/national.geojson"
  /usr/bin/time -v env DATABASE_URL="sqlite://$OUT/national.db?mode=rwc" RUST_LOG=warn \
    "$BIN" import compounds "$OUT/national.geojson" 2>"$OUT/import-national.time"
  grep -E "Elapsed|Maximum resident" "$OUT/import-national.time"
fi
TOKEN=$(token "$OUT/national.db")
AUTH="Authorization: Bearer $TOKEN"
PID=$(serve "$OUT/national.db" 18182)
echo "server peak RSS before export: $(peak_kib "$PID") KiB" | tee "$OUT/export-national-memory.txt"
# The service's time: the body goes to /dev/null. Writing 295 MB to this machine's disk costs the client
# about a second more, on the same two cores; that run is kept beside it for comparison.
hyperfine --warmup 1 --runs 7 --export-json "$OUT/export-national.json" \
  "curl -sf -o /dev/null -H '$AUTH' http://127.0.0.1:18182/api/compounds.geojson" \
  "curl -sf -o $OUT/national-export.geojson -H '$AUTH' http://127.0.0.1:18182/api/compounds.geojson"
echo "server peak RSS after export: $(peak_kib "$PID") KiB" | tee -a "$OUT/export-national-memory.txt"
echo "export size: $(stat -c %s "$OUT/national-export.geojson") bytes" | tee -a "$OUT/export-national-memory.txt"
kill "$PID"; wait "$PID" 2>/dev/null || true
echo "results in $OUT/"
