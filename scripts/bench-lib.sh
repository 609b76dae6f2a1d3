# The start-up every bench script shares; source it from scripts/bench-*.sh:
#
#   source "$(dirname "$0")/bench-lib.sh"
#   bench_prepare wrk curl          # deps, a release build, $bench (the peers' folder), $work (scratch)
#   bench_database                  # a pg-local.sh cluster: $DATABASE_URL
#   bench_serve TOLLGATE_X=1 ...    # tollgate on :8080 against it, with $key as bootstrap admin key
#
# Everything started is stopped, and $work removed, when the script exits (bench_on_exit adds
# more). Without bench_database the server runs its embedded PostgreSQL. Env: BENCH_DIR
# (../shared/bench), PGLOCAL_PORT (5433), POOL (8), WORKERS (16).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench_cleanup_steps=()
bench_cleanup() {
  local step
  for step in "${bench_cleanup_steps[@]}"; do eval "$step" || true; done
}
trap bench_cleanup EXIT

# Runs `$*` (a shell command) at exit, before the steps added earlier.
bench_on_exit() { bench_cleanup_steps=("$*" "${bench_cleanup_steps[@]}"); }

bench_prepare() {
  bash scripts/ensure-deps.sh "$@"
  export PATH="$PATH:/opt/swift/usr/bin"
  swift build -c release --product tollgate >&2
  bench=$(cd "${BENCH_DIR:-../shared/bench}" && pwd)
  work=$(mktemp -d)
  chmod 755 "$work"
  bench_on_exit 'rm -rf "$work"'
}

bench_database() {
  eval "$(PGLOCAL_PORT=${PGLOCAL_PORT:-5433} "$bench/pg-local.sh" start "$work/pg")"
  bench_on_exit '"$bench/pg-local.sh" stop "$work/pg" >/dev/null 2>&1'
}

# Starts the server with the bench defaults (rate limit off, pool and workers from POOL and
# WORKERS) plus the given NAME=VALUE settings, and waits until it is ready.
bench_serve() {
  key="bench-admin-key-$(date +%s)-0123456789"
  local database=(TOLLGATE_DATA_DIR="$work/data")  # without bench_database: the embedded default
  if [ -n "${DATABASE_URL:-}" ]; then database=(TOLLGATE_DATABASE_URL="$DATABASE_URL"); fi
  env "${database[@]}" TOLLGATE_PORT=8080 TOLLGATE_RATE_LIMIT_PER_SECOND=0 TOLLGATE_BOOTSTRAP_ADMIN_KEY="$key" \
    TOLLGATE_DB_POOL_SIZE="${POOL:-8}" TOLLGATE_WORKER_THREADS="${WORKERS:-16}" "$@" \
    .build/release/tollgate serve >"$work/server.log" 2>&1 &
  pid=$!
  bench_on_exit 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null'
  for _ in $(seq 100); do curl -fsS -o /dev/null http://127.0.0.1:8080/readyz 2>/dev/null && break; sleep 0.2; done
  curl -fsS -o /dev/null http://127.0.0.1:8080/readyz
}

# A wrk script that POSTs the JSON `$1` with the admin's key.
bench_post_script() {
  printf 'wrk.method = "POST"\nwrk.headers["Authorization"] = "Bearer %s"\n' "$key"
  printf 'wrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[%s]==]\n' "$1"
}

# The admin's API call, and one field of a JSON answer.
api() { curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
