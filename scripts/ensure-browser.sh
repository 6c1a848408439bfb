#!/bin/bash
# The browser tests drive Debian's chromium through Playwright; Playwright's
# bundled node needs libatomic1. Install both when missing (needs root).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libatomic\.so\.1' || missing+=(libatomic1)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "The browser tests need: ${missing[*]} (apt-get install ${missing[*]} as root)" >&2
  exit 1
fi
echo "installing ${missing[*]} (apt)..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
