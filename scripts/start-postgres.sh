#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests (or stop one).
#
#   eval "$(scripts/start-postgres.sh)"        # start; exports TRACKER_TEST_PG and TRACKER_PG_DIR
#   scripts/start-postgres.sh stop "$TRACKER_PG_DIR"   # stop it and delete its files
#
# Installs Debian's postgresql with apt-get when no server binaries are found. The server
# runs from a fresh temporary directory on a free 127.0.0.1 port (and a unix socket in
# that directory), with durability off: it is for tests only. PostgreSQL refuses to run
# as root, so as root the server runs as the `postgres` user that the package creates.
# Only the `export` lines go to stdout; progress goes to stderr.
set -euo pipefail

log() { echo "start-postgres: $*" >&2; }

find_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
    done
    if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
        pg_config --bindir; return 0
    fi
    return 1
}

as_owner() {
    # Run a server command as the non-root owner of the data directory.
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [[ "${1:-}" == "stop" ]]; then
    dir="${2:?usage: start-postgres.sh stop DIR}"
    bindir="$(find_bindir)" || { log "no PostgreSQL binaries found"; exit 1; }
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    fi
    rm -rf -- "$dir"
    exit 0
fi

if ! bindir="$(find_bindir)"; then
    log "installing postgresql from Debian packages"
    if [[ $(id -u) -ne 0 ]]; then
        log "PostgreSQL is not installed and this is not root: install the postgresql package"
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    bindir="$(find_bindir)" || { log "postgresql installed but initdb not found"; exit 1; }
fi

if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/tracker-pg.XXXXXX")"
chmod 755 "$dir"
[[ $(id -u) -eq 0 ]] && chown postgres: "$dir"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_owner "$bindir/initdb" -D "$dir/data" -U tracker --auth=trust -E UTF8 --no-locale \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }
as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U tracker tracker >&2

log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
echo "export TRACKER_TEST_PG=postgresql://tracker@127.0.0.1:$port/tracker"
echo "export TRACKER_PG_DIR=$dir"
