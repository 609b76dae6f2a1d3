#!/usr/bin/env bash
# The portfolio routes against pgbench on the same PostgreSQL cluster, in one run:
#   GET /v1/use-cases/{id} (authenticated)  vs  pgbench -S -M prepared   (read path)
#   POST /v1/use-cases                      vs  pgbench -M prepared      (TPC-B-like, write path)
# at CONNS connections (default 64). Env: DURATION (10s), CONNS (64), BENCH_DIR (../shared/bench).
source "$(dirname "$0")/bench-lib.sh"
conns=${CONNS:-64} duration=${DURATION:-10s}
bench_prepare wrk curl
bench_database
bench_serve
pod=$(api -X POST http://127.0.0.1:8080/v1/pods -d '{"name": "Bench pod", "business_unit": "Bench"}' | field id)
body='{"title": "Bench use case", "pod_id": "'"$pod"'", "risk_tier": "limited", "data_classification": "internal", "deployment": "cloud", "model_sourcing": "proprietary", "estimates": {"one_time_cost_cents": 5000000, "expected_annual_benefit_cents": 12000000, "monthly_tokens": 200000000, "price_per_million_tokens_cents": 250, "monthly_infra_cost_cents": 100000, "monthly_energy_kwh": 120.5, "energy_price_cents_per_kwh": 30, "grid_carbon_g_per_kwh": 400}}'
uc=$(api -X POST http://127.0.0.1:8080/v1/use-cases -d "$body" | field id)
bench_post_script "$body" >"$work/post.lua"
pgbench -i -s 10 -q "$DATABASE_URL" >/dev/null 2>&1
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }
wrkrun() { wrk -t2 -c"$conns" -d"$duration" --latency "$@" 2>&1 | awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {e=$NF} END {printf "%s %s %s %s\n", r, p50, p99, (e==""?0:e)}'; }
pgrun() { pgbench "$@" -c "$conns" -j 2 -T "${duration%s}" "$DATABASE_URL" 2>/dev/null | awk '/^tps/ {print $3; exit}'; }

echo "# $(date -u +%FT%TZ) tollgate $(git rev-parse --short HEAD) conns=$conns duration=$duration pool=${POOL:-16} workers=${WORKERS:-32}"
read -r get_rps get_p50 get_p99 get_err < <(wrkrun -H "Authorization: Bearer $key" "http://127.0.0.1:8080/v1/use-cases/$uc")
s_tps=$(pgrun -S -M prepared)
read -r post_rps post_p50 post_p99 post_err < <(wrkrun -s "$work/post.lua" http://127.0.0.1:8080/v1/use-cases)
b_tps=$(pgrun -M prepared)
echo "| workload | tollgate req/s (p50, p99, non-2xx) | pgbench tps | ratio |"
echo "|---|---|---|---|"
row "GET /v1/use-cases/{id} vs pgbench -S -M prepared" "$get_rps ($get_p50, $get_p99, $get_err)" "$s_tps" "$(awk -v a="$get_rps" -v b="$s_tps" 'BEGIN{printf "%.2f", a/b}')"
row "POST /v1/use-cases vs pgbench TPC-B -M prepared" "$post_rps ($post_p50, $post_p99, $post_err)" "$b_tps" "$(awk -v a="$post_rps" -v b="$b_tps" 'BEGIN{printf "%.2f", a/b}')"
