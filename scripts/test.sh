#!/usr/bin/env bash
# The README's test command: installs what the tests need beyond cargo (Debian's packages below,
# when missing and when this user can install packages), then runs every test of the workspace. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
# What the tests start as their own processes: a browser for the browser test, nats-server and
# PostgreSQL for the scale-out tests (each test runs its own on loopback, own ports and folders).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
{ command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; } || missing+=(nats-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
    echo "scripts/test.sh: installing ${missing[*]} for the browser and scale-out tests" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # Debian starts a cluster of its own on install; the tests never use it.
    if command -v pg_lsclusters >/dev/null 2>&1 && [ -z "$SUDO" ]; then
      pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
        pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
      done
    fi
  else
    echo "scripts/test.sh: ${missing[*]} missing and not installable here: the tests that need them will skip (and fail under CI=true)" >&2
  fi
fi
cargo test --workspace
