#!/usr/bin/env bash
# make load-faults: run the load mix against Lingo on a PRIVATE Redis and a
# PRIVATE PostgreSQL (both started here on free loopback ports, never the
# machine's shared services), kill Redis and bring it back, then stop
# PostgreSQL and bring it back, all while the load runs and without
# restarting Lingo. Then check the answers phase by phase (test/load
# -check-faults) and count the acknowledged events against the stored ones.
# Bounded: a watchdog ends the whole run after FAULTS_DEADLINE seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. test/lib/lingo.sh

rate=${LOAD_RATE:-50}
deadline=${FAULTS_DEADLINE:-300}
mkdir -p test/artifacts
work=$(mktemp -d "${TMPDIR:-/tmp}/lingo-faults-XXXXXX")
chmod 755 "$work"
phases="$work/phases"
redis_pid=
pg_bin=
pg_dir="$work/pg"
pg_port=

say() { echo "faults: $*"; }
mark() { echo "$(date +%s%N) $1" >>"$phases"; say "phase $1"; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_ctl_() { as_postgres "$pg_bin/pg_ctl" -D "$pg_dir" "$@"; }

cleanup() {
  set +e
  lingo_stop
  [ -n "$redis_pid" ] && kill -KILL "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  [ -n "$pg_bin" ] && [ -d "$pg_dir" ] && pg_ctl_ stop -m immediate >/dev/null 2>&1
  if [ -n "${watchdog:-}" ]; then pkill -P "$watchdog" 2>/dev/null; kill "$watchdog" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
# The watchdog's own output goes nowhere, so that a pipe reading this script's
# output is not held open by its sleep after the run ends.
main_pid=$$
( sleep "$deadline"; echo "faults: over $deadline s, giving up" >/dev/tty 2>/dev/null; kill -TERM "$main_pid" ) >/dev/null 2>&1 &
watchdog=$!

# --- a private Redis ---
command -v redis-server >/dev/null || { say "needs redis-server (apt-get install -y redis-server)"; exit 1; }
redis_port=$(lingo_free_port)
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  say "redis-server did not start"; return 1
}
start_redis

# --- a private PostgreSQL, run as the postgres user as PostgreSQL wants ---
pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)")
[ -x "$pg_bin/initdb" ] || { say "needs the PostgreSQL server binaries (apt-get install -y postgresql)"; exit 1; }
[ "$(id -u)" -ne 0 ] || chown postgres "$work"
pg_port=$(lingo_free_port)
as_postgres "$pg_bin/initdb" -D "$pg_dir" -A trust -U postgres >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; exit 1; }
start_pg() {
  pg_ctl_ start -w -t 30 -l "$work/pg.log" -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $work" >/dev/null
}
start_pg
pg_dsn="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
say "private Redis on 127.0.0.1:$redis_port, private PostgreSQL on 127.0.0.1:$pg_port"

lingo_start bin/lingo "$work/lingo.log" \
  LINGO_DATA_DIR="$work/data" LINGO_LOG_LEVEL=error \
  LINGO_DATABASE_DRIVER=postgres LINGO_DATABASE_DSN="$pg_dsn" LINGO_DATABASE_SEED_DEMO=true \
  LINGO_REDIS_ADDR="127.0.0.1:$redis_port" \
  LINGO_AUTH_JWT_SECRET="faults-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  LINGO_RATELIMIT_AUTH_LIMIT=1000000 LINGO_RATELIMIT_USER_LIMIT=1000000 \
  LINGO_RATELIMIT_ANALYTICS_LIMIT=1000000 LINGO_RATELIMIT_GENERAL_LIMIT=1000000 \
  LINGO_RATELIMIT_AUTH_WINDOW=24h LINGO_RATELIMIT_USER_WINDOW=24h \
  LINGO_RATELIMIT_ANALYTICS_WINDOW=24h LINGO_RATELIMIT_GENERAL_WINDOW=24h
lingo_pid=$LINGO_PID
say "Lingo at $LINGO_URL (pid $lingo_pid)"

ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$LINGO_URL/api/health/ready")" = 200 ]; }

# The load runs through every phase; the schedule below fits in its duration
# with at least 15 s left for the recovered phase.
go build -o "$work/load" ./test/load
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$phases"
load_rc=0
"$work/load" -url "$LINGO_URL" -duration 75s -rate "$rate" -phases "$phases" -check-faults \
  -acks "$work/acks" -report "$work/report.md" >"$work/load.out" 2>&1 &
load_pid=$!
sleep 3 # the pool of learners registers before the attack starts
mark baseline
sleep 10

kill -KILL "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=
mark redis_down
sleep 12
start_redis
mark redis_back
sleep 8

mark postgres_down
pg_ctl_ stop -w -m immediate >/dev/null
sleep 12
start_pg
mark postgres_back
t0=$(date +%s)
until ready; do
  [ $(( $(date +%s) - t0 )) -lt 30 ] || { say "Lingo did not become ready within 30 s of PostgreSQL's return"; break; }
  sleep 0.2
done
say "ready again $(( $(date +%s) - t0 )) s after PostgreSQL returned"
sleep 2
mark recovered

wait "$load_pid" || load_rc=$?
cat "$work/load.out"

# --- acknowledged against stored, counted in the database itself ---
psql_() { psql -X -q -tA "$pg_dsn" "$@"; }
acked=$(grep -c . "$work/acks" || true)
lost=$(psql_ -v ON_ERROR_STOP=1 <<SQL
CREATE TEMP TABLE acked (event_id uuid PRIMARY KEY);
\copy acked FROM '$work/acks'
SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM learning_events e WHERE e.event_id = a.event_id);
SQL
)
stored=$(psql_ -c "SELECT count(*) FROM learning_events WHERE category <> 'progress'")
same_process=no
kill -0 "$lingo_pid" 2>/dev/null && same_process=yes

{
  echo "Fault run: $(date -u +%Y-%m-%dT%H:%MZ), $rate requests/s for 75 s; Redis killed (SIGKILL) for 12 s, then PostgreSQL stopped (immediate) for 12 s."
  echo "Machine: $(nproc) CPUs, load average at the start $load_before, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  cat "$work/report.md"
  echo
  echo "- acknowledged events (201/200 answers, batch items created or duplicate): $acked"
  echo "- client events stored in PostgreSQL: $stored"
  echo "- acknowledged but not stored (lost): $lost"
  echo "- the same Lingo process throughout: $same_process"
} | tee test/artifacts/faults.md

status=0
[ "$load_rc" -eq 0 ] || { say "the phase checks failed (see above)"; status=1; }
[ "$lost" = 0 ] || { say "$lost acknowledged events are not stored"; status=1; }
[ "$same_process" = yes ] || { say "Lingo did not survive the run"; status=1; }
ready || { say "Lingo is not ready at the end"; status=1; }
[ "$status" -eq 0 ] && say "PASS: zero lost, no 5xx with Redis down, 503 envelopes with PostgreSQL down, recovered without a restart"
exit "$status"
