# SPDX-License-Identifier: ISC
#
# ha-lib.sh: what the tests of several nodes on one PostgreSQL share
# (pagerd(8) POSTGRESQL, HIGH AVAILABILITY), sourced after lib.sh:
#
#   ha_pg_start [CMD]  a throwaway cluster (tests/fake/pg.sh) in
#                      TEST_TMP/pg, stopped by PID on exit after CMD (a
#                      test's own cleanup); sets pgdir, pgport, conninfo
#                      and URI (the libpq URI for store.database)
#   sql QUERY          psql on the cluster, unaligned, tuples only
#   pg_ctl ARGS        pg_ctl as the cluster's owner
#   pg_stop            stop the cluster (fast), keeping it
#   pg_start           start it again as pg.sh did, and wait until it
#                      takes connections
#   ha_node NAME       NAME's port (PORT_NAME), state folder and config
#                      TEST_TMP/NAME.conf: write_config, then the test's
#                      own ha_conf NAME FILE adds to FILE (the store, the
#                      lease, policies)
#   start_node NAME    start it (PID_NAME, OUT_NAME its console pages,
#                      ERR_NAME its log) and wait until it answers
#   role NAME          what its /healthz says: leader or standby (curl
#                      waits HA_ROLE_WAIT seconds, default 5)
#   is_role NAME ROLE
#   leader             the one node of NODES that says leader, or fails
#   has_leader         leader into LEADER
#   seen NAME N TEXT   NAME's console has TEXT at least N times
#   pages NAME         how many pages NAME's console has
#   logged NAME TEXT   NAME's log has TEXT
need curl jq python3

PG_SH=$top_srcdir/tests/fake/pg.sh
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
    skip_missing postgresql "PostgreSQL is not installed (postgresql)"
command -v psql >/dev/null 2>&1 ||
    skip_missing postgresql "psql is not installed (postgresql-client)"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
NODES=${NODES:-}

ha_pg_start() {
	HA_CLEANUP=${1:-:}
	chmod 711 "$TEST_TMP"
	pgdir=$TEST_TMP/pg
	conninfo=$(sh "$PG_SH" start "$pgdir") || fail "pg.sh start failed"
	trap 'eval "$HA_CLEANUP"; sh "$PG_SH" stop "$pgdir"' EXIT
	pgport=$(cat "$pgdir/port")
	URI="postgresql://pagerd@/pagerd?host=$pgdir&port=$pgport"
}

sql() {
	psql "$conninfo" -XAtc "$1"
}

# pg_ctl as the cluster's owner (nobody when the tests run as root)
pg_ctl() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    --reset-env -- "$PG_BIN/pg_ctl" "$@"
	else
		"$PG_BIN/pg_ctl" "$@"
	fi
}

pg_stop() {
	pg_ctl -D "$pgdir/data" -m fast -w stop >/dev/null ||
	    fail "pg_ctl stop failed"
}

# start it again as pg.sh did, and wait until it takes connections
pg_start() {
	pg_ctl -D "$pgdir/data" -l "$pgdir/server.log" -W \
	    -o "-k $pgdir -p $pgport -h 127.0.0.1 -c fsync=on" start \
	    >/dev/null || fail "pg_ctl start failed"
	wait_until 30 "PostgreSQL to take connections again" \
	    "$PG_BIN/pg_isready" -q -h "$pgdir" -p "$pgport" -t 1
}

ha_node() {
	PORT=$(free_port)
	STATE_DIR=$TEST_TMP/state-$1
	write_config "$TEST_TMP/$1.conf"
	ha_conf "$1" "$TEST_TMP/$1.conf"
	eval "PORT_$1=\$PORT"
}

start_node() {
	PORT=$(eval echo "\$PORT_$1")
	PAGERD_PID=
	start_pagerd "$TEST_TMP/$1.conf"
	eval "PID_$1=\$PAGERD_PID OUT_$1=\$PAGERD_OUT ERR_$1=\$PAGERD_ERR"
	# start_pagerd may have picked another port
	eval "PORT_$1=\$PORT"
}

role() {
	curl -sf --max-time "${HA_ROLE_WAIT:-5}" "http://127.0.0.1:$(eval echo "\$PORT_$1")/healthz" |
	    jq -r .role 2>/dev/null
}
is_role() {
	[ "$(role "$1")" = "$2" ]
}

leader() {
	local n found=
	for n in $NODES; do
		if [ "$(role "$n")" = leader ]; then
			[ -z "$found" ] || return 1
			found=$n
		fi
	done
	[ -n "$found" ] && echo "$found"
}
has_leader() {
	LEADER=$(leader)
	[ -n "$LEADER" ]
}

seen() {
	[ "$(grep -c -- "$3" "$(eval echo "\$OUT_$1")")" -ge "$2" ]
}
pages() {
	grep -c -- 'to [a-z]*: .*alert #' "$(eval echo "\$OUT_$1")"
}
logged() {
	grep -q -- "$2" "$(eval echo "\$ERR_$1")"
}
