#!/usr/bin/env bash
# Benchmarks of the residents' notice pages (issue 7), on loopback:
#   1. a published notice's page under wrk (target ≥ 3,000 req/s on a 2-core machine);
#   2. a burst of 200 residents posting objections at once, with nothing lost and nothing stored twice.
# Needs wrk (Debian's package; installed when missing) and python3. Results go to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
BIN=target/release/jiugai
# Every database here starts from the synthetic Renshou data set, as a first start loaded it before it was a choice.
export JIUGAI_DEMO_DATA=true
DB="$OUT/notices.db"
URL="sqlite://$DB?mode=rwc"
PORT=18183
rm -f "$DB"*

echo "== machine"
{ uname -srm; nproc; grep -m1 'model name' /proc/cpuinfo; } | tee "$OUT/machine.txt"

# First start loads the demo data, notices included; the bench's planner account reads the inbox.
echo "timing runs only 2026" | DATABASE_URL="$URL" RUST_LOG=warn "$BIN" user create --username bench \
  --role planner --password-stdin >/dev/null
TOKEN=$(DATABASE_URL="$URL" RUST_LOG=warn "$BIN" token create --username bench --name bench)
DATABASE_URL="$URL" JIUGAI_ADDR="127.0.0.1:$PORT" JIUGAI_TRUST_FORWARDED_FOR=true RUST_LOG=warn \
  "$BIN" serve >"$OUT/serve-notices.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
NOTICE=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/notices?status=published&kind=plan" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
echo "notice $NOTICE (open)"

echo "== notice page, wrk"
for run in 1 2 3; do
  wrk -t2 -c32 -d10s --latency "http://127.0.0.1:$PORT/notices/$NOTICE" | tee "$OUT/notice-wrk-$run.txt" \
    | grep -E "Requests/sec|50%|99%"
done

echo "== 200 residents at once"
python3 bench/objection_burst.py "http://127.0.0.1:$PORT" "$NOTICE" "$TOKEN" 200 | tee "$OUT/objection-burst.txt"
