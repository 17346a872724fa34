#!/usr/bin/env bash
# `make class` puts haproxy (Debian's package) in front of the app's replicas.
# Install it when missing and we may; otherwise say why not and fail.
set -euo pipefail
if command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's haproxy for make class..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
else
  echo "haproxy is missing and cannot be installed here (need root and apt-get):" >&2
  echo "  as root: apt-get install -y haproxy" >&2
  exit 1
fi
