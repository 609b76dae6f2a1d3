#!/usr/bin/env bash
# Builds Tollgate (release) and serves it. With no TOLLGATE_DATABASE_URL it runs its own
# PostgreSQL under TOLLGATE_DATA_DIR (default ./.tollgate). Arguments go to `tollgate serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export PATH="$PATH:/opt/swift/usr/bin"
swift build -c release --product tollgate >&2
exec .build/release/tollgate serve "$@"
