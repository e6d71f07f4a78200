#!/usr/bin/env bash
# make test-browser: open /api/docs of a started Lingo in Debian's headless
# Chromium and check that every operation of the document is listed.
# Exit status 77 means skipped (no Chromium here); .ci/run reports it by name.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/test/browser"
. "$root/test/lib/lingo.sh"
mkdir -p "$root/test/artifacts"
rm -f "$root/test/artifacts/browser-skipped"

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "test-browser: SKIPPED: Chromium is not installed at $chromium; install it with: apt-get install -y chromium" | tee "$root/test/artifacts/browser-skipped"
  exit 77
fi
command -v node >/dev/null || { echo "test-browser: needs Node.js 20 or later (apt-get install -y nodejs npm)"; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lingo-browser-XXXXXX")
trap 'lingo_stop; rm -rf "$work"' EXIT
lingo_start "$root/bin/lingo" "$work/lingo.log" LINGO_DATA_DIR="$work/data" LINGO_LOG_LEVEL=warn
export LINGO_URL CHROMIUM="$chromium"
echo "test-browser: Lingo at $LINGO_URL, $("$chromium" --version 2>/dev/null || echo chromium)"
node --test --test-reporter=spec docs.test.mjs
