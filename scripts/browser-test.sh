#!/usr/bin/env bash
# The dashboard in headless Chromium (Debian's chromium): starts the built server on its own
# embedded PostgreSQL, runs scripts/browser/dashboard_test.py against it, stops everything.
# The screenshot is left in .build/test-artifacts/dashboard.png. Run after `swift build`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh chromium
work=$(mktemp -d)
port=${BROWSER_TEST_PORT:-18089}
key="browser-test-admin-key-$(date +%s)-0123456789"
TOLLGATE_DATA_DIR="$work/data" TOLLGATE_PORT=$port TOLLGATE_BOOTSTRAP_ADMIN_KEY="$key" TOLLGATE_ACCESS_LOG=0 \
  TOLLGATE_RATE_LIMIT_PER_SECOND=0 .build/debug/tollgate serve >"$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break; sleep 0.2; done
python3 scripts/browser/dashboard_test.py "http://127.0.0.1:$port" "$key" .build/test-artifacts/dashboard.png
