#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright (Playwright's own
# browser download is not reachable here). Install it when missing and we may.
set -euo pipefail
# tests/test_class.py also drives haproxy in front of two replicas.
bash "$(dirname "$0")/ensure-haproxy.sh" || echo "      the class test will be skipped (it fails under CI=true)." >&2
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "note: /usr/bin/chromium is missing and cannot be installed here (need root and apt-get);" >&2
  echo "      the browser tests will be skipped (they fail under CI=true)." >&2
fi
