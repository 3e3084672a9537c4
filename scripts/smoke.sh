#!/usr/bin/env bash
# Smoke test of a running deployment: ./scripts/smoke.sh [BASE_URL]   (default http://localhost:8080)
#
# Proves the whole path works end to end, the .NET template's flow plus our checks:
#   1. /health/live and /health/ready answer 200
#   2. POST /v1/ingestions with two events and a fresh Idempotency-Key -> 202, {jobId}, Location header
#   3. the same request again -> 202 with the same jobId (nothing new stored)
#   4. the same key with a different body -> 422
#   5. GET /v1/ingestions/{jobId} every 0.5 s until Succeeded (at most SMOKE_TIMEOUT_SECONDS, 30); Failed fails
#   6. GET /v1/results/{jobId}: `clicked` and `Clicked` are one group of 2 that keeps the first casing,
#      with the earliest and latest timestamps
# Exits 0 only when every check holds; otherwise prints what failed (with the response) and exits 1.
#
# Needs bash and curl. JSON is read with node when it is installed (any machine that runs the service has
# it); without node a sed fallback reads the few flat fields the checks need and the timestamp check is
# skipped. Environment: SMOKE_TIMEOUT_SECONDS (30), SMOKE_READY_WAIT_SECONDS (10: how long /health/ready
# may stay 503 right after a start), SMOKE_CURL_TIMEOUT (10, per request). Against AUTH_MODE=keys, set
# a tenant's SMOKE_WRITE_KEY and SMOKE_READ_KEY (npm run keys -- create ...); the write key names the
# tenant, so SMOKE_TENANT is optional then (set, it must be the keys' tenant).
set -euo pipefail

BASE_URL="${1:-${BASE_URL:-http://localhost:8080}}"
BASE_URL="${BASE_URL%/}"
TIMEOUT_SECONDS="${SMOKE_TIMEOUT_SECONDS:-30}"
READY_WAIT_SECONDS="${SMOKE_READY_WAIT_SECONDS:-10}"
CURL_TIMEOUT="${SMOKE_CURL_TIMEOUT:-10}"

command -v curl >/dev/null || { echo "smoke: curl is required" >&2; exit 2; }
HAVE_NODE=false
command -v node >/dev/null && HAVE_NODE=true

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
fail() {
  printf '\nSMOKE FAILED: %s\n' "$1" >&2
  if [ -s "$WORK/body" ]; then
    printf -- '--- last response (HTTP %s) ---\n' "${STATUS:-?}" >&2
    head -c 2000 "$WORK/body" >&2
    printf '\n' >&2
  fi
  exit 1
}

# request METHOD PATH [BODY [extra curl args...]]: sets STATUS; the body is in $WORK/body, headers in
# $WORK/headers. A connection failure is a test failure with curl's own message.
request() {
  local method="$1" path="$2" body="${3:-}"
  shift 3 2>/dev/null || shift $#
  local args=(-sS -X "$method" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time "$CURL_TIMEOUT")
  if [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$body")
  fi
  case "$method $path" in
    "POST /v1/"*) [ -z "${SMOKE_WRITE_KEY:-}" ] || args+=(-H "Authorization: Bearer $SMOKE_WRITE_KEY") ;;
    "GET /v1/"*) [ -z "${SMOKE_READ_KEY:-}" ] || args+=(-H "Authorization: Bearer $SMOKE_READ_KEY") ;;
  esac
  : >"$WORK/body"
  if ! STATUS="$(curl "${args[@]}" "$@" "$BASE_URL$path" 2>"$WORK/curl-error")"; then
    STATUS=000
    fail "$method $path: no HTTP answer from $BASE_URL ($(tr -d '\n' <"$WORK/curl-error"))"
  fi
}

expect_status() {
  local want="$1" what="$2"
  [ "$STATUS" = "$want" ] && return
  if [ "$STATUS" = 401 ] && [ -z "${SMOKE_WRITE_KEY:-}${SMOKE_READ_KEY:-}" ]; then
    fail "$what: expected HTTP $want, got 401: the service requires API keys (AUTH_MODE=keys); set SMOKE_WRITE_KEY and SMOKE_READ_KEY to a tenant's write and read keys (npm run keys -- create --tenant acme --kind write)"
  fi
  fail "$what: expected HTTP $want, got $STATUS"
}

