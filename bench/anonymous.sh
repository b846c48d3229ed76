#!/usr/bin/env bash
# Every route a visitor reaches without signing in, under `wrk -t2 -c32`, side by side in one run with a
# published notice's page (issue 15, item 10: none below 3,000 requests/s on a 2-core machine).
# Rounds are interleaved (route A, B, C, … then again), so a noisy neighbour hits every route alike.
# Needs wrk (Debian's package; installed when missing) and python3. Results go to bench/out/anonymous/.
#   ROUNDS=3 SECONDS_EACH=5 bash bench/anonymous.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/anonymous
mkdir -p "$OUT"
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-5}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
BIN=target/release/jiugai
# Every database here starts from the synthetic Renshou data set, as a first start loaded it before it was a choice.
export JIUGAI_DEMO_DATA=true
DB="$OUT/anonymous.db"
URL="sqlite://$DB?mode=rwc"
PORT=18185
rm -f "$DB"* "$OUT"/*.txt

echo "== machine"
{ uname -srm; nproc; grep -m1 'model name' /proc/cpuinfo; } | tee "$OUT/machine.txt"

# The first start loads the demo data, published notices included.
echo "timing runs only 2026" | DATABASE_URL="$URL" RUST_LOG=warn "$BIN" user create --username bench \
  --role planner --password-stdin >/dev/null
TOKEN=$(DATABASE_URL="$URL" RUST_LOG=warn "$BIN" token create --username bench --name bench)
DATABASE_URL="$URL" JIUGAI_ADDR="127.0.0.1:$PORT" RUST_LOG=warn "$BIN" serve >"$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
NOTICE=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/notices?status=published&kind=plan" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
TOWN=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/notices/$NOTICE" \
  | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["sites"][0]["town"]))')

# name|path — the notice page first: it is the reference the others are read against.
ROUTES=(
  "notice page|/notices/$NOTICE"
  "notice list|/notices"
  "notice list, page 2|/notices?page=2"
  "notice list, one town|/notices?town=$TOWN"
  "notice list, a search|/notices?q=%E5%B0%8F%E5%8C%BA"
  "notice PDF|/notices/$NOTICE.pdf"
  "sign-in page|/sign-in"
  "sign-in link (unknown)|/sign-in/link/0123456789abcdef0123456789abcdef"
  "health check|/healthz"
  "stylesheet|/static/app.css"
  "API description|/openapi.yaml"
)

for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round"
  for i in "${!ROUTES[@]}"; do
    path=${ROUTES[$i]#*|}
    curl -s -o /dev/null "http://127.0.0.1:$PORT$path" # warm the caches
    wrk -t2 -c32 -d"${SECONDS_EACH}s" --latency "http://127.0.0.1:$PORT$path" >"$OUT/route-$i-$round.txt"
    printf '%-28s %s\n' "${ROUTES[$i]%%|*}" "$(grep -E 'Requests/sec' "$OUT/route-$i-$round.txt")"
  done
done

echo "== summary (requests/s: median, range; p50 latency of the median run; bytes per answer)"
for i in "${!ROUTES[@]}"; do
  path=${ROUTES[$i]#*|}
  bytes=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$PORT$path")
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
  python3 - "$OUT" "$i" "$ROUNDS" "${ROUTES[$i]%%|*}" "$path" "$bytes" "$status" <<'EOF'
import re, statistics, sys
out, i, rounds, name, path, size, status = sys.argv[1:]
runs = []
for r in range(1, int(rounds) + 1):
    text = open(f"{out}/route-{i}-{r}.txt").read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = re.search(r"50%\s+(\S+)", text).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    runs.append((rate, p50, errors.group(1) if errors else "0"))
runs.sort()
median = runs[len(runs) // 2]
print(f"| {name} | `{path.replace('|', '%7C')}` | {status} | **{median[0]:,.0f}** | "
      f"{runs[0][0]:,.0f}–{runs[-1][0]:,.0f} | {median[1]} | {int(size):,} B |")
EOF
done | tee "$OUT/summary.md"
