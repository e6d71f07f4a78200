# Shell helpers shared by the outside-in suites (make test-client, test-browser,
# load, load-faults): start the real binary as a separate process on a free
# loopback port and stop it again. Source this file; it defines functions only.

# lingo_free_port prints a loopback port nothing listens on. It probes with
# bash's /dev/tcp so the scripts need no Python or netcat.
lingo_free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "lingo_free_port: no free port found" >&2
  return 1
}

# lingo_start BIN LOG [VAR=value...] starts BIN serve on a free loopback port
# with only PATH, HOME and the given variables in its environment (so a
# caller's stray LINGO_* cannot change what is tested), logging to LOG, and
# waits up to 30 s for /api/health/live. It sets LINGO_URL and LINGO_PID.
lingo_start() {
  local bin=$1 log=$2 port
  shift 2
  port=$(lingo_free_port) || return 1
  env -i PATH="$PATH" HOME="${HOME:-/root}" LINGO_HTTP_ADDR="127.0.0.1:$port" "$@" "$bin" serve >"$log" 2>&1 &
  LINGO_PID=$!
  LINGO_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null --max-time 1 "$LINGO_URL/api/health/live"; then
      return 0
    fi
    if ! kill -0 "$LINGO_PID" 2>/dev/null; then
      echo "lingo exited before it was ready; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "lingo did not become ready at $LINGO_URL within 30 s; its log:" >&2
  tail -n 50 "$log" >&2
  return 1
}

# lingo_stop stops the process lingo_start started: SIGINT for a graceful
# shutdown, SIGKILL after 20 s.
lingo_stop() {
  [ -n "${LINGO_PID:-}" ] || return 0
  kill -INT "$LINGO_PID" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$LINGO_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$LINGO_PID" 2>/dev/null || true
  wait "$LINGO_PID" 2>/dev/null || true
  LINGO_PID=
}
