#!/usr/bin/env bash
# The README's test command: installs what the tests need beyond cargo (Debian's chromium and
# chromedriver for the browser test, when missing and when this user can install packages), then
# runs every test of the workspace. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
    echo "scripts/test.sh: installing chromium and chromium-driver for the browser test" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core
  else
    echo "scripts/test.sh: chromium/chromedriver missing and not installable here: the browser test will skip (and fail under CI=true)" >&2
  fi
fi
cargo test --workspace
