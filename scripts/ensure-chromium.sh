#!/bin/sh
# The browser tests drive Debian's chromium (no browser downloads are possible
# on closed networks). Install it when it is missing and we are allowed to.
set -e
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing: installing Debian's package for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    exit 0
fi
echo "chromium is missing and cannot be installed here (needs root and apt-get)."
echo "Install it with: sudo apt-get install chromium   (the browser tests need it)"
exit 1
