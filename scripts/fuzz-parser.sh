#!/usr/bin/env bash
# Fuzzes the HTTP/1 request parser (Sources/HTTP1) with libFuzzer and AddressSanitizer.
#
# Usage: scripts/fuzz-parser.sh [SECONDS]     (default 60)
#
# Builds into .build-fuzz/ (ignored by git), seeds .build-fuzz/corpus from a few valid requests, and runs for
# SECONDS. Exits non-zero on a crash, a leak or a broken invariant, and prints where the input was saved;
# replay it with: .build-fuzz/parser-fuzz <file>
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build-fuzz"
binary="$out/parser-fuzz"
corpus="$out/corpus"
artifacts="$out/artifacts/"
log="$out/last-run.log"
mkdir -p "$corpus" "$artifacts"

# One module from the HTTP1 sources and the entry point: no dependencies, no Foundation.
echo "building $binary"
swiftc -sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -use-ld=lld -module-name ParserFuzz \
    "$root"/Sources/HTTP1/*.swift "$root"/Fuzz/ParserFuzz/*.swift -o "$binary"

# Valid requests to start from; the fuzzer mutates them and keeps what reaches new code.
seed() { printf "$2" > "$corpus/seed-$1"; }
seed get 'GET /a?b=c HTTP/1.1\r\nHost: a\r\n\r\n'
seed pipelined 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a:80\r\nConnection: close\r\n\r\n'
seed post-cl 'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello'
seed chunked 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;q="x\\"y"\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n'
seed expect 'PUT / HTTP/1.1\r\nHost: [::1]:8080\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc'
seed http10 'GET http://b.example/x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'

echo "fuzzing for ${seconds}s; log: $log"
status=0
# Swift's own crash backtracer trips AddressSanitizer; let libFuzzer report the trap instead.
SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -dict="$root/Fuzz/ParserFuzz/http.dict" -artifact_prefix="$artifacts" "$corpus" > "$log" 2>&1 || status=$?

grep -E '^#[0-9]+.*DONE|^Done [0-9]+ runs' "$log" || tail -n 5 "$log"
if [ "$status" -ne 0 ]; then
    echo "FUZZER FAILED (exit $status):" >&2
    grep -E 'invariant broken|ERROR: (libFuzzer|AddressSanitizer)|SUMMARY' "$log" >&2 || true
    grep -E 'Test unit written to' "$log" >&2 || echo "no input saved; see $log" >&2
    echo "replay: $binary <saved input>" >&2
    exit "$status"
fi
echo "no crash in ${seconds}s"
