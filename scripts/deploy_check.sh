#!/usr/bin/env bash
# Follows docs/deploy.md on this machine, as root, and checks what it promises (issue 14):
# section 1 ("Setting up a host") steps 1, 3, 4, 5 and the processes of step 6 (2 web, 2 workers,
# started as the units would, on loopback ports), section 3's nginx config (the shipped
# deploy/nginx/chatdesk.conf, with a self-signed certificate), then: a signed webhook posted
# through nginx reaches SSE clients connected through nginx to BOTH web processes (so to the
# one that did not take the webhook), the reply goes out through the sandbox, and section 5's
# backup and restore commands give a copy with every message that starts with sending paused.
# Deviations from the doc, each for a throwaway machine: PostgreSQL is a temporary cluster on a
# free port (PGHOST/PGPORT point the documented commands at it), ports are free ones (the doc
# says to edit them), processes run from this checkout's venv as root instead of systemd units.
# Needs root, PostgreSQL server binaries, nginx, openssl; skips (exit 0) without them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}  # made by scripts/venv.sh (.ci/run runs lint and tests first)
CHATDESK="$VENV/bin/chatdesk"
PY="$VENV/bin/python"

if [ "$(id -u)" != 0 ] || ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || ! command -v nginx >/dev/null \
        || ! command -v openssl >/dev/null; then
    echo "deploy_check: skipped (needs root, PostgreSQL, nginx, openssl)"; exit 0
fi

