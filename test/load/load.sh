#!/usr/bin/env bash
# make load: the scenario mix against Lingo on the machine's PostgreSQL (a
# fresh database, dropped afterwards) and Redis (a key prefix of its own), at
# LOAD_RATE requests/s for LOAD_DURATION. The report is printed and kept in
# test/artifacts/load.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. test/lib/lingo.sh

dsn=${LINGO_TEST_POSTGRES_DSN:?set LINGO_TEST_POSTGRES_DSN to a PostgreSQL the load may create a database in}
redis=${LINGO_TEST_REDIS_ADDR:?set LINGO_TEST_REDIS_ADDR to a Redis the load may use}
duration=${LOAD_DURATION:-30s}
rate=${LOAD_RATE:-50}
mkdir -p test/artifacts

run_id="load_$(date +%s)_$$"
psql -q -v ON_ERROR_STOP=1 "$dsn" -c "CREATE DATABASE $run_id" >/dev/null
base=${dsn%%\?*}
query=${dsn#"$base"}
db_dsn="${base%/*}/$run_id$query"
work=$(mktemp -d "${TMPDIR:-/tmp}/lingo-load-XXXXXX")
cleanup() {
  lingo_stop
  psql -q "$dsn" -c "DROP DATABASE IF EXISTS $run_id WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Quotas are raised so that the limiter (on Redis) decides on every request
# but refuses none: the load all comes from one IP, which a real crowd does not.
lingo_start bin/lingo "$work/lingo.log" \
  LINGO_DATA_DIR="$work/data" LINGO_LOG_LEVEL=warn \
  LINGO_DATABASE_DRIVER=postgres LINGO_DATABASE_DSN="$db_dsn" LINGO_DATABASE_SEED_DEMO=true \
  LINGO_REDIS_ADDR="$redis" LINGO_REDIS_KEY_PREFIX="lingo-$run_id:" \
  LINGO_AUTH_JWT_SECRET="load-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  LINGO_RATELIMIT_AUTH_LIMIT=1000000 LINGO_RATELIMIT_USER_LIMIT=1000000 \
  LINGO_RATELIMIT_ANALYTICS_LIMIT=1000000 LINGO_RATELIMIT_GENERAL_LIMIT=1000000 \
  LINGO_RATELIMIT_AUTH_WINDOW=24h LINGO_RATELIMIT_USER_WINDOW=24h \
  LINGO_RATELIMIT_ANALYTICS_WINDOW=24h LINGO_RATELIMIT_GENERAL_WINDOW=24h
echo "load: Lingo at $LINGO_URL on PostgreSQL database $run_id and Redis $redis"
# Other work on the machine moves the figures; the report says how busy it was.
echo "load: $(nproc) CPUs, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"

go run ./test/load -url "$LINGO_URL" -duration "$duration" -rate "$rate" -acks "$work/acks" -report test/artifacts/load.md

acked=$(grep -c . "$work/acks" || true)
stored=$(psql -tA "$db_dsn" -c "SELECT count(*) FROM learning_events WHERE category <> 'progress'")
echo
echo "load: $acked events acknowledged, $stored client events stored; load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
