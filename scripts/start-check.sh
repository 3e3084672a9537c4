#!/usr/bin/env bash
# Proves the zero-setup path: `npm start` with no database configured starts the embedded PostgreSQL,
# becomes ready, opens the dashboard on loopback, processes a job, and stops cleanly (exit 0, PostgreSQL stopped) on SIGINT.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
data_dir=$(mktemp -d "$PWD/.data-start-check.XXXXXX")
chmod 755 "$data_dir"
log="$data_dir/service.log"
trap 'kill -9 -- "-$pid" 2>/dev/null || true; rm -rf "$data_dir"' EXIT

# A process group of its own, so the SIGINT below reaches npm and the service as Ctrl-C would.
setsid env -u DATABASE_URL -u ConnectionStrings__Db PORT="$port" DATA_DIR="$data_dir" npm start >"$log" 2>&1 &
pid=$!

ready=
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ready=1; break; fi
  sleep 1
done
[ -n "$ready" ] || { echo "npm start did not become ready in 60 s:"; cat "$log"; exit 1; }
echo "ready after start"

# The first run shows the dashboard: the log names its address, and it opens without a token because
# npm start with its embedded database listens on loopback (PORT alone moves only the port).
grep -q "open the dashboard at http://127.0.0.1:$port/ui" "$log" || { echo "no dashboard link in the log:"; cat "$log"; exit 1; }
curl -fsS -H 'Accept: text/html' "http://127.0.0.1:$port/ui" | grep -q '<title>Ingest jobs</title>' ||
  { echo "GET /ui did not serve the dashboard"; exit 1; }
curl -fsS "http://127.0.0.1:$port/admin/overview" >/dev/null || { echo "the admin API is not open on loopback"; exit 1; }
echo "dashboard open at http://127.0.0.1:$port/ui"

if [ -x scripts/smoke.sh ]; then
  bash scripts/smoke.sh "http://127.0.0.1:$port"
else
  job=$(curl -fsS -X POST "http://127.0.0.1:$port/v1/ingestions" -H 'content-type: application/json' \
    -d '{"tenantId":"ci","events":[{"type":"clicked","timestamp":"2024-01-01T00:00:00Z"},{"type":"Clicked","timestamp":"2024-01-01T00:00:01Z"}]}')
  id=$(node -pe "JSON.parse(process.argv[1]).jobId" "$job")
  for _ in $(seq 1 30); do
    status=$(curl -fsS "http://127.0.0.1:$port/v1/ingestions/$id" | node -pe "JSON.parse(require('fs').readFileSync(0)).status")
    [ "$status" = Succeeded ] && break
    sleep 1
  done
  [ "$status" = Succeeded ] || { echo "job $id is $status, not Succeeded"; cat "$log"; exit 1; }
  echo "job $id Succeeded"
fi

# One registry for both parts: the API's GET /metrics reports the worker's completions too, and promtool
# accepts it (when installed; .ci/run installs it).
counted=
for _ in $(seq 1 10); do
  metrics=$(curl -fsS "http://127.0.0.1:$port/metrics")
  if grep -q '^ingest_job_attempts_total{outcome="succeeded"} [1-9]' <<<"$metrics"; then counted=1; break; fi
  sleep 0.5
done
[ -n "$counted" ] || { echo "GET /metrics does not report the worker's completions:"; echo "$metrics"; exit 1; }
if command -v promtool >/dev/null; then promtool check metrics <<<"$metrics"; fi
echo "GET /metrics reports the API and the worker"

kill -INT -- "-$pid"
code=0
wait "$pid" || code=$?
if [ "$code" != 0 ] && [ "$code" != 130 ]; then echo "npm start exited $code"; cat "$log"; exit 1; fi
if [ -f "$data_dir/postgres/postmaster.pid" ]; then echo "embedded PostgreSQL still running"; cat "$log"; exit 1; fi
echo "stopped cleanly (exit $code), embedded PostgreSQL stopped"
