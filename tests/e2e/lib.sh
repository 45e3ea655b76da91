# SPDX-License-Identifier: ISC
#
# lib.sh: helpers for the end-to-end tests, sourced by each script that
# harness.sh runs (". "$E2E_LIB"").  Bash.
#
#   need CMD ...              fail unless each command exists
#   skip_missing PEER WHY     a real peer (aiosmtpd, Prism, ...) is not
#                             installed: SKIP (exit 77), or fail when
#                             PAGERD_TEST_REQUIRE_PEERS=1
#   skip_host WHY             the host cannot run this test (not root):
#                             SKIP (exit 77), even when
#                             PAGERD_TEST_REQUIRE_PEERS=1
#   free_port                 print a free loopback TCP port
#   new_key                   print a fresh random key
#   sha256_hex STRING         print the SHA-256 of STRING in hex
#   make_keys                 set INT_KEY, VIEWER_KEY, RESPONDER_KEY
#   write_config [FILE]       fill tests/e2e/pagerd.conf.in into FILE
#   write_rota NAME PERSON    TEST_TMP/rota.d/NAME.conf: PERSON on call always
#                             (default $TEST_TMP/pagerd.conf) from PORT,
#                             STATE_DIR, PAGERD_USER (root), MAX_BODY,
#                             HTTP_TIMEOUT, ...
#   start_pagerd [FILE]       start "pagerd -f" and wait for /healthz
#   stop_pagerd, kill9_pagerd, reload_pagerd (SIGHUP, waits for the log)
#   http METHOD PATH [CURL-ARGS ...]   one request; sets HTTP_STATUS,
#                             HTTP_BODY, HTTP_HEADERS
#   post_alert KEY JSON       POST /api/v1/alerts (KEY "" sends no auth)
#   api_get PATH [KEY]        GET with the viewer key (or KEY)
#   expect_status CODE [WHAT], expect_json FILTER VALUE [WHAT],
#   expect_error CODE TEXT [WHAT], expect_header NAME REGEX,
#   expect_eq EXPECTED GOT WHAT, expect_match REGEX TEXT WHAT
#   load_alert_ids            every alert id, newest first, into ALERT_IDS
#   store_snapshot FILE       every alert with its audit log, as JSON
#   wait_until SECS WHAT CMD ...      poll CMD until it succeeds, or fail
#   openapi_proxy             start Prism as a validating proxy in front of
#                             the daemon, checking doc/openapi.yaml: http()
#                             then goes through it and fails on a reply that
#                             violates the document (OPENAPI_STRICT=1: on a
#                             request that does, too, unless OPENAPI_REQ
#                             says it should).  E2E_OPENAPI=1 makes
#                             start_pagerd start it for every test.
#
# Every check prints what it expected and what it got when it fails, and
# the test stops with status 1.  Waits are bounded polls, never sleeps
# that guess how fast the machine is.

set -u

if [ -z "${TEST_TMP:-}" ] || [ ! -d "$TEST_TMP" ]; then
	echo "lib.sh: TEST_TMP is not set: run this through tests/e2e/harness.sh" >&2
	exit 99
fi
: "${top_srcdir:?}" "${PAGERD:?}"

E2E_DIR=$top_srcdir/tests/e2e
# Upper bounds only: a healthy run takes a small part of them.
E2E_START_WAIT=${E2E_START_WAIT:-60}
E2E_WAIT=${E2E_WAIT:-30}
E2E_HTTP_MAX_TIME=${E2E_HTTP_MAX_TIME:-30}
PAGERD_WRAPPER=${PAGERD_WRAPPER:-}
PAGERD_N=0
PAGERD_PID=
PYTHON=${PYTHON:-/usr/bin/python3}
# Twilio's OpenAPI spec, which Prism serves: from twilio/twilio-oai, kept
# beside the source tree in ../shared/contracts (README, CONTRIBUTING).
TWILIO_SPEC=$top_srcdir/../shared/contracts/twilio_api_v2010.json
TWILIO_SPEC=${PAGERD_TWILIO_SPEC:-$TWILIO_SPEC}

note() {
	printf '# %s\n' "$*"
}

fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}