# header NAME: value of a response header of the last request (case-insensitive name, CR stripped).
header() {
  tr -d '\r' <"$WORK/headers" | awk -v name="$(printf '%s' "$1" | tr 'A-Z' 'a-z')" '
    { line = $0; key = tolower(substr(line, 1, index(line, ":") - 1)) }
    key == name { sub(/^[^:]*:[ \t]*/, "", line); value = line }
    END { print value }'
}

# json PATH: a value from the last response body. PATH is dot-separated (`jobId`, `results.0.count`,
# `results.length`). Strings print raw, anything else as JSON; a missing value prints nothing.
json() {
  if $HAVE_NODE; then
    node -e '
      const path = process.argv[1].split(".");
      let value;
      try { value = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")); } catch { process.exit(0); }
      for (const key of path) value = value == null ? undefined : value[key];
      if (value !== undefined) process.stdout.write(typeof value === "string" ? value : JSON.stringify(value));
    ' "$1" "$WORK/body"
  else
    # Fallback for flat fields only: the value of "key": in the body, which for every field checked here
    # occurs once (jobId, status, and the fields of the single expected result item; the item count is
    # checked first). results.length counts the items by their eventType.
    local key="${1##*.}"
    if [ "$1" = results.length ]; then
      grep -o '"eventType"[[:space:]]*:' "$WORK/body" | wc -l | tr -d ' '
    else
      tr -d '\n' <"$WORK/body" |
        sed -n "s/^[^{]*{.*\"$key\"[[:space:]]*:[[:space:]]*\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" | head -n 1
    fi
  fi
}

echo "Smoke test against $BASE_URL (JSON via $($HAVE_NODE && echo node || echo sed))"

step "GET /health/live"
request GET /health/live
expect_status 200 "/health/live"
[ -n "$(header X-Correlation-Id)" ] || fail "/health/live: response has no X-Correlation-Id header"
ok "200, X-Correlation-Id $(header X-Correlation-Id)"

step "GET /health/ready (waiting up to ${READY_WAIT_SECONDS}s for the database)"
deadline=$(($(date +%s) + READY_WAIT_SECONDS))
while :; do
  request GET /health/ready
  [ "$STATUS" = 200 ] && break
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep 0.5
done
expect_status 200 "/health/ready"
ok "200"

# A key of our own per run, so reruns against the same database never collide with older jobs.
RUN_ID="$(date +%s)-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
IDEMPOTENCY_KEY="smoke-$RUN_ID"
# With a write key and no SMOKE_TENANT, the body names no tenant: the key's is used. Otherwise a tenant
# of our own per run; the fresh Idempotency-Key keeps reruns apart either way.
if [ -n "${SMOKE_WRITE_KEY:-}" ] && [ -z "${SMOKE_TENANT:-}" ]; then
  TENANT_FIELD=''
else
  TENANT_FIELD='"tenantId":"'"${SMOKE_TENANT:-smoke-tenant-$RUN_ID}"'",'
fi
# Two events whose types differ only in case: they must be one group that keeps the first event's casing.
# The second event is earlier in absolute time (08:00:05Z) though submitted later, so firstTimestamp has
# to come from comparing instants, not from submission order.
BODY='{'"$TENANT_FIELD"'"events":[
  {"type":"clicked","timestamp":"2024-05-01T10:00:00Z","payload":{"button":"buy"}},
  {"type":"Clicked","timestamp":"2024-05-01T10:00:05+02:00","payload":{"button":"sell"}}]}'

