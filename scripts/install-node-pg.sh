#!/usr/bin/env bash
# Makes Debian's node-pg (the pure-JavaScript PostgreSQL client) usable without `apt-get install`.
# Where Node.js did not come from Debian's nodejs package, node-pg's dependency on `nodejs` cannot
# be met, so apt refuses it. This script downloads node-pg and the node-* packages it needs with
# `apt-get download`, unpacks them with `dpkg -x` under .run/node-pg/, and prints the NODE_PATH to use:
#   NODE_PATH=$(scripts/install-node-pg.sh) node script.js
# node-libpq is left out: it is a native addon built against Debian's libnode, used only by pg-native.
# Idempotent: does nothing when the tree is already unpacked.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.run/node-pg"
modules="$dest/root/usr/share/nodejs"

if [ -f "$dest/.complete" ] && [ -f "$modules/pg/package.json" ]; then
    echo "$modules"
    exit 0
fi

command -v node >/dev/null || { echo "install-node-pg: node is not installed" >&2; exit 1; }

if ! apt-cache show node-pg >/dev/null 2>&1; then
    apt-get update -qq >&2
fi

# The closure of node-pg's Debian dependencies that are JavaScript packages.
declare -A seen=()
queue=(node-pg)
while ((${#queue[@]})); do
    pkg=${queue[0]}
    queue=("${queue[@]:1}")
    [ -n "${seen[$pkg]:-}" ] && continue
    seen[$pkg]=1
    while read -r dep; do
        case "$dep" in
            node-libpq|node-bindings) ;;
            node-*|libjs-*) [ -z "${seen[$dep]:-}" ] && queue+=("$dep") ;;
        esac
    done < <(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
                 --no-enhances "$pkg" | sed -n 's/^ *|\{0,1\}Depends: <\{0,1\}\([^>]*\)>\{0,1\}$/\1/p')
done

rm -rf "$dest"
mkdir -p "$dest/debs"
# apt drops privileges to _apt for downloads; give it a directory it may write.
chmod 777 "$dest/debs"
(cd "$dest/debs" && apt-get download -qq "${!seen[@]}" >&2)
for deb in "$dest"/debs/*.deb; do
    dpkg -x "$deb" "$dest/root"
done
NODE_PATH="$modules" node -e "require('pg'); require('pg-protocol')" >&2
touch "$dest/.complete"
echo "$modules"
