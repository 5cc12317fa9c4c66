#!/usr/bin/env bash
# One command from a clean checkout: install, index the sample corpus, start the API and the UI.
#   scripts/quickstart.sh            API on 127.0.0.1:8000 (docs at /docs), UI on 127.0.0.1:8501
#   scripts/quickstart.sh --no-ui    install + ingest + a sample search, then exit
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
. .venv/bin/activate

echo "== ingesting corpus/ (unchanged files are skipped on later runs)"
ccassist ingest corpus/

if [ "${1:-}" = "--no-ui" ]; then
  ccassist search "Bewerbungsfrist naturbasierte Lösungen" --k 3
  exit 0
fi

API_PORT=${CCASSIST_PORT:-8000}
UI_PORT=${CCASSIST_UI_PORT:-8501}
export CCASSIST_API_URL="http://127.0.0.1:${API_PORT}"

ccassist serve --port "$API_PORT" &
API_PID=$!
trap 'kill $API_PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -fsS "$CCASSIST_API_URL/health" >/dev/null 2>&1 && break
  kill -0 $API_PID 2>/dev/null || { echo "the API did not start" >&2; exit 1; }
  sleep 1
done
echo "== API: $CCASSIST_API_URL/docs   UI: http://127.0.0.1:${UI_PORT}   (Ctrl-C stops both)"
ccassist ui --port "$UI_PORT"
