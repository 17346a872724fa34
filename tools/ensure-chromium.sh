#!/usr/bin/env bash
# What the browser tests need from Debian: Chromium (driven by Playwright), CJK
# and emoji fonts (the ?lang=zh page, the icons of notices) and haproxy
# (tests/test_class.py puts it in front of two replicas). Where they cannot be
# installed, those tests are skipped, and fail under CI=true.
set -uo pipefail
here=$(dirname "$0")
bash "$here/ensure-debian.sh" haproxy /usr/sbin/haproxy || echo "      the class test will be skipped." >&2
bash "$here/ensure-debian.sh" chromium /usr/bin/chromium || echo "      the browser tests will be skipped." >&2
bash "$here/ensure-debian.sh" fonts-noto-cjk /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ||
  echo "      Chinese pages will show boxes in screenshots." >&2
bash "$here/ensure-debian.sh" fonts-noto-color-emoji /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ||
  echo "      icons will show as boxes in screenshots." >&2
exit 0
