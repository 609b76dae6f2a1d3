#!/usr/bin/env bash
# Webhook delivery throughput and latency (issue 5): SUBS subscriptions to use_case.created at a
# local nginx receiver that answers 204 at once; wrk creates use cases for DURATION at CONNS
# connections, so every creation fans out to SUBS deliveries. Reports the deliveries per second
# the receiver saw (first to last) and the latency from each event's request time to its receipt.
# Env: DURATION (10s), CONNS (16), SUBS (8), POOL (8), WORKERS (16), BENCH_DIR (../shared/bench).
source "$(dirname "$0")/bench-lib.sh"
duration=${DURATION:-10s} conns=${CONNS:-16} subs=${SUBS:-8}
bench_prepare wrk nginx-light curl
bench_database
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
error_log $work/nginx-error.log;
pid $work/nginx.pid;
events { worker_connections 4096; }
http {
  log_format timed '\$msec \$http_webhook_id';
  access_log off;
  client_body_buffer_size 64k;
  server {
    listen 127.0.0.1:8090;
    location /hook { access_log $work/hook.log timed; return 204; }
  }
}
NGINX
nginx -p "$work/" -c "$work/nginx.conf" >/dev/null 2>&1 &
nginx_pid=$!
bench_on_exit 'kill "$nginx_pid" 2>/dev/null'
bench_serve TOLLGATE_WEBHOOK_ALLOW_PRIVATE=1
pod=$(api -X POST http://127.0.0.1:8080/v1/pods -d '{"name": "Bench pod", "business_unit": "Bench"}' | field id)
for i in $(seq "$subs"); do
  api -X POST http://127.0.0.1:8080/v1/webhooks -d '{"url": "http://127.0.0.1:8090/hook", "event_types": ["use_case.created"]}' >/dev/null
done
body='{"title": "Bench use case", "pod_id": "'"$pod"'", "risk_tier": "limited", "data_classification": "internal", "deployment": "cloud", "model_sourcing": "proprietary", "estimates": {"monthly_tokens": 1000}}'
bench_post_script "$body" >"$work/post.lua"
wrk -t2 -c"$conns" -d"$duration" -s "$work/post.lua" http://127.0.0.1:8080/v1/use-cases >"$work/wrk.txt" 2>&1
events=$(psql -qtA "$DATABASE_URL" -c "SELECT count(*) FROM events WHERE type = 'use_case.created'")
expected=$((events * subs))
for _ in $(seq 600); do  # up to 60 s for the queue to drain
  got=$(wc -l <"$work/hook.log" 2>/dev/null || echo 0)
  [ "$got" -ge "$expected" ] && break
  sleep 0.1
done
psql -qtA -F ' ' "$DATABASE_URL" -c "SELECT id, extract(epoch FROM occurred_at) FROM events WHERE type = 'use_case.created'" >"$work/events.txt"
echo "# $(date -u +%FT%TZ) tollgate $(git rev-parse --short HEAD) duration=$duration conns=$conns subscriptions=$subs"
python3 - "$work/hook.log" "$work/events.txt" "$expected" "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")" <<'PY'
import sys
log, events, expected, rps = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
occurred = dict(line.split() for line in open(events) if line.strip())
receipts = [line.split() for line in open(log) if line.strip()]
times = sorted(float(t) for t, _ in receipts)
latencies = sorted((float(t) - float(occurred[i])) * 1000 for t, i in receipts if i in occurred)
seen = len({i for _, i in receipts})
span = times[-1] - times[0] if len(times) > 1 else 1
pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
print("| use cases created/s | deliveries expected | received | distinct events | deliveries/s (first to last receipt) | latency p50 | p99 |")
print("|---|---|---|---|---|---|---|")
print(f"| {rps} | {expected} | {len(receipts)} | {seen} | {len(receipts) / span:,.0f} | {pct(0.5):.1f} ms | {pct(0.99):.1f} ms |")
PY
