#!/usr/bin/env bash
# /healthz of a release build against the peers of ../shared/bench (nginx and Hummingbird
# /plaintext), in one run, at 64 and 256 connections. Env: ROUNDS (3), DURATION (10s),
# BENCH_DIR (../shared/bench), ACCESS_LOG (1: request log lines on, written to a file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh wrk nginx-light curl
export PATH="$PATH:/opt/swift/usr/bin"
swift build -c release --product tollgate >&2
bench=$(cd "${BENCH_DIR:-../shared/bench}" && pwd)
work=$(mktemp -d); chmod 755 "$work"
TOLLGATE_DATA_DIR="$work/pg" TOLLGATE_PORT=8080 TOLLGATE_RATE_LIMIT_PER_SECOND=0 \
  TOLLGATE_ACCESS_LOG="${ACCESS_LOG:-1}" .build/release/tollgate serve >"$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null http://127.0.0.1:8080/readyz 2>/dev/null && break; sleep 0.2; done
curl -fsS http://127.0.0.1:8080/readyz >/dev/null
echo "# tollgate $(git rev-parse --short HEAD 2>/dev/null), access log ${ACCESS_LOG:-1}"
MINE=http://127.0.0.1:8080 MINE_PATH=/healthz PATHS=/plaintext ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-10s}" \
  "$bench/run-peers.sh"
