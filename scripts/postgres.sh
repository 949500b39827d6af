#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks.
#
#   scripts/postgres.sh start <dir> [database...]   # prints the port on stdout
#   scripts/postgres.sh stop  <dir>
#
# `start` creates a cluster in <dir>/data (trust auth, superuser `postgres`,
# UTF8, fsync off), starts it on a free port on 127.0.0.1 only (unix socket in
# <dir>/socket), waits for pg_isready, creates the given databases, writes the
# port to <dir>/port and prints it. Everything else goes to stderr, so
#   PORT=$(bash scripts/postgres.sh start "$dir" mydb)
# works. Connect with: psql -h 127.0.0.1 -p "$PORT" -U postgres <db>
#
# `stop` stops the cluster (no-op if it is not running). It does not delete <dir>.
#
# Binaries are looked up under /usr/lib/postgresql/*/bin (newest version first),
# then on PATH; override with PG_BINDIR=/path/to/bin.
# initdb refuses to run as root, so as root the server runs as the `postgres`
# system user (Debian's package creates it) or, if that is missing, as a system
# user `scritorio-pg` that is created on demand; <dir> is chowned to it.
#
# The script can also be sourced; it then only defines the functions
# scritorio_pg_start / scritorio_pg_stop (same arguments as above).

_spg_log() { printf 'postgres.sh: %s\n' "$*" >&2; }
_spg_die() { _spg_log "error: $*"; return 1; }

# Directory holding initdb/pg_ctl/pg_isready/psql.
_spg_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/initdb" ]] || { _spg_die "PG_BINDIR=$PG_BINDIR has no initdb"; return 1; }
        printf '%s\n' "$PG_BINDIR"
        return 0
    fi
    local d
    # Newest major version first (version-aware sort).
    while IFS= read -r d; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
            printf '%s\n' "$d"
            return 0
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    _spg_die "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or on PATH; install them, e.g. apt-get install -y postgresql"
}

# Client tools: prefer the ones next to initdb, fall back to PATH.
_spg_tool() {
    local bindir=$1 name=$2
    if [[ -x "$bindir/$name" ]]; then
        printf '%s\n' "$bindir/$name"
    elif command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
    else
        _spg_die "$name not found (looked in $bindir and PATH)"
    fi
}

# User the server runs as when we are root.
_spg_server_user() {
    if getent passwd postgres >/dev/null 2>&1; then
        printf 'postgres\n'
        return 0
    fi
    if ! getent passwd scritorio-pg >/dev/null 2>&1; then
        _spg_log "creating system user scritorio-pg"
        local nologin=/usr/sbin/nologin
        [[ -x $nologin ]] || nologin=/bin/false
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell "$nologin" scritorio-pg >&2 \
            || { _spg_die "could not create system user scritorio-pg"; return 1; }
    fi
    printf 'scritorio-pg\n'
}

# Run a command as the cluster owner (root: as $_SPG_USER; otherwise directly),
# from inside the cluster directory so the owner never needs access to $PWD.
_spg_as_owner() {
    local dir=$1
    shift
    if [[ $(id -u) -eq 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd "$dir" && runuser -u "$_SPG_USER" -- "$@")
        else
            local q
            q=$(printf '%q ' "$@")
            (cd "$dir" && su -s /bin/sh "$_SPG_USER" -c "$q")
        fi
    else
        (cd "$dir" && "$@")
    fi
}

_spg_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
        return 0
    fi
    local port i
    for ((i = 0; i < 100; i++)); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    _spg_die "could not find a free port"
}

scritorio_pg_start() {
    local dir=${1:-}
    [[ -n "$dir" ]] || { _spg_die "usage: postgres.sh start <dir> [database...]"; return 1; }
    shift
    local db
    for db in "$@"; do
        [[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { _spg_die "invalid database name: $db"; return 1; }
    done

    local bindir initdb pg_ctl pg_isready psql
    bindir=$(_spg_bindir) || return 1
    initdb=$bindir/initdb
    pg_ctl=$bindir/pg_ctl
    pg_isready=$(_spg_tool "$bindir" pg_isready) || return 1
    psql=$(_spg_tool "$bindir" psql) || return 1

    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    if [[ -e "$dir/data/PG_VERSION" ]]; then
        _spg_die "$dir/data already holds a cluster; use a fresh directory (or stop + delete it first)"
        return 1
    fi
    mkdir -p "$dir/socket" || return 1

    _SPG_USER=$(id -un)
    if [[ $(id -u) -eq 0 ]]; then
        _SPG_USER=$(_spg_server_user) || return 1
        chown -R "$_SPG_USER:" "$dir" || return 1
        if ! runuser -u "$_SPG_USER" -- test -w "$dir" 2>/dev/null \
            && ! su -s /bin/sh "$_SPG_USER" -c "test -w '$dir'" 2>/dev/null; then
            _spg_die "user $_SPG_USER cannot write $dir (is a parent directory private to root?); use a directory under /tmp"
            return 1
        fi
    fi

    _spg_log "initdb in $dir/data (user $_SPG_USER, $("$initdb" --version))"
    # --locale=C: independent of the caller's (possibly ungenerated) locale.
    if ! _spg_as_owner "$dir" "$initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 \
        --locale=C >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        _spg_die "initdb failed"
        return 1
    fi

    # Settings that do not depend on the port go into the config file (no
    # quoting issues with the socket path); the port is passed per attempt.
    {
        printf '\n# scritorio throwaway test cluster\n'
        printf "listen_addresses = '127.0.0.1'\n"
        printf "unix_socket_directories = '%s'\n" "${dir//\'/\'\'}/socket"
        printf 'fsync = off\n'
        printf 'full_page_writes = off\n'
        printf 'synchronous_commit = off\n'
        printf 'max_connections = 200\n'
    } >>"$dir/data/postgresql.conf" || return 1

    local port="" attempt started=""
    for attempt in 1 2 3 4 5; do
        port=$(_spg_free_port) || return 1
        if _spg_as_owner "$dir" "$pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
            -o "-p $port" start >&2; then
            started=1
            break
        fi
        _spg_log "start on port $port failed (attempt $attempt); log tail:"
        tail -n 5 "$dir/postgres.log" >&2 || true
    done
    [[ -n "$started" ]] || { _spg_die "could not start PostgreSQL (see $dir/postgres.log)"; return 1; }
    printf '%s\n' "$port" >"$dir/port"

    local i
    for ((i = 0; i < 120; i++)); do
        if "$pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
            break
        fi
        sleep 0.5
    done
    if ! "$pg_isready" -h 127.0.0.1 -p "$port" -U postgres -d postgres >&2; then
        _spg_die "server on port $port not ready (see $dir/postgres.log)"
        return 1
    fi

    for db in "$@"; do
        "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
            -c "CREATE DATABASE \"$db\"" >&2 || { _spg_die "could not create database $db"; return 1; }
    done

    _spg_log "PostgreSQL ready on 127.0.0.1:$port${1:+ (databases: $*)}"
    printf '%s\n' "$port"
}

scritorio_pg_stop() {
    local dir=${1:-}
    [[ -n "$dir" ]] || { _spg_die "usage: postgres.sh stop <dir>"; return 1; }
    [[ -d "$dir" ]] || return 0
    dir=$(cd "$dir" && pwd) || return 1
    [[ -f "$dir/data/postmaster.pid" ]] || return 0

    local bindir
    bindir=$(_spg_bindir) || return 1
    _SPG_USER=$(id -un)
    if [[ $(id -u) -eq 0 ]]; then
        _SPG_USER=$(stat -c %U "$dir/data") || return 1
    fi
    if _spg_as_owner "$dir" "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >&2; then
        return 0
    fi
    _spg_log "fast shutdown failed; trying immediate"
    _spg_as_owner "$dir" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 -s stop >&2
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    case "${1:-}" in
        start) shift; scritorio_pg_start "$@" ;;
        stop) shift; scritorio_pg_stop "$@" ;;
        *)
            echo "usage: $0 start <dir> [database...] | stop <dir>" >&2
            exit 2
            ;;
    esac
fi
