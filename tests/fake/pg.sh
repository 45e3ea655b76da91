#!/bin/sh
# SPDX-License-Identifier: ISC
#
# pg.sh: a throwaway PostgreSQL cluster for the tests, never a system
# service.  From Debian's postgresql package (contrib/dev test installs
# it).
#
#   pg.sh start DIR   make DIR, initdb into DIR/data, start the server
#                     with its Unix socket in DIR and a free loopback
#                     port, wait (bounded) until pg_isready says it takes
#                     connections, create the database "pagerd" owned by
#                     the role "pagerd", and print its libpq connection
#                     string: host=DIR port=PORT user=pagerd dbname=pagerd
#   pg.sh stop DIR    stop it by the PID in DIR/data/postmaster.pid
#                     (fast shutdown; SIGKILL after the deadline) and wait
#                     until that process is gone
#
# A caller stops what it started in a trap:
#     conninfo=$(sh pg.sh start "$dir") || exit 1
#     trap 'sh pg.sh stop "$dir"' EXIT
#
# initdb refuses to run as root: as root, the cluster belongs to
# PG_USER (default nobody, group PG_GROUP, default nogroup) and the
# server runs as that user (setpriv); DIR's parent must let it through.
# PG_BINDIR (default: the newest /usr/lib/postgresql/*/bin) holds
# initdb, pg_ctl, pg_isready and createdb.  PG_WAIT (default 60) bounds
# each wait in seconds: an upper bound, a healthy start takes a second.
# PG_OPTS (default none) adds server options to the start, e.g.
# "-c shared_preload_libraries=pg_stat_statements" (tests/bench/ha).
set -eu

PG_WAIT=${PG_WAIT:-60}
PG_USER=${PG_USER:-nobody}
PG_GROUP=${PG_GROUP:-nogroup}

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

bindir() {
	if [ -n "${PG_BINDIR:-}" ]; then
		echo "$PG_BINDIR"
		return
	fi
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && [ -x "$d/initdb" ] ||
	    die "PostgreSQL is not installed (apt-get install postgresql)"
	echo "$d"
}

# as CMD ...: run CMD as the cluster's owner.
as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$PG_USER" --regid="$PG_GROUP" --clear-groups \
		    --reset-env -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# alive PID: is that process still there (not a zombie)?
alive() {
	[ -d "/proc/$1" ] &&
	    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

start() {
	dir=$1
	bin=$(bindir)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -e "$dir/data" ] && die "$dir/data exists: one cluster per folder"
	if [ "$(id -u)" = 0 ]; then
		chown "$PG_USER:$PG_GROUP" "$dir"
		as test -w "$dir" ||
		    die "$PG_USER cannot reach $dir (a parent folder is closed)"
	fi
	as "$bin/initdb" -D "$dir/data" -U pagerd -A trust -E UTF8 \
	    --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
	    die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
	port=$(free_port)
	# fsync stays on: the tests are about what survives.
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -W \
	    -o "-k $dir -p $port -h 127.0.0.1 -c fsync=on ${PG_OPTS:-}" start \
	    >/dev/null || die "pg_ctl start failed: $(tail -n 5 \
	    "$dir/server.log" 2>/dev/null)"
	i=0
	until "$bin/pg_isready" -q -h "$dir" -p "$port" -t 1; do
		i=$((i + 1))
		if [ "$i" -ge $((PG_WAIT * 10)) ]; then
			stop "$dir" || true
			die "not ready after ${PG_WAIT}s: $(tail -n 5 \
			    "$dir/server.log")"
		fi
		sleep 0.1
	done
	"$bin/createdb" -h "$dir" -p "$port" -U pagerd pagerd ||
	    die "createdb failed"
	echo "$port" >"$dir/port"
	echo "host=$dir port=$port user=pagerd dbname=pagerd"
}

stop() {
	dir=$1
	pidfile=$dir/data/postmaster.pid
	[ -f "$pidfile" ] || return 0
	pid=$(head -n 1 "$pidfile")
	case $pid in
	'' | *[!0-9]*) die "no PID in $pidfile" ;;
	esac
	alive "$pid" || return 0
	kill -INT "$pid" 2>/dev/null || return 0
	i=0
	while alive "$pid"; do
		i=$((i + 1))
		if [ "$i" -ge $((PG_WAIT * 10)) ]; then
			echo "pg.sh: $pid still up after ${PG_WAIT}s: SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.1
	done
}

[ $# -eq 2 ] || die "usage: pg.sh start|stop DIR"
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
*) die "usage: pg.sh start|stop DIR" ;;
esac
