#!/usr/bin/env bash
# Runs a PostgreSQL 15 server that pgcutover owns, on loopback, for the demo, tests and benchmarks.
#   scripts/postgres.sh start [PORT]   initialise (first time) and start; prints the connection URL
#   scripts/postgres.sh stop [PORT]
#   scripts/postgres.sh status [PORT]
# The data directory is .pgdata/PORT inside the repo (ignored by git). The server has TLS on with a
# self-signed certificate made at init, SCRAM as the password hash, and three roles for tests:
# md5user (md5), scramuser (SCRAM-SHA-256), both with password 'secret'; everyone else is trusted
# on loopback. Postgres refuses to run as root, so it runs as the postgres user.
set -euo pipefail

cmd=${1:-start}
port=${2:-${PGCUTOVER_PG_PORT:-5432}}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=/usr/lib/postgresql/15/bin
data="$root/.pgdata/$port"

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# postgres must be able to reach the data directory; a clone under a private home may not allow it.
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root"; then
    data="/var/tmp/pgcutover-pgdata/$port"
fi

# The project's ports lie inside Linux's ephemeral range (32768-60999): with many client connections
# open, the kernel can hand the port out as a source port just when the server needs to bind it.
# Reserving it keeps it for the server (best effort: needs root and a writable /proc/sys).
reserve_port() {
    local file=/proc/sys/net/ipv4/ip_local_reserved_ports current
    [ -w "$file" ] || return 0
    current=$(cat "$file")
    case ",$current," in *",$port,"*) return 0 ;; esac
    echo "${current:+$current,}$port" >"$file" 2>/dev/null || true
}

case "$cmd" in
start)
    reserve_port
    if [ ! -s "$data/PG_VERSION" ]; then
        mkdir -p "$data"
        [ "$(id -u)" = 0 ] && chown postgres: "$data" "$(dirname "$data")"
        chmod 700 "$data"
        as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        as_postgres openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
            -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
            -keyout "$data/server.key" -out "$data/server.crt" 2>/dev/null
        chmod 600 "$data/server.key"
        cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 1200
shared_buffers = 256MB
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
CONF
        cat >"$data/pg_hba.conf" <<HBA
local   all  all                      trust
host    all  md5user    127.0.0.1/32  md5
host    all  scramuser  127.0.0.1/32  scram-sha-256
host    all  rejected   127.0.0.1/32  reject
host    all  all        127.0.0.1/32  trust
host    all  all        ::1/128       trust
HBA
        fresh=1
    fi
    if ! as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null
    fi
    if [ "${fresh:-0}" = 1 ]; then
        as_postgres "$bin/psql" -h "$data" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 <<SQL
SET password_encryption = 'md5';
CREATE ROLE md5user LOGIN SUPERUSER PASSWORD 'secret';
SET password_encryption = 'scram-sha-256';
CREATE ROLE scramuser LOGIN SUPERUSER PASSWORD 'secret';
CREATE ROLE rejected LOGIN;
SQL
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -s "$data/PG_VERSION" ]; then
        as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
status)
    as_postgres "$bin/pg_ctl" -D "$data" status
    ;;
datadir)
    echo "$data"
    ;;
*)
    echo "usage: $0 start|stop|status|datadir [PORT]" >&2
    exit 2
    ;;
esac
