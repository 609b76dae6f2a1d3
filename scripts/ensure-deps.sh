#!/usr/bin/env bash
# Installs the Debian packages Tollgate builds and runs with, when they are missing:
# libpq-dev and libcurl4-openssl-dev (linked through pkg-config) and postgresql (initdb, pg_ctl
# for the embedded database). Extra packages can be named as arguments (e.g. wrk nginx-light).
set -euo pipefail
export PATH="$PATH:/opt/swift/usr/bin"

need=()
pkg-config --exists libpq 2>/dev/null || need+=(libpq-dev)
pkg-config --exists libcurl 2>/dev/null || need+=(libcurl4-openssl-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
for extra in "$@"; do dpkg -s "$extra" >/dev/null 2>&1 || need+=("$extra"); done

if [ "${#need[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "ensure-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "${need[@]}" >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${need[@]}" >/dev/null; }
fi
command -v swift >/dev/null || { echo "ensure-deps: swift is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }
