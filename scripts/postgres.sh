#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for the ledger's tests and bench.
#
#   scripts/postgres.sh start [DIR]   install PostgreSQL if missing (Debian's package, as root), create a
#                                     cluster in DIR (default: a new temp dir), start it on a free port, print
#                                       ZUORA_MCP_TEST_POSTGRES=postgresql://zuora@127.0.0.1:PORT/zuora_mcp
#                                       ZUORA_MCP_TEST_POSTGRES_STOP='<command that stops it and removes DIR>'
#                                     (shell syntax: eval "$(scripts/postgres.sh start | sed 's/^/export /')")
#   scripts/postgres.sh stop DIR      stop the cluster (fast shutdown) and remove DIR
#   scripts/postgres.sh halt DIR      stop the cluster, keep DIR (a test of a server lost mid-run)
#   scripts/postgres.sh resume DIR    start a halted cluster again on its port
#
# Exit 3: PostgreSQL is not installed and cannot be (not root, or apt-get failed). The test fixture skips
# on that outside CI and fails in CI. Trust authentication on loopback only: nothing here outlives a test run.
set -euo pipefail
# runuser and useradd live in sbin, which a non-login root shell may not have on PATH.
PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

find_bin() {
    local dir
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    # Debian keeps the server binaries off PATH, one folder per major version; take the newest.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install_postgres() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "postgres.sh: PostgreSQL is not installed, and installing it needs root and apt-get" >&2
        exit 3
    fi
    echo "postgres.sh: installing PostgreSQL (Debian's postgresql package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }; then
        echo "postgres.sh: apt-get install postgresql failed" >&2
        exit 3
    fi
    # The package starts a system cluster on 5432; ours runs on its own port, so leave it be.
}

# Run a command as the cluster's owner: initdb and postgres refuse to run as root.
as_owner() {
    if [ "$(id -u)" != 0 ]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    else
        su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
    local bin=$1 dir=$2 port
    port=$(cat "$dir/port")
    # Sockets in the cluster's own folder: /var/run/postgresql may not exist or be writable.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start >/dev/null
}

cmd=${1:-start}
case $cmd in
start)
    bin=$(find_bin) || { install_postgres; bin=$(find_bin) || { echo "postgres.sh: no pg_ctl after install" >&2; exit 3; }; }
    # As root the cluster runs as postgres, which must reach DIR: /tmp, not a TMPDIR private to root.
    tmp=${TMPDIR:-/tmp}
    [ "$(id -u)" = 0 ] && tmp=/tmp
    dir=${2:-$(mktemp -d "$tmp/zuora-mcp-pg.XXXXXX")}
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
        chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    free_port >"$dir/port"
    as_owner "$bin/initdb" -D "$dir/data" -U zuora --auth=trust --encoding=UTF8 --no-instructions >/dev/null
    pg_start "$bin" "$dir"
    port=$(cat "$dir/port")
    createdb=$bin/createdb
    [ -x "$createdb" ] || createdb=createdb
    as_owner "$createdb" -h 127.0.0.1 -p "$port" -U zuora zuora_mcp
    echo "ZUORA_MCP_TEST_POSTGRES=postgresql://zuora@127.0.0.1:$port/zuora_mcp"
    echo "ZUORA_MCP_TEST_POSTGRES_STOP='$here/postgres.sh stop $dir'"
    ;;
stop | halt)
    dir=${2:?usage: postgres.sh $cmd DIR}
    bin=$(find_bin) || exit 0
    # stop throws the cluster away, so skip the shutdown checkpoint; halt keeps it, so shut down cleanly.
    mode=fast
    [ "$cmd" = stop ] && mode=immediate
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null || true
    fi
    if [ "$cmd" = stop ]; then
        # A cluster is about a thousand files; removing them takes seconds nobody needs to wait for.
        (rm -rf "$dir" >/dev/null 2>&1 &)
    fi
    ;;
resume)
    dir=${2:?usage: postgres.sh resume DIR}
    bin=$(find_bin) || { echo "postgres.sh: PostgreSQL is not installed" >&2; exit 3; }
    pg_start "$bin" "$dir"
    ;;
*)
    echo "usage: postgres.sh start [DIR] | stop DIR | halt DIR | resume DIR" >&2
    exit 2
    ;;
esac