# skip_missing PEER WHY: this test needs PEER, a real program or file not
# written here, and it is missing.  On a developer's machine that is a
# SKIP; "contrib/dev test" sets PAGERD_TEST_REQUIRE_PEERS=1, where every
# peer is installed, so there a missing one is a failure.  The harness
# reads PEER from $TEST_TMP/.skipped.
skip_missing() {
	printf '%s\n' "$1" >"$TEST_TMP/.skipped"
	if [ "${PAGERD_TEST_REQUIRE_PEERS:-0}" = 1 ]; then
		printf 'FAIL: %s is missing (PAGERD_TEST_REQUIRE_PEERS=1): %s\n' \
		    "$1" "$2"
		exit 1
	fi
	printf 'SKIP: %s\n' "$2"
	exit 77
}

# skip_host WHY: this test cannot run on this host for a reason that is
# not a missing peer (it needs root, say): installing peers would not
# make it run, so it is a SKIP even under PAGERD_TEST_REQUIRE_PEERS=1.
# The harness sees $TEST_TMP/.skipped-host and lets the skip stand.
skip_host() {
	printf '%s\n' "$1" >"$TEST_TMP/.skipped-host"
	printf 'SKIP: %s\n' "$1"
	exit 77
}

pass() {
	printf 'ok: %s\n' "$*"
}

# The Debian package that has each command the tests use.
need() {
	local c pkg
	for c in "$@"; do
		if [ "$c" = python3 ]; then
			[ -x "$PYTHON" ] && continue
		elif command -v "$c" >/dev/null 2>&1; then
			continue
		fi
		case $c in
		jq) pkg=jq ;;
		curl) pkg=curl ;;
		python3) pkg=python3 ;;
		sqlite3) pkg=sqlite3 ;;
		sha256sum | od | head | mktemp) pkg=coreutils ;;
		*) pkg="(unknown)" ;;
		esac
		fail "$c is missing: install the Debian package $pkg"
	done
}
need jq curl sha256sum python3

free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

