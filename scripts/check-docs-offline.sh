#!/bin/bash
# Manual check that the /docs pages render with no network: runs a Gridlink server and
# headless Chromium together in a network namespace that has only loopback, then writes a
# screenshot and the rendered DOM of /docs and /docs/<api> to OUT (default /tmp/gridlink-docs).
# Needs root (unshare -n), chromium on PATH, and `npm run db:generate` done once.
#   bash scripts/check-docs-offline.sh [api]
set -euo pipefail
if [ "${1:-}" != "--inside" ]; then
  exec unshare -n bash "$0" --inside "${1:-troubleTicket}"
fi
API=$2
OUT=${OUT:-/tmp/gridlink-docs}
PORT=${PORT:-18480}
mkdir -p "$OUT"
ip link set lo up
cd "$(dirname "$0")/.."
GRIDLINK_DATA_DIR="$OUT/data" GRIDLINK_EMBEDDED_PG_PORT=${PG_PORT:-55480} PORT=$PORT LOG_LEVEL=warn ./node_modules/.bin/tsx src/main.ts >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 90); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 1; done
for page in index "$API"; do
  url="http://127.0.0.1:$PORT/docs/$API"
  [ "$page" = index ] && url="http://127.0.0.1:$PORT/docs"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1000 \
    --virtual-time-budget=15000 --enable-logging=stderr --v=0 --screenshot="$OUT/$page.png" "$url" 2>"$OUT/$page.chromium.log" || true
  chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=15000 --dump-dom "$url" >"$OUT/$page.html" 2>/dev/null || true
  echo "$page: $(wc -c <"$OUT/$page.html") bytes of DOM; console: $(grep -c 'CONSOLE' "$OUT/$page.chromium.log" || true) messages"
  grep 'CONSOLE' "$OUT/$page.chromium.log" | sed 's/^.*CONSOLE[^"]*//' || true
done
