#!/usr/bin/env bash
# Installs what the tests need that npm cannot: Debian's Chromium for the browser test
# (playwright-core drives it; it never downloads a browser of its own) and Debian's redis-server for
# the queue and scale-out tests (each test starts its own on a loopback port). Runs before `npm test`.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' and retry." >&2
  exit 1
fi
echo "Installing ${missing[*]} for the tests (apt-get)..." >&2
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
