#!/usr/bin/env bash
# The end-to-end tests drive Debian's Chromium (never a downloaded browser) and need CJK fonts so
# that the screens render Chinese. Installs both from Debian's packages when they are missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_browser: ${missing[*]} missing and cannot be installed here; the browser tests will be skipped" >&2
  exit 0
fi
echo "ensure_browser: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
