# SPDX-License-Identifier: ISC
#
# harness.sh: runs one end-to-end test script.  It is the automake
# SH_LOG_COMPILER: make runs "$(SHELL) harness.sh tests/e2e/foo.sh" from
# the top of the build tree with PAGERD and top_srcdir in the environment.
#
# The script runs under bash, in a fresh temporary folder (TEST_TMP, also
# its working directory), in a session of its own, so every process it
# starts (daemons, peers, clients) can be found and killed afterwards
# even if the script forgets or dies.  Processes started through lib.sh
# are also listed in $TEST_TMP/.pids and killed first.  The script's exit
# status is passed through: 0 pass, 1 fail, 77 skip, 99 hard error;
# with PAGERD_TEST_REQUIRE_PEERS=1 (contrib/dev test) a skip is a
# failure, naming the missing peer (lib.sh's skip_missing saves it),
# unless the script said the host cannot run it (lib.sh's skip_host).
# TEST_TMP is removed after a pass or a skip and kept after a failure,
# with the tail of every log in it printed.
#
# Environment: PAGERD (the daemon; default $top_builddir/src/pagerd),
# top_srcdir, top_builddir (default: the current directory), E2E_TIMEOUT
# (seconds before a hung test is killed and failed; default 600),
# E2E_KEEP=1 keeps TEST_TMP in every case.  Exported to the script:
# top_srcdir, top_builddir, PAGERD, TEST_TMP, E2E_LIB (lib.sh's path).

if [ $# -lt 1 ]; then
	echo "usage: harness.sh test-script [args ...]" >&2
	exit 99
fi
script=$1
shift

abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}

script=$(abspath "$script")
if [ ! -r "$script" ]; then
	echo "harness: cannot read $script" >&2
	exit 99
fi
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 99
harness_dir=$(cd "$(dirname "$0")" && pwd) || exit 99
if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$harness_dir/../.." && pwd) || exit 99
fi
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 99
PAGERD=$(abspath "${PAGERD:-$top_builddir/src/pagerd}")
E2E_LIB=$harness_dir/lib.sh
export top_srcdir top_builddir PAGERD E2E_LIB

if ! command -v bash >/dev/null 2>&1 || ! command -v setsid >/dev/null 2>&1
then
	echo "harness: bash and setsid (util-linux) are needed" >&2
	exit 99
fi

name=$(basename "$script" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pagerd-e2e-$name.XXXXXX") || exit 99
export TEST_TMP
: >"$TEST_TMP/.pids"

test_pid=
watchdog_pid=

# Kill the processes lib.sh registered, then the test's whole session:
# TERM first, KILL for whatever is still there after a few seconds.
cleanup_processes() {
	pids=
	if [ -s "$TEST_TMP/.pids" ]; then
		pids=$(cat "$TEST_TMP/.pids")
	fi
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	if [ -n "$test_pid" ]; then
		kill -TERM -"$test_pid" 2>/dev/null
	fi
	i=0
	while [ $i -lt 50 ]; do
		alive=
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		if [ -n "$test_pid" ] && kill -0 -"$test_pid" 2>/dev/null; then
			alive=1
		fi
		[ -z "$alive" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$test_pid" ]; then
		kill -KILL -"$test_pid" 2>/dev/null
	fi
	if [ -n "$watchdog_pid" ]; then
		kill -TERM "$watchdog_pid" 2>/dev/null
		wait "$watchdog_pid" 2>/dev/null
		watchdog_pid=
	fi
}

# Show the end of every log the test left (a sanitizer report from its
# first line instead), then say where it is kept.
show_logs() {
	for f in "$TEST_TMP"/*.log "$TEST_TMP"/*.out "$TEST_TMP"/*.err; do
		[ -f "$f" ] || continue
		san=$(grep -n -m 1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' \
		    "$f" | cut -d: -f1)
		if [ -n "$san" ]; then
			echo "---- sanitizer report in $f"
			sed -n "${san},\$p" "$f" | grep -v '^  0x' | head -n 60
		else
			echo "---- tail of $f"
			tail -n 40 "$f"
		fi
	done
	echo "---- kept $TEST_TMP"
}

on_signal() {
	trap - HUP INT TERM
	echo "harness: interrupted, stopping $name" >&2
	cleanup_processes
	exit 99
}
trap on_signal HUP INT TERM

cd "$TEST_TMP" || exit 99
setsid -w bash "$script" "$@" </dev/null &
test_pid=$!

# A hung test is killed after E2E_TIMEOUT seconds: a bound, not a
# measurement.
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep "${E2E_TIMEOUT:-600}" &
	s=$!
	wait "$s"
	echo "harness: $name still running after ${E2E_TIMEOUT:-600}s," \
	    "killing it" >&2
	: >"$TEST_TMP/.timed-out"
	kill -TERM -"$test_pid" 2>/dev/null
	sleep 5
	kill -KILL -"$test_pid" 2>/dev/null
) &
watchdog_pid=$!

wait "$test_pid"
rc=$?
cleanup_processes
test_pid=
cd "$top_builddir" || cd /

if [ -e "$TEST_TMP/.timed-out" ]; then
	rc=99
fi
if [ "$rc" = 77 ] && [ "${PAGERD_TEST_REQUIRE_PEERS:-0}" = 1 ] &&
    [ -e "$TEST_TMP/.skipped-host" ]; then
	echo "harness: $name skipped: $(cat "$TEST_TMP/.skipped-host")" \
	    "(the host cannot run it; not a missing peer)"
elif [ "$rc" = 77 ] && [ "${PAGERD_TEST_REQUIRE_PEERS:-0}" = 1 ]; then
	peer=$(cat "$TEST_TMP/.skipped" 2>/dev/null)
	echo "harness: $name skipped, but PAGERD_TEST_REQUIRE_PEERS=1:" \
	    "${peer:-a peer (see its SKIP line)} is missing"
	rc=1
fi
case $rc in
0 | 77)
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "harness: kept $TEST_TMP"
	else
		rm -rf "$TEST_TMP"
	fi
	;;
*)
	echo "harness: $name exited with status $rc"
	show_logs
	;;
esac
exit $rc
