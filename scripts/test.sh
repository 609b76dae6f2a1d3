#!/usr/bin/env bash
# Runs the whole test suite: parser vectors, the PostgreSQL layer against a throwaway cluster
# it starts itself, end-to-end tests over real sockets against the built server, and (unless
# test filters are given) the dashboard in headless Chromium (scripts/browser-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export PATH="$PATH:/opt/swift/usr/bin"
bash scripts/check-openapi.sh
swift build --build-tests
swift test --skip-build "$@"
if [ "$#" -eq 0 ]; then bash scripts/browser-test.sh; fi
