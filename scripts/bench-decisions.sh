#!/usr/bin/env bash
# Posting gate decisions, each one the approval that completes its review (the review turns
# approved, the use case moves to pilot and its funding grows, with the decision's audit entries and
# five events, in one transaction), against pgbench TPC-B on the same cluster, at 16 and 64
# connections. Every request approves a different fresh review, so none is refused.
# Env: DURATION (10s), CONNS ("16 64"), REVIEWS per level (8000), POOL (8), WORKERS (16), BENCH_DIR (../shared/bench),
# PERF_OUT (a file: `perf record -g` of the server during each level's run, suffixed with the level).
source "$(dirname "$0")/bench-lib.sh"
duration=${DURATION:-10s} reviews=${REVIEWS:-8000}
bench_prepare wrk curl
bench_database
bench_serve
pgbench -i -s 10 -q "$DATABASE_URL" >/dev/null 2>&1

# Set-up over keep-alive connections: a pod and its member, a finance approver, and for each
# level REVIEWS use cases with a pending pilot review (finance 1 is all the pilot gate needs).
setup() {  # $1: the file to write review ids to; prints the approver's key
  python3 - "$key" "$reviews" "$1" <<'PY'
import http.client, json, sys, threading
admin, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def client():
    return http.client.HTTPConnection("127.0.0.1", 8080, timeout=30)
def call(conn, method, path, key, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    response = conn.getresponse()
    data = json.loads(response.read() or b"{}")
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data}")
    return data
c = client()
import os
state_file = os.path.join(os.path.dirname(out), "state.json")
try:
    state = json.load(open(state_file))
except FileNotFoundError:
    pod = call(c, "POST", "/v1/pods", admin, {"name": "Bench pod", "business_unit": "Bench"})["id"]
    member = call(c, "POST", "/v1/principals", admin, {"name": "Pod member", "functions": ["engineering"]})["id"]
    call(c, "PUT", f"/v1/pods/{pod}/members/{member}", admin, {"role": "member"})
    member_key = call(c, "POST", f"/v1/principals/{member}/keys", admin, {"name": "bench"})["key"]
    approver = call(c, "POST", "/v1/principals", admin, {"name": "Approver", "functions": ["finance"]})["id"]
    approver_key = call(c, "POST", f"/v1/principals/{approver}/keys", admin, {"name": "bench"})["key"]
    state = {"pod": pod, "member_key": member_key, "approver_key": approver_key}
    json.dump(state, open(state_file, "w"))
body = {"title": "Bench use case", "pod_id": state["pod"], "risk_tier": "limited", "data_classification": "internal",
        "deployment": "cloud", "model_sourcing": "proprietary",
        "estimates": {"one_time_cost_cents": 5000000, "expected_annual_benefit_cents": 12000000, "monthly_tokens": 200000000,
                      "price_per_million_tokens_cents": 250, "monthly_infra_cost_cents": 100000}}
ids, lock = [], threading.Lock()
def work(n):
    conn = client()
    for _ in range(n):
        uc = call(conn, "POST", "/v1/use-cases", state["member_key"], body)["id"]
        review = call(conn, "POST", f"/v1/use-cases/{uc}/gate-reviews", state["member_key"],
                      {"target_stage": "pilot", "requested_funding_cents": 100000, "justification": "bench"})
        assert review["status"] == "pending", review
        with lock:
            ids.append(review["id"])
threads = [threading.Thread(target=work, args=(count // 8,)) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
open(out, "w").write("\n".join(ids) + "\n")
print(state["approver_key"])
PY
}

# Each wrk thread approves its own share of the reviews (they stride over the list by index).
cat >"$work/decide.lua" <<LUA
local counter = 0
function setup(thread) thread:set("index", counter); counter = counter + 1 end
function init(args)
  ids = {}
  for line in io.lines(args[1]) do table.insert(ids, line) end
  position = index + 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"function": "finance", "decision": "approve", "comment": "bench"}'
end
function request()
  local id = ids[position]
  position = position + 2  -- two wrk threads
  if id == nil then id = "gr_00000000000000000000000000" end  -- ran out: a 404, counted as non-2xx
  return wrk.format(nil, "/v1/gate-reviews/" .. id .. "/decisions")
end
LUA

row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }
pgrun() { pgbench -M prepared -c "$1" -j 2 -T "${duration%s}" "$DATABASE_URL" 2>/dev/null | awk '/^tps/ {print $3; exit}'; }
echo "# $(date -u +%FT%TZ) tollgate $(git rev-parse --short HEAD) duration=$duration pool=${POOL:-8} workers=${WORKERS:-16} reviews/level=$reviews"
echo "| conns | POST /v1/gate-reviews/{id}/decisions req/s (p50, p99, non-2xx) | pgbench TPC-B tps | ratio |"
echo "|---|---|---|---|"
for conns in ${CONNS:-16 64}; do
  approver=$(setup "$work/ids-$conns.txt")
  psql -q "$DATABASE_URL" -c CHECKPOINT  # the set-up's writes flushed now, not in the middle of the run
  if [ -n "${PERF_OUT:-}" ]; then
    perf record -g -o "$PERF_OUT.$conns" -p "$pid" -- sleep "${duration%s}" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  read -r rps p50 p99 errors < <(wrk -t2 -c"$conns" -d"$duration" --latency -s "$work/decide.lua" \
      -H "Authorization: Bearer $approver" http://127.0.0.1:8080 -- "$work/ids-$conns.txt" 2>&1 |
    awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {e=$NF} END {printf "%s %s %s %s\n", r, p50, p99, (e==""?0:e)}')
  [ -n "${perf_pid:-}" ] && wait "$perf_pid"
  tps=$(pgrun "$conns")
  row "$conns" "$rps ($p50, $p99, $errors)" "$tps" "$(awk -v a="$rps" -v b="$tps" 'BEGIN{printf "%.2f", a/b}')"
done
