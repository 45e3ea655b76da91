# SPDX-License-Identifier: ISC
#
# pg-fake.sh: tests/fake/pg.sh, the throwaway PostgreSQL cluster for the
# tests that will run pagerd on PostgreSQL (issue 15).  It starts from
# Debian's postgresql package (as an unprivileged user when the tests
# run as root, since initdb refuses root), takes connections on its Unix
# socket and on its loopback port, and stops by the PID in its
# postmaster.pid, leaving no process behind; a second stop is harmless.
. "$E2E_LIB"

PG_SH=$top_srcdir/tests/fake/pg.sh
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
    skip_missing postgresql "PostgreSQL is not installed (postgresql)"
command -v psql >/dev/null 2>&1 ||
    skip_missing postgresql "psql is not installed (postgresql-client)"

# alive PID: the process is there and not a zombie.
alive() {
	[ -d "/proc/$1" ] &&
	    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# The cluster's owner must get through to its folder.
chmod 711 "$TEST_TMP"
dir=$TEST_TMP/pg
conninfo=$(sh "$PG_SH" start "$dir") || fail "pg.sh start failed"
trap 'sh "$PG_SH" stop "$dir"' EXIT
expect_match '^host=/[^ ]+ port=[0-9]+ user=pagerd dbname=pagerd$' \
    "$conninfo" "the connection string pg.sh start prints"
pid=$(head -n 1 "$dir/data/postmaster.pid")
port=$(cat "$dir/port")
alive "$pid" || fail "no postmaster $pid after pg.sh start"
pass "the cluster is up (postmaster $pid, port $port)"

expect_eq 42 "$(psql "$conninfo" -XAtc 'SELECT 40 + 2')" \
    "a query over the Unix socket"
expect_eq pagerd "$(psql "host=127.0.0.1 port=$port user=pagerd \
    dbname=pagerd" -XAtc 'SELECT current_database()')" \
    "a query over the loopback port"
expect_eq on "$(psql "$conninfo" -XAtc 'SHOW fsync')" "fsync"
if [ "$(id -u)" = 0 ]; then
	expect_eq "$(id -u nobody)" \
	    "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" \
	    "the server's uid when the tests run as root"
fi
pass "it takes connections, with fsync on"

sh "$PG_SH" stop "$dir" || fail "pg.sh stop failed"
trap - EXIT
alive "$pid" && fail "postmaster $pid still runs after pg.sh stop"
if psql "host=127.0.0.1 port=$port user=pagerd dbname=pagerd" \
    -XAtc 'SELECT 1' >/dev/null 2>&1; then
	fail "port $port still answers after pg.sh stop"
fi
sh "$PG_SH" stop "$dir" || fail "a second pg.sh stop failed"
pass "pg.sh stop ended it, and a second stop is harmless"
