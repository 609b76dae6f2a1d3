#!/usr/bin/env bash
# SERVER.md section 8: schemathesis against openapi.yaml; no 5xx, every response as the spec says.
# Starts a release build on its own cluster, with an admin key, and runs schemathesis (installed
# from PyPI into a throwaway venv) for MAX_TIME seconds (300) with these checks:
#   not_a_server_error, status_code_conformance, content_type_conformance,
#   response_schema_conformance, response_headers_conformance
# Expected: the only 5xx are `TRACE <path>` answered 501 (HTTP-REFERENCE V36: a method the server
# does not implement is 501 for every path, before routing); anything else is a finding.
# Env: MAX_TIME (300), EXAMPLES (30 per operation), BENCH_DIR (../shared/bench).
source "$(dirname "$0")/../bench-lib.sh"
bench_prepare curl python3-venv
bench_database
bench_serve TOLLGATE_ACCESS_LOG=0
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q schemathesis
set +e
"$work/venv/bin/schemathesis" run openapi.yaml -u http://127.0.0.1:8080 -H "Authorization: Bearer $key" \
  -c not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  -n "${EXAMPLES:-30}" --max-time "${MAX_TIME:-300}" -w 2 --request-timeout 40 --no-color > "$work/report.txt" 2>&1
set -e
sed -n '/= SUMMARY =/,$p' "$work/report.txt"
echo "5xx by method and path:"
awk '/^_+ [A-Z]+ \/.* _+$/ {op=$2" "$3} /^\[5[0-9][0-9]\]/ {print "  " $1 " " op}' "$work/report.txt" | sort | uniq -c
others=$(awk '/^_+ [A-Z]+ \/.* _+$/ {op=$2} /^\[5[0-9][0-9]\]/ && !(op=="TRACE" && $1=="[501]") {n++} END {print n+0}' "$work/report.txt")
echo "5xx other than TRACE 501: $others"
[ "$others" = 0 ]
