#!/usr/bin/env bash
# Installs what the tests need that npm cannot: Debian's Chromium for the browser test
# (playwright-core drives it; it never downloads a browser of its own). Runs before `npm test`.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The browser test needs Chromium: run 'sudo apt-get install -y chromium' and retry." >&2
  exit 1
fi
echo "Installing Chromium for the browser test (apt-get)..." >&2
apt-get update -q >&2
apt-get install -y -q --no-install-recommends chromium >&2
