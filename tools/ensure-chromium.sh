#!/usr/bin/env bash
# What the browser tests need from Debian: Chromium (driven by Playwright) and
# haproxy (tests/test_class.py puts it in front of two replicas). Where they
# cannot be installed, those tests are skipped, and fail under CI=true.
set -uo pipefail
here=$(dirname "$0")
bash "$here/ensure-debian.sh" haproxy /usr/sbin/haproxy || echo "      the class test will be skipped." >&2
bash "$here/ensure-debian.sh" chromium /usr/bin/chromium || echo "      the browser tests will be skipped." >&2
exit 0