new_key() {
	printf 'e2e-%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

sha256_hex() {
	printf %s "$1" | sha256sum | cut -d' ' -f1
}

make_keys() {
	INT_KEY=$(new_key)
	VIEWER_KEY=$(new_key)
	RESPONDER_KEY=$(new_key)
}

# Settings write_config fills in; a test changes them before calling it.
PORT=
STATE_DIR=$TEST_TMP/state
PAGERD_USER=root
MAX_BODY=1048576
HTTP_TIMEOUT=30s
DEFAULT_PRIORITY=P3
DEFAULT_SERVICE=default
EXTRA_INTEGRATIONS=
CONFIG=$TEST_TMP/pagerd.conf

# Escape s for use as the replacement of a sed s||| command.
sed_escape() {
	printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g' | sed -e ':a;N;$!ba;s/\n/\\n/g'
}

# write_rota NAME PERSON: a rota with PERSON on call all the time (one
# member, weekly shifts from a Monday in Berlin), in TEST_TMP/rota.d.
write_rota() {
	mkdir -p "$TEST_TMP/rota.d"
	cat >"$TEST_TMP/rota.d/$1.conf" <<ROTA
name = "$1";
timezone = "Europe/Berlin";
layers = ( { name = "always"; start = "2026-01-05 09:00"; shift = "1w";
	members = [ "$2" ]; } );
ROTA
}

write_config() {
	local out=${1:-$CONFIG}
	[ -n "$PORT" ] || PORT=$(free_port)
	[ -n "${INT_KEY:-}" ] || make_keys
	sed -e "s|@PORT@|$PORT|g" \
	    -e "s|@STATE_DIR@|$(sed_escape "$STATE_DIR")|g" \
	    -e "s|@USER@|$(sed_escape "$PAGERD_USER")|g" \
	    -e "s|@MAX_BODY@|$MAX_BODY|g" \
	    -e "s|@HTTP_TIMEOUT@|$HTTP_TIMEOUT|g" \
	    -e "s|@DEFAULT_PRIORITY@|$DEFAULT_PRIORITY|g" \
	    -e "s|@DEFAULT_SERVICE@|$(sed_escape "$DEFAULT_SERVICE")|g" \
	    -e "s|@INT_KEY_SHA256@|$(sha256_hex "$INT_KEY")|g" \
	    -e "s|@VIEWER_KEY_SHA256@|$(sha256_hex "$VIEWER_KEY")|g" \
	    -e "s|@RESPONDER_KEY_SHA256@|$(sha256_hex "$RESPONDER_KEY")|g" \
	    -e "s|@EXTRA_INTEGRATIONS@|$(sed_escape "$EXTRA_INTEGRATIONS")|g" \
	    "$E2E_DIR/pagerd.conf.in" >"$out.tmp" || fail "cannot write $out"
	mv "$out.tmp" "$out"
}

# Poll "$@" every 0.1 s until it succeeds; fail after secs seconds.
wait_until() {
	local secs=$1 what=$2 deadline
	shift 2
	deadline=$((SECONDS + secs))
	while ! "$@"; do
		if [ $SECONDS -ge $deadline ]; then
			fail "timed out after ${secs}s waiting for $what"
		fi
		sleep 0.1
	done
}

pagerd_alive() {
	[ -n "$PAGERD_PID" ] && kill -0 "$PAGERD_PID" 2>/dev/null
}

pagerd_healthy() {
	if ! pagerd_alive; then
		return 2
	fi
	curl -sf --max-time 5 "http://127.0.0.1:$PORT/healthz" 2>/dev/null |
	    grep -q '"status":"ok"'
}

# Start pagerd -f on config file (default $CONFIG) and wait until it
# answers /healthz.  Extra arguments go to pagerd.  If the port was
# taken meanwhile (free_port can race), pick another and try again.
start_pagerd() {
	local conf=${1:-$CONFIG} tries=0 deadline rc proxy=$PROXY_PORT
	shift $(($# > 0 ? 1 : 0))
	[ -z "$PAGERD_PID" ] || ! pagerd_alive ||
	    fail "start_pagerd: pagerd $PAGERD_PID is still running"
	while :; do
		PAGERD_N=$((PAGERD_N + 1))
		PAGERD_OUT=$TEST_TMP/pagerd.$PAGERD_N.out
		PAGERD_ERR=$TEST_TMP/pagerd.$PAGERD_N.err
		# shellcheck disable=SC2086
		$PAGERD_WRAPPER "$PAGERD" -f -v -c "$conf" "$@" \
		    >"$PAGERD_OUT" 2>"$PAGERD_ERR" &
		PAGERD_PID=$!
		echo "$PAGERD_PID" >>"$TEST_TMP/.pids"
		deadline=$((SECONDS + E2E_START_WAIT))
		while :; do
			pagerd_healthy
			rc=$?
			[ $rc -eq 0 ] && break
			if [ $rc -eq 2 ] || [ $SECONDS -ge $deadline ]; then
				break
			fi
			sleep 0.1
		done
		if [ $rc -eq 0 ]; then
			note "pagerd $PAGERD_PID is up on port $PORT (log $PAGERD_ERR)"
			if [ "${E2E_OPENAPI:-0}" = 1 ] && [ -z "$proxy" ] &&
			    [ "$conf" = "$CONFIG" ]; then
				openapi_proxy
			fi
			return 0
		fi
		if [ $rc -eq 2 ] && [ $tries -lt 3 ] && [ "$conf" = "$CONFIG" ] &&
		    grep -q 'cannot listen' "$PAGERD_ERR"; then
			wait "$PAGERD_PID" 2>/dev/null
			tries=$((tries + 1))
			note "port $PORT was taken, trying another"
			PORT=$(free_port)
			write_config "$conf"
			continue
		fi
		echo "---- $PAGERD_ERR"
		cat "$PAGERD_ERR"
		if [ $rc -eq 2 ]; then
			wait "$PAGERD_PID"
			fail "pagerd exited with status $? before answering /healthz"
		fi
		fail "pagerd did not answer /healthz on port $PORT within ${E2E_START_WAIT}s"
	done
}

pagerd_gone() {
	! kill -0 "$PAGERD_PID" 2>/dev/null
}

# SIGTERM, then wait (bounded) for a clean exit with status 0.
stop_pagerd() {
	local rc
	pagerd_alive || fail "stop_pagerd: pagerd is not running"
	kill -TERM "$PAGERD_PID"
	wait_until "$E2E_WAIT" "pagerd to exit after SIGTERM" pagerd_gone
	wait "$PAGERD_PID"
	rc=$?
	[ $rc -eq 0 ] || fail "pagerd exited with status $rc after SIGTERM"
	PAGERD_PID=
}

kill9_pagerd() {
	pagerd_alive || fail "kill9_pagerd: pagerd is not running"
	kill -KILL "$PAGERD_PID"
	wait "$PAGERD_PID" 2>/dev/null
	PAGERD_PID=
}

# How many times the running daemon has logged a reload outcome.
reload_outcomes() {
	grep -c -e 'reloaded ' -e 'reload rejected' "$PAGERD_ERR"
}

# SIGHUP, then wait until the daemon logs that it took or rejected the
# file.  Sets RELOAD_RESULT to "reloaded" or "rejected".
reload_pagerd() {
	local before
	pagerd_alive || fail "reload_pagerd: pagerd is not running"
	before=$(reload_outcomes)
	kill -HUP "$PAGERD_PID"
	wait_until "$E2E_WAIT" "pagerd to log the outcome of SIGHUP" \
	    eval '[ "$(reload_outcomes)" -gt '"$before"' ]'
	if tail -n +1 "$PAGERD_ERR" | grep -e 'reloaded ' -e 'reload rejected' |
	    tail -n 1 | grep -q 'reload rejected'; then
		RELOAD_RESULT=rejected
	else
		RELOAD_RESULT=reloaded
	fi
	pagerd_alive || fail "pagerd died after SIGHUP"
}

# Prism (@stoplight/prism-cli) as a validating proxy in front of the
# daemon: peers-setup.sh installs it into the build tree.
PRISM=$top_builddir/tests/node_modules/.bin/prism
OPENAPI_DOC=${OPENAPI_DOC:-$top_srcdir/doc/openapi.yaml}
PROXY_PORT=
PROXY_PID=
# 1: a request that violates the document fails the test too, unless
# OPENAPI_REQ says it should (a regex its violations must match; reset
# after each request).  0: only replies are held to the document, since
# many tests send bad requests on purpose.
OPENAPI_STRICT=${OPENAPI_STRICT:-0}
OPENAPI_REQ=
# what each request through the proxy was: "OP STATUS" lines, OP being
# OPENAPI_OP (an operationId of the document) when set
OPENAPI_SEEN=$TEST_TMP/openapi.seen
OPENAPI_OP=

proxy_up() {
	kill -0 "$PROXY_PID" 2>/dev/null || return 2
	curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PROXY_PORT/healthz"
}

# Start Prism in front of the running daemon (PROXY_PORT may be chosen
# beforehand, e.g. for http.public_url).  Without --errors, so that a
# request that breaks the document still reaches the daemon and its
# answer is checked too: every violation comes back in the sl-violations
# header, which http() reads.
openapi_proxy() {
	local rc
	if [ ! -x "$PRISM" ]; then
		skip_missing Prism "prism is not installed: run tests/e2e/peers-setup.sh in the build folder"
	fi
	[ -f "$OPENAPI_DOC" ] || fail "$OPENAPI_DOC is missing"
	[ -n "$PROXY_PORT" ] || PROXY_PORT=$(free_port)
	"$PRISM" proxy "$OPENAPI_DOC" "http://127.0.0.1:$PORT" -h 127.0.0.1 \
	    -p "$PROXY_PORT" >>"$TEST_TMP/prism-proxy.log" 2>&1 &
	PROXY_PID=$!
	echo "$PROXY_PID" >>"$TEST_TMP/.pids"
	wait_until 90 "Prism to listen on $PROXY_PORT" eval 'proxy_up; rc=$?;
	    [ $rc -eq 2 ] && fail "Prism exited: $(tail -n 20 "$TEST_TMP/prism-proxy.log")";
	    [ $rc -eq 0 ]'
	note "Prism proxies $PROXY_PORT to pagerd on $PORT, checking $OPENAPI_DOC"
}

# The violations Prism found in the last exchange, on side (request or
# response), one JSON object a line.
openapi_violations() {
	printf '%s' "$HTTP_VIOLATIONS" |
	    jq -c --arg side "$1" '.[] | select(.location[0] == $side)'
}

# Hold the last exchange through the proxy to the document.
openapi_check() {
	local req res want=$OPENAPI_REQ
	OPENAPI_REQ=
	printf '%s %s\n' "${OPENAPI_OP:-$HTTP_WHAT}" "$HTTP_STATUS" >>"$OPENAPI_SEEN"
	HTTP_VIOLATIONS=$(printf '%s\n' "$HTTP_HEADERS" |
	    sed -n -e 's/^[Ss][Ll]-[Vv][Ii][Oo][Ll][Aa][Tt][Ii][Oo][Nn][Ss]: *//p')
	[ -n "$HTTP_VIOLATIONS" ] || HTTP_VIOLATIONS='[]'
	[ "$HTTP_VIOLATIONS" = '[]' ] || printf '%s: %s\n' "$HTTP_WHAT" \
	    "$HTTP_VIOLATIONS" >>"$TEST_TMP/openapi-violations.log"
	if ! printf '%s' "$HTTP_VIOLATIONS" | jq -e 'type == "array"' >/dev/null 2>&1
	then
		_show_reply
		fail "$HTTP_WHAT: Prism's sl-violations is not a JSON array: $HTTP_VIOLATIONS"
	fi
	# Prism's own refusals are problem+json, its body parser's (a body
	# it could not read as the JSON it claims to be) {"error": {...}}
	if printf '%s\n' "$HTTP_HEADERS" |
	    grep -qi '^content-type: *application/problem+json' ||
	    { [ -n "$HTTP_BODY" ] && printf '%s' "$HTTP_BODY" |
	    jq -e '.error | objects' >/dev/null 2>&1; }; then
		_show_reply
		fail "$HTTP_WHAT: answered by Prism, not by pagerd (see prism-proxy.log)"
	fi
	res=$(openapi_violations response)
	if [ -n "$res" ]; then
		_show_reply
		printf '  violates doc/openapi.yaml:\n%s\n' "$res"
		fail "$HTTP_WHAT: the reply ($HTTP_STATUS) does not match doc/openapi.yaml"
	fi
	req=$(openapi_violations request)
	if [ -n "$want" ]; then
		if ! printf '%s' "$req" | grep -Eq -- "$want"; then
			_show_reply
			printf '  request violations: [%s]\n' "$req"
			fail "$HTTP_WHAT: doc/openapi.yaml should refuse this request (/$want/)"
		fi
	elif [ -n "$req" ] && [ "$OPENAPI_STRICT" = 1 ]; then
		_show_reply
		printf '  violates doc/openapi.yaml:\n%s\n' "$req"
		fail "$HTTP_WHAT: the request does not match doc/openapi.yaml"
	fi
}

HTTP_STATUS=
HTTP_BODY=
HTTP_HEADERS=
HTTP_VIOLATIONS=
HTTP_N=0

# One request to the daemon: http METHOD PATH [curl arguments ...].
# Through the proxy once openapi_proxy started it (E2E_DIRECT=1: not).
http() {
	local method=$1 path=$2 bodyf hdrf port=$PORT
	shift 2
	if [ -n "$PROXY_PID" ] && [ "${E2E_DIRECT:-0}" != 1 ]; then
		port=$PROXY_PORT
	fi
	HTTP_N=$((HTTP_N + 1))
	bodyf=$TEST_TMP/http.body
	hdrf=$TEST_TMP/http.headers
	: >"$bodyf"
	: >"$hdrf"
	HTTP_STATUS=$(curl -sS -o "$bodyf" -D "$hdrf" -w '%{http_code}' \
	    --max-time "$E2E_HTTP_MAX_TIME" -X "$method" "$@" \
	    "http://127.0.0.1:$port$path" 2>"$TEST_TMP/http.curl-err")
	[ -n "$HTTP_STATUS" ] || HTTP_STATUS=000
	HTTP_BODY=$(cat "$bodyf")
	HTTP_HEADERS=$(tr -d '\r' <"$hdrf")
	HTTP_WHAT="$method $path"
	HTTP_VIOLATIONS='[]'
	if [ "$port" != "$PORT" ]; then
		openapi_check
	fi
}

# post_alert KEY JSON [curl arguments ...]; KEY "" sends no Authorization.
post_alert() {
	local key=$1 json=$2
	shift 2
	if [ -n "$key" ]; then
		set -- -H "Authorization: Bearer $key" "$@"
	fi
	printf '%s' "$json" >"$TEST_TMP/http.request"
	http POST /api/v1/alerts -H 'Content-Type: application/json' \
	    --data-binary @"$TEST_TMP/http.request" "$@"
}

# api_get PATH [KEY]: KEY defaults to the viewer token; "" sends none.
api_get() {
	local path=$1 key=${2-$VIEWER_KEY}
	if [ -n "$key" ]; then
		http GET "$path" -H "Authorization: Bearer $key"
	else
		http GET "$path"
	fi
}

_show_reply() {
	printf '  request:  %s\n  status:   %s\n  body:     %s\n' \
	    "$HTTP_WHAT" "$HTTP_STATUS" "$HTTP_BODY"
	if [ -s "$TEST_TMP/http.curl-err" ]; then
		printf '  curl:     %s\n' "$(cat "$TEST_TMP/http.curl-err")"
	fi
}

expect_eq() {
	local want=$1 got=$2 what=$3
	if [ "$want" != "$got" ]; then
		printf 'expected %s to be\n  [%s]\nbut it was\n  [%s]\n' \
		    "$what" "$want" "$got"
		fail "$what"
	fi
}

expect_match() {
	local re=$1 got=$2 what=$3
	if ! printf '%s' "$got" | grep -Eq -- "$re"; then
		printf 'expected %s to match /%s/\nbut it was\n  [%s]\n' \
		    "$what" "$re" "$got"
		fail "$what"
	fi
}

expect_status() {
	local want=$1 what=${2:-$HTTP_WHAT}
	if [ "$HTTP_STATUS" != "$want" ]; then
		printf 'expected status %s for %s, got %s\n' "$want" "$what" \
		    "$HTTP_STATUS"
		_show_reply
		fail "$what: status $HTTP_STATUS, expected $want"
	fi
}

# The value of jq FILTER on the last reply: strings bare, the rest as
# compact JSON.
json_get() {
	printf '%s' "${2-$HTTP_BODY}" | jq -rc "$1" 2>/dev/null
}

expect_json() {
	local filter=$1 want=$2 what=${3:-$HTTP_WHAT} got
	if ! printf '%s' "$HTTP_BODY" | jq -e . >/dev/null 2>&1; then
		printf 'expected a JSON body for %s\n' "$what"
		_show_reply
		fail "$what: body is not JSON"
	fi
	got=$(json_get "$filter")
	if [ "$got" != "$want" ]; then
		printf 'expected %s in the reply to %s to be\n  [%s]\nbut it was\n  [%s]\n' \
		    "$filter" "$what" "$want" "$got"
		_show_reply
		fail "$what: $filter is [$got], expected [$want]"
	fi
}

expect_header() {
	local name=$1 re=$2 line
	line=$(printf '%s\n' "$HTTP_HEADERS" | grep -i "^$name:" | head -n 1 |
	    sed -e 's/^[^:]*:[[:space:]]*//')
	if ! printf '%s' "$line" | grep -Eq -- "$re"; then
		printf 'expected header %s to match /%s/ in the reply to %s, got [%s]\n' \
		    "$name" "$re" "$HTTP_WHAT" "$line"
		printf '%s\n' "$HTTP_HEADERS"
		fail "$HTTP_WHAT: header $name"
	fi
}

# expect_error CODE TEXT [WHAT]: status CODE, a JSON object whose
# "error" is a string containing TEXT (a fixed string), served as JSON.
expect_error() {
	local code=$1 text=$2 what=${3:-$HTTP_WHAT} err
	expect_status "$code" "$what"
	expect_header Content-Type '^application/json'
	if ! err=$(printf '%s' "$HTTP_BODY" | jq -er '.error | strings' 2>/dev/null); then
		printf 'expected a JSON {"error": "..."} for %s\n' "$what"
		_show_reply
		fail "$what: no JSON error"
	fi
	case $err in
	*"$text"*) ;;
	*)
		printf 'expected the error for %s to contain\n  [%s]\nbut it was\n  [%s]\n' \
		    "$what" "$text" "$err"
		fail "$what: error message"
		;;
	esac
}

# Every alert id, newest first, following next_before across pages, into
# the array ALERT_IDS.
load_alert_ids() {
	local before= page
	ALERT_IDS=()
	while :; do
		api_get "/api/v1/alerts?limit=500${before:+&before=$before}"
		if [ "$HTTP_STATUS" != 200 ]; then
			_show_reply
			fail "listing alerts: status $HTTP_STATUS"
		fi
		mapfile -t page < <(printf '%s' "$HTTP_BODY" | jq -r '.alerts[].id')
		ALERT_IDS+=("${page[@]}")
		before=$(printf '%s' "$HTTP_BODY" | jq -r '.next_before // empty')
		[ -n "$before" ] || break
	done
}

# Every alert with its audit log, as one JSON array, into file.
store_snapshot() {
	local out=$1 id
	load_alert_ids
	: >"$out.tmp"
	for id in "${ALERT_IDS[@]}"; do
		api_get "/api/v1/alerts/$id"
		[ "$HTTP_STATUS" = 200 ] || fail "reading alert $id: status $HTTP_STATUS"
		printf '%s\n' "$HTTP_BODY" >>"$out.tmp"
	done
	jq -S -s . "$out.tmp" >"$out" || fail "store_snapshot: bad JSON"
	rm -f "$out.tmp"
}

expect_same_store() {
	local before=$1 after=$2 what=$3
	if ! cmp -s "$before" "$after"; then
		echo "the store changed: $what"
		diff -u "$before" "$after" | head -n 60
		fail "the store changed: $what"
	fi
}
