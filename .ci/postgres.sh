#!/usr/bin/env bash
# Install (Debian package) and start a throw-away PostgreSQL server on 127.0.0.1, create a role and a database,
# and print the URL the PostgreSQL tests read (FAQBOT_TEST_POSTGRES_URL). Idempotent: a running server is reused.
# usage: export FAQBOT_TEST_POSTGRES_URL=$(bash .ci/postgres.sh)
set -euo pipefail
PORT=${FAQBOT_TEST_POSTGRES_PORT:-54329}
DATA=${FAQBOT_TEST_POSTGRES_DIR:-/tmp/faqbot-ci-postgres}
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql) >&2
fi
BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -s "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA" && { [ "$(id -u)" != 0 ] || chown postgres:postgres "$DATA"; }
  as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
fi
if ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DATA -c max_connections=200 -c fsync=off" \
    start >/dev/null
fi
psql() { as_postgres "$BIN/../bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
[ "$(psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'faqbot'")" = 1 ] || psql -c "CREATE ROLE faqbot LOGIN PASSWORD 'faqbot' CREATEDB"
[ "$(psql -c "SELECT 1 FROM pg_database WHERE datname = 'faqbot_test'")" = 1 ] || psql -c "CREATE DATABASE faqbot_test OWNER faqbot"
echo "postgresql://faqbot:faqbot@127.0.0.1:$PORT/faqbot_test"