step "POST /v1/ingestions (Idempotency-Key: $IDEMPOTENCY_KEY)"
request POST /v1/ingestions "$BODY" -H "Idempotency-Key: $IDEMPOTENCY_KEY"
expect_status 202 "POST /v1/ingestions"
JOB_ID="$(json jobId)"
[[ "$JOB_ID" =~ ^[0-9a-fA-F-]{36}$ ]] || fail "POST /v1/ingestions: jobId is not a UUID: '$JOB_ID'"
LOCATION="$(header Location)"
[ "$LOCATION" = "/v1/ingestions/$JOB_ID" ] ||
  fail "POST /v1/ingestions: Location header is '$LOCATION', expected /v1/ingestions/$JOB_ID"
ok "202, jobId $JOB_ID, Location $LOCATION"

step "POST the same request again (same Idempotency-Key)"
request POST /v1/ingestions "$BODY" -H "Idempotency-Key: $IDEMPOTENCY_KEY"
expect_status 202 "replayed POST /v1/ingestions"
REPLAY_ID="$(json jobId)"
[ "$REPLAY_ID" = "$JOB_ID" ] || fail "replayed POST returned jobId '$REPLAY_ID', expected the first one, $JOB_ID"
ok "202, same jobId"

step "POST a different body with the same Idempotency-Key"
OTHER_BODY='{'"$TENANT_FIELD"'"events":[{"type":"viewed","timestamp":"2024-05-01T10:00:00Z","payload":null}]}'
request POST /v1/ingestions "$OTHER_BODY" -H "Idempotency-Key: $IDEMPOTENCY_KEY"
expect_status 422 "same Idempotency-Key, different body"
ok "422"

step "GET /v1/ingestions/$JOB_ID until Succeeded (at most ${TIMEOUT_SECONDS}s)"
started=$(date +%s)
deadline=$((started + TIMEOUT_SECONDS))
last=""
while :; do
  request GET "/v1/ingestions/$JOB_ID"
  expect_status 200 "GET /v1/ingestions/$JOB_ID"
  job_status="$(json status)"
  [ "$job_status" != "$last" ] && printf '    status: %s\n' "$job_status" && last="$job_status"
  case "$job_status" in
    Succeeded) break ;;
    Failed) fail "job $JOB_ID Failed: $(json error)" ;;
    Pending | Processing) ;;
    *) fail "GET /v1/ingestions/$JOB_ID: unknown status '$job_status'" ;;
  esac
  [ "$(date +%s)" -ge "$deadline" ] && fail "job $JOB_ID not Succeeded after ${TIMEOUT_SECONDS}s (last status $job_status)"
  sleep 0.5
done
ok "Succeeded after $(($(date +%s) - started))s, attempt $(json attempt)"

step "GET /v1/results/$JOB_ID"
request GET "/v1/results/$JOB_ID"
expect_status 200 "GET /v1/results/$JOB_ID"
[ "$(json jobId)" = "$JOB_ID" ] || fail "results: jobId is '$(json jobId)', expected $JOB_ID"
[ "$(json status)" = Succeeded ] || fail "results: status is '$(json status)', expected Succeeded"
[ "$(json results.length)" = 1 ] ||
  fail "results: expected 1 group (clicked and Clicked are one type ignoring case), got $(json results.length)"
[ "$(json results.0.eventType)" = clicked ] ||
  fail "results: eventType is '$(json results.0.eventType)', expected 'clicked' (the first event's casing)"
[ "$(json results.0.count)" = 2 ] || fail "results: count is '$(json results.0.count)', expected 2"
if $HAVE_NODE; then
  node -e '
    const item = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results[0];
    const want = { firstTimestamp: "2024-05-01T08:00:05Z", lastTimestamp: "2024-05-01T10:00:00Z" };
    for (const [field, expected] of Object.entries(want)) {
      if (Date.parse(item[field]) !== Date.parse(expected)) {
        console.error(`results: ${field} is ${JSON.stringify(item[field])}, expected the instant ${expected}`);
        process.exit(1);
      }
    }' "$WORK/body" || fail "results: wrong timestamps"
  ok "clicked: 2 (first 08:00:05Z, last 10:00:00Z)"
else
  ok "clicked: 2 (timestamps not checked: no node for date arithmetic)"
fi

printf '\nSMOKE PASSED against %s (job %s)\n' "$BASE_URL" "$JOB_ID"