WORK=$(mktemp -d /tmp/chatdesk-deploy.XXXXXX)
chmod 755 "$WORK"
PIDS=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
log() { printf '== deploy_check: %s\n' "$*"; }
cleanup() {
    local rc=$?
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    [ -f "$WORK/pg/data/postmaster.pid" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null || true
    if [ "$rc" != 0 ]; then tail -n 20 "$WORK"/*.log 2>/dev/null || true; fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT INT TERM

PG_PORT=$(free_port)
mkdir -p "$WORK/pg" && chown postgres: "$WORK/pg"
runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >"$WORK/initdb.log"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg" >/dev/null
export PGHOST="$WORK/pg" PGPORT="$PG_PORT"   # the doc's commands use the default server: this one

log "section 1, step 1: role and database"
PW=choose-a-password
runuser -u postgres -- psql -c "CREATE ROLE chatdesk LOGIN PASSWORD '$PW'" >/dev/null
runuser -u postgres -- createdb -O chatdesk chatdesk

log "section 1, step 3: secret key"
KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')

log "section 1, step 4: environment file"
cat >"$WORK/chatdesk.env" <<EOF
CHATDESK_DATABASE_URL=postgresql://chatdesk:$PW@127.0.0.1:$PG_PORT/chatdesk
CHATDESK_SECRET_KEY=$KEY
CHATDESK_PUBLIC_URL=https://chat.example.com
CHATDESK_DATA_DIR=$WORK/data
CHATDESK_LOG_JSON=true
EOF
load_env() { set -a; . "$1"; set +a; }

log "section 1, step 5: schema"
( load_env "$WORK/chatdesk.env"; "$CHATDESK" db upgrade ) | tee "$WORK/upgrade.out"
grep -q "created the schema at revision" "$WORK/upgrade.out"

log "setup: workspace, token, a WhatsApp channel whose Graph API is the sandbox"
SANDBOX_PORT=$(free_port); WEB1=$(free_port); WEB2=$(free_port); HTTPS=$(free_port); HTTP=$(free_port)
SECRET=deploy-app-secret; PHONE=109876543210987; TOKEN=deploy-access-token
load_env "$WORK/chatdesk.env"
SLUG=$("$CHATDESK" workspace create "Deploy Shop")
API_TOKEN=$("$CHATDESK" token create --workspace "$SLUG")
"$CHATDESK" channel add whatsapp --workspace "$SLUG" --phone-number-id "$PHONE" --display-phone-number \
    "+1 555 000 1111" --waba-id 102938475610293 --access-token "$TOKEN" --app-secret "$SECRET" \
    --verify-token v --graph-url "http://127.0.0.1:$SANDBOX_PORT" >/dev/null

log "section 1, step 6: 2 x serve --no-worker, 2 x worker (as the units run them)"
"$CHATDESK" sandbox --port "$SANDBOX_PORT" --webhook-url "http://127.0.0.1:$WEB1/webhooks/whatsapp" \
    --app-secret "$SECRET" --phone-number-id "$PHONE" --access-token "$TOKEN" >"$WORK/sandbox.log" 2>&1 &
PIDS+=($!)
for port in "$WEB1" "$WEB2"; do
    "$CHATDESK" serve --no-worker --host 127.0.0.1 --port "$port" >"$WORK/web-$port.log" 2>&1 & PIDS+=($!)
done
for n in 1 2; do "$CHATDESK" worker >"$WORK/worker-$n.log" 2>&1 & PIDS+=($!); done

log "section 3: nginx with deploy/nginx/chatdesk.conf and a self-signed certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=support.example.com" \
    -keyout "$WORK/chatdesk.key" -out "$WORK/chatdesk.crt" 2>/dev/null
# the edits section 3 asks for: ports, certificate paths, log path; and, on nginx < 1.25.1,
# `http2 on;` deleted and `listen 443 ssl http2;` instead
sed -e "s#127.0.0.1:8001#127.0.0.1:$WEB1#; s#127.0.0.1:8002#127.0.0.1:$WEB2#" \
    -e "s#listen 80;#listen 127.0.0.1:$HTTP;#; /listen \[::\]/d" \
    -e "s#/etc/ssl/certs/chatdesk.crt#$WORK/chatdesk.crt#; s#/etc/ssl/private/chatdesk.key#$WORK/chatdesk.key#" \
    -e "s#/var/log/nginx/chatdesk.access.log#$WORK/access.log#" deploy/nginx/chatdesk.conf >"$WORK/chatdesk.conf"
if nginx -v 2>&1 | grep -qE 'nginx/1\.(1?[0-9]|2[0-4])\.|nginx/1\.25\.0'; then
    sed -i -e '/http2 on;/d' -e "s#listen 443 ssl;#listen 127.0.0.1:$HTTPS ssl http2;#" "$WORK/chatdesk.conf"
else
    sed -i -e "s#listen 443 ssl;#listen 127.0.0.1:$HTTPS ssl;#" "$WORK/chatdesk.conf"
fi
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
worker_shutdown_timeout 30s;
events {}
http { include /etc/nginx/mime.types; include $WORK/chatdesk.conf; }
EOF
nginx -t -c "$WORK/nginx.conf" -p "$WORK" 2>"$WORK/nginx-t.log"
nginx -c "$WORK/nginx.conf" -p "$WORK"

log "checks through nginx (https://127.0.0.1:$HTTPS)"
export CHECK_BASE="https://127.0.0.1:$HTTPS" CHECK_SANDBOX="http://127.0.0.1:$SANDBOX_PORT" CHECK_TOKEN="$API_TOKEN" \
    CHECK_SECRET="$SECRET" CHECK_PHONE="$PHONE" CHECK_WEBS="127.0.0.1:$WEB1 127.0.0.1:$WEB2" \
    CHECK_ACCESS_LOG="$WORK/access.log"
"$PY" scripts/deploy_check_flow.py

log "section 5: backup and restore with the documented commands"
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=chatdesk PGPASSWORD=$PW
cd "$WORK"
pg_dump -Fc -f chatdesk-$(date -u +%Y%m%dT%H%M%SZ).dump chatdesk
DUMP=$(ls "$WORK"/chatdesk-*.dump)
# the role has no CREATEDB: the superuser's variant; PGHOST stands for the default socket the doc unsets
PGHOST="$WORK/pg" runuser -u postgres -- env -u PGUSER -u PGPASSWORD createdb -O chatdesk chatdesk_restored
pg_restore -h 127.0.0.1 -p "$PG_PORT" -U chatdesk --no-owner --role=chatdesk -d chatdesk_restored \
    "$DUMP"
cd "$ROOT"
count() { psql -d "$1" -Atc "SELECT count(*) FROM messages"; }
[ "$(count chatdesk)" = "$(count chatdesk_restored)" ] || { echo "restored copy lacks messages"; exit 1; }
log "restored copy: $(count chatdesk_restored) messages, as the original"
sed -e "s#/chatdesk\$#/chatdesk_restored#" "$WORK/chatdesk.env" >"$WORK/restored.env"
echo "CHATDESK_SENDING_PAUSED=true" >>"$WORK/restored.env"
(
    load_env "$WORK/restored.env"
    "$CHATDESK" db upgrade | grep -q "already at revision"
    "$CHATDESK" worker >"$WORK/restored-worker.log" 2>&1 & pid=$!
    for _ in $(seq 50); do "$CHATDESK" sending status | grep -q PAUSED && break; sleep 0.2; done
    kill "$pid"; wait "$pid" || true
    "$CHATDESK" sending status | tee "$WORK/restored-status.out"
    grep -q "sending is PAUSED" "$WORK/restored-status.out"
)
log "passed: webhook through nginx reached both web processes' SSE clients, reply sent, backup restored paused"
