# SPDX-License-Identifier: ISC
#
# host-flood.sh: a flood of idle connections against a daemon limited to
# 1024 open files (prlimit).  pagerd must go on answering /healthz and
# sending pages while 1,500 connections sit open and send nothing, and
# must not spin on accept() logging each failure (it used to log
# hundreds of thousands of lines and never answer).  Twice: with the
# default http.max_connections (the cap is reached before the file
# limit), and with a cap above the file limit, where accept() fails with
# EMFILE and pagerd pauses accepting and logs once an interval.
. "$E2E_LIB"
need curl jq python3 prlimit

FLOOD=1500
# Idle connections stay until pagerd closes them: only making room can
# let a new client in.
HTTP_TIMEOUT=10m
PAGERD_WRAPPER="prlimit --nofile=1024:1024 $PAGERD_WRAPPER"

write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = ( { id = "alice"; name = "Alice"; email = "alice@example.org"; } );
PEOPLE
write_rota primary alice
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
policies = ( { name = "default";
	stages = ( { targets = [ "rota:primary" ]; ack_within = "1h"; } ); } );
CONF
cp "$CONFIG" "$TEST_TMP/base.conf"

# flood N: open N connections that send nothing, write how many are
# established to $TEST_TMP/flood.n, hold them until $TEST_TMP/flood.stop
# exists.
start_flood() {
	rm -f "$TEST_TMP/flood.n" "$TEST_TMP/flood.stop"
	"$PYTHON" - "$PORT" "$1" "$TEST_TMP" >"$TEST_TMP/flood.log" 2>&1 <<'PY' &
import os, resource, socket, sys, time
port, n, tmp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 100
if hard != resource.RLIM_INFINITY and hard < want:
    sys.exit("the client may open %d files, %d are needed" % (hard, want))
resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks.append(s)
with open(tmp + "/flood.n.tmp", "w") as f:
    f.write("%d\n" % len(socks))
os.rename(tmp + "/flood.n.tmp", tmp + "/flood.n")
deadline = time.time() + 300
while not os.path.exists(tmp + "/flood.stop") and time.time() < deadline:
    time.sleep(0.1)
for s in socks:
    s.close()
PY
	FLOOD_PID=$!
	echo "$FLOOD_PID" >>"$TEST_TMP/.pids"
	wait_until "$E2E_WAIT" "the flood client to open $1 connections" \
	    test -s "$TEST_TMP/flood.n"
	note "flood: $(cat "$TEST_TMP/flood.n") connections opened"
}

stop_flood() {
	: >"$TEST_TMP/flood.stop"
	wait "$FLOOD_PID"
}

# The daemon's open files, from /proc.
open_files() {
	ls "/proc/$PAGERD_PID/fd" 2>/dev/null | wc -l
}

# accept_lines: how many log lines speak of accept() or of the cap.
accept_lines() {
	grep -c -i -e 'accept' -e 'max_connections' "$PAGERD_ERR"
}

flood_round() {
	local what=$1 reached=$2 conns=$3 n id healthz_ok
	start_pagerd
	start_flood "$conns"
	# The flood has reached pagerd once it says so (the cap, or accept()
	# out of files): only then is what follows "during the flood".
	wait_until 120 "$what: pagerd to log \"$reached\"" \
	    grep -q -e "$reached" "$PAGERD_ERR"
	# healthz answers during the flood, within a generous deadline
	healthz_ok=0
	curl -sf --max-time 60 "http://127.0.0.1:$PORT/healthz" \
	    >"$TEST_TMP/healthz.out" 2>"$TEST_TMP/healthz.err" && healthz_ok=1
	[ $healthz_ok = 1 ] || {
		cat "$TEST_TMP/healthz.err"
		note "pagerd log: $(wc -l <"$PAGERD_ERR") lines"
		fail "$what: /healthz did not answer within 60s during the flood"
	}
	grep -q '"status":"ok"' "$TEST_TMP/healthz.out" ||
	    fail "$what: /healthz said $(cat "$TEST_TMP/healthz.out")"
	pass "$what: /healthz answers during the flood"
	# a page still leaves: post an alert, wait for the console page
	E2E_HTTP_MAX_TIME=60 post_alert "$INT_KEY" \
	    "{\"summary\":\"flood $what\",\"priority\":\"P1\",\"dedup_key\":\"flood-$what\"}"
	expect_status 202
	id=$(json_get .id)
	wait_until 60 "$what: the page of alert #$id on the console" \
	    grep -q "console: to alice: page, stage 1: alert #$id " "$PAGERD_OUT"
	pass "$what: a page leaves during the flood"
	n=$(open_files)
	note "$what: pagerd holds $n open files"
	[ "$n" -lt 1024 ] || fail "$what: pagerd holds $n files"
	stop_flood
	n=$(accept_lines)
	note "$what: $n log line(s) about accept() or the cap"
	grep -i -e 'accept' -e 'max_connections' "$PAGERD_ERR" | head -n 5
	[ "$n" -le 20 ] || fail "$what: $n log lines about accept(); at most 20 expected"
	pass "$what: accept failures are logged a bounded number of times"
	stop_pagerd
}

# 1. The default cap (512) is reached first; the open-file limit never is.
flood_round default-cap 'as many as http.max_connections allows' "$FLOOD"
! grep -q 'Too many open files' "$PAGERD_ERR" ||
    fail "default cap: accept() ran out of files"
grep -q 'as many as http.max_connections allows' "$PAGERD_ERR" ||
    fail "default cap: the cap was not logged"
pass "the default cap keeps connections below the file limit"

# 2. A cap above the file limit: accept() fails with EMFILE; pagerd
# pauses, closes the least recently used and says so once an interval.
sed -e 's|^\(	timeout = .*\)$|\1\n	max_connections = 5000;|' \
    "$TEST_TMP/base.conf" >"$CONFIG"
grep -q 'max_connections = 5000' "$CONFIG" || fail "cannot set max_connections"
# Twice as many connections: of 1,500 started at once, the loopback's
# accept queue let as few as 860 through on a busy machine, short of the
# limit; of 3,000, enough always arrive.
flood_round emfile 'accept: Too many open files: not accepting' \
    $((2 * FLOOD))
grep -q 'http.max_connections is 5000, more than half' "$PAGERD_ERR" ||
    fail "emfile: no warning about a cap above the file limit"
grep -q 'accept: Too many open files: not accepting' "$PAGERD_ERR" ||
    fail "emfile: accept() never ran out of files (the test proves nothing)"
pass "out of files, pagerd pauses accepting and logs once an interval"
