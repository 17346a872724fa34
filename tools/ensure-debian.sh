#!/usr/bin/env bash
# Usage: ensure-debian.sh PACKAGE PATH
# Installs Debian's PACKAGE when PATH (an executable or a file it installs) is missing and we may (root with
# apt-get); otherwise says why not and exits 1. Nothing is downloaded from
# anywhere but Debian's archive (Playwright's own browser download, for one,
# is not reachable here).
set -euo pipefail
package=$1 executable=$2
if [ -e "$executable" ] || command -v "$(basename "$executable")" >/dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's $package..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
else
  echo "note: $executable is missing and cannot be installed here (need root and apt-get):" >&2
  echo "      as root: apt-get install -y $package" >&2
  exit 1
fi
