#!/usr/bin/env bash
# make test-client: build Lingo, start it on a free loopback port with a fresh
# data directory (the embedded default: SQLite, demo catalog, limiter on),
# regenerate the client from the document, type-check it against the journey,
# run the journey with node --test, and stop the server.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/test/client"
. "$root/test/lib/lingo.sh"

command -v node >/dev/null || { echo "test-client: needs Node.js 20 or later (apt-get install -y nodejs npm)"; exit 1; }
# npm ci only when the installed tree is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

npm run --silent gen
if ! git -C "$root" diff --quiet -- test/client/src/schema.d.ts 2>/dev/null; then
  echo "test-client: the document changed since test/client/src/schema.d.ts was committed; commit the regenerated file (make client-gen)"
  # In CI a stale client fails: what lands must be generated from what it serves.
  if [ "${CI:-}" = true ]; then exit 1; fi
fi
npm run --silent typecheck
rm -rf dist
npm run --silent build

# The webhook step signs in as this admin and receives on 127.0.0.1.
export LINGO_ADMIN_EMAIL="journey-admin@example.com" LINGO_ADMIN_PASSWORD="journey admin password"
work=$(mktemp -d "${TMPDIR:-/tmp}/lingo-client-XXXXXX")
trap 'lingo_stop; rm -rf "$work"' EXIT
# The journey logs in and refreshes more often than a person would within a
# minute, so the auth class gets room; every other quota is the default.
# The streak step grants a freeze as this admin.
export LINGO_ADMIN_EMAIL="journey-admin@example.com" LINGO_ADMIN_PASSWORD="journey admin password"
lingo_start "$root/bin/lingo" "$work/lingo.log" \
  LINGO_DATA_DIR="$work/data" LINGO_LOG_LEVEL=warn LINGO_RATELIMIT_AUTH_LIMIT=30 \
  LINGO_ADMIN_EMAIL="$LINGO_ADMIN_EMAIL" LINGO_ADMIN_PASSWORD="$LINGO_ADMIN_PASSWORD" LINGO_WEBHOOKS_ALLOW_PRIVATE=true \
  LINGO_JOBS_LIFECYCLE_INTERVAL=1s
export LINGO_URL
echo "test-client: Lingo at $LINGO_URL (pid $LINGO_PID)"
status=0
node --test --test-reporter=spec dist/ || status=$?
if [ "$status" -ne 0 ]; then
  echo "test-client: the server's log (last 40 lines):"
  tail -n 40 "$work/lingo.log" || true
fi
exit "$status"
