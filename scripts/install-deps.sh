#!/usr/bin/env bash
# Installs what pgcutover's build, demo, tests and benchmarks need on a fresh Debian machine that has
# Swift: PostgreSQL 15, libpg_query, PgBouncer, client drivers. Idempotent; quiet when all is there.
set -euo pipefail

need_apt=()
for pkg in postgresql-15 postgresql-client-15 postgresql-contrib libpg-query-dev pgbouncer \
           libpostgresql-jdbc-java hyperfine openssl; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
# pgjdbc's checks run as a single-file Java program (java 11+ launches source directly).
for pkg in openjdk-17-jre-headless; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
# node-pg's checks need Node.js (scripts/install-node-pg.sh unpacks node-pg itself), and the Python
# drivers need pip: images that ship their own node and python keep them; a bare Debian gets Debian's.
command -v node >/dev/null || need_apt+=(nodejs)
command -v python3 >/dev/null || need_apt+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The Debian package starts a cluster of its own on 5432; pgcutover's scripts run their own.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
    pg_ctlcluster 15 main stop 2>/dev/null || true
fi

if ! python3 -c 'import psycopg2, asyncpg, pytest, hypothesis, yaml' 2>/dev/null; then
    pip_flags=(-q --disable-pip-version-check)
    # Debian's own python3 is "externally managed" (PEP 668): pip then needs leave to install beside apt.
    if [ -n "$(python3 -c 'import sysconfig, os; p = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"); print(p if os.path.exists(p) else "")')" ]; then
        pip_flags+=(--break-system-packages)
    fi
    python3 -m pip install "${pip_flags[@]}" psycopg2-binary asyncpg pytest hypothesis pyyaml
fi
