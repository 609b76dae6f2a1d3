#!/usr/bin/env bash
# /healthz of a release build against the peers of ../shared/bench (nginx and Hummingbird
# /plaintext), in one run, at 64 and 256 connections. Env: ROUNDS (3), DURATION (10s),
# BENCH_DIR (../shared/bench), ACCESS_LOG (1: request log lines on, written to a file).
source "$(dirname "$0")/bench-lib.sh"
bench_prepare wrk nginx-light curl
bench_serve TOLLGATE_ACCESS_LOG="${ACCESS_LOG:-1}"  # on its embedded PostgreSQL
echo "# tollgate $(git rev-parse --short HEAD 2>/dev/null), access log ${ACCESS_LOG:-1}"
MINE=http://127.0.0.1:8080 MINE_PATH=/healthz PATHS=/plaintext ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-10s}" \
  "$bench/run-peers.sh"
