# SPDX-License-Identifier: ISC
#
# access-log.sh: http.access_log (on by default) logs one line per
# finished request at the info level (so also without -v): client
# address, method, path, status, milliseconds.  The token of /ack/TOKEN
# and a sig= value appear cut to 6 characters, never whole, in any line
# of the log; keys never appear.  A client that goes away in the middle
# of a request, or before its answer is written, is logged as aborted.
# access_log = false, after a reload, stops the lines.
. "$E2E_LIB"
need curl jq python3

write_config
# start_pagerd passes -v, whose own line per request ("http: PATH") has
# another form: the checks below match only access log lines.
start_pagerd "$CONFIG"
log=$PAGERD_ERR

# count_lines REGEX: how many access log lines match.
count_lines() {
	grep -Ec -- "$1" "$log"
}
# wait_line REGEX WHAT: wait until an access log line matches.
wait_line() {
	wait_until "$E2E_WAIT" "$2" eval \
	    '[ "$(count_lines '"'$1'"')" -gt 0 ]'
}

http GET /healthz
expect_status 200
wait_line '^http: 127\.0\.0\.1 "GET /healthz" 200 [0-9]+ms$' \
    "the access log line of GET /healthz"
pass "GET /healthz is logged with its status and duration"

post_alert "$INT_KEY" '{"summary":"access log test","dedup_key":"al-1"}'
expect_status 202
wait_line '^http: 127\.0\.0\.1 "POST /api/v1/alerts" 202 [0-9]+ms$' \
    "the access log line of POST /api/v1/alerts"
post_alert "" '{"summary":"no key"}'
expect_status 401
wait_line '^http: 127\.0\.0\.1 "POST /api/v1/alerts" 401 [0-9]+ms$' \
    "the access log line of a refused POST"
http GET /no/such/path
wait_line '^http: 127\.0\.0\.1 "GET /no/such/path" 404 [0-9]+ms$' \
    "the access log line of a 404"
pass "alerts posted and refused are logged with their status"

# Secrets in paths: an ack token and a calendar signature.
token=1.7.1999999999.$(new_key).alice.$(new_key | tr -d '-')
sig=$(sha256_hex "$(new_key)")
http GET "/ack/$token"
ack_status=$HTTP_STATUS
http GET "/api/v1/rotas/ops.ics?sig=$sig"
feed_status=$HTTP_STATUS
wait_line "^http: 127\\.0\\.0\\.1 \"GET /ack/${token:0:6}\\.\\.\\.\" $ack_status [0-9]+ms\$" \
    "the access log line of GET /ack/TOKEN, redacted"
wait_line "^http: 127\\.0\\.0\\.1 \"GET /api/v1/rotas/ops\\.ics\\?sig=${sig:0:6}\\.\\.\\.\" $feed_status [0-9]+ms\$" \
    "the access log line of a signed feed, redacted"
for secret in "$token" "${token:6}" "$sig" "${sig:6}" "$INT_KEY" "$VIEWER_KEY"; do
	if grep -qF -- "$secret" "$log"; then
		grep -nF -- "$secret" "$log"
		fail "a secret is in the log"
	fi
done
pass "ack tokens and signatures are logged cut short, keys never"

# A client that sends half a request and goes away.
before=$(count_lines '^http: 127\.0\.0\.1 "-" aborted [0-9]+ms$')
"$PYTHON" - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
s.close()
PY
wait_until "$E2E_WAIT" "the aborted request in the access log" eval \
    '[ "$(count_lines '"'"'^http: 127\.0\.0\.1 "-" aborted [0-9]+ms$'"'"')" -gt '"$before"' ]'
# The same after a first request answered on the same connection.
before=$(count_lines '^http: 127\.0\.0\.1 "-" aborted [0-9]+ms$')
"$PYTHON" - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
got = b""
while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
    d = s.recv(4096)
    if not d:
        sys.exit("connection closed before the answer")
    got += d
s.sendall(b"POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\n")
s.close()
PY
wait_until "$E2E_WAIT" "the second, aborted request in the access log" eval \
    '[ "$(count_lines '"'"'^http: 127\.0\.0\.1 "-" aborted [0-9]+ms$'"'"')" -gt '"$before"' ]'
pass "a request cut off by its client is logged as aborted"

# A whole request whose client resets the connection at once: pagerd
# reads and dispatches it, but cannot write the answer; logged aborted
# with its method and path, from the connection's close.  (A reset that
# overtakes the request makes a "-" line instead: of 20, some are read.)
"$PYTHON" - "$PORT" "$INT_KEY" <<'PY'
import socket, struct, sys
body = b'{"summary":"reset","dedup_key":"al-reset"}'
for i in range(20):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + sys.argv[2].encode() + b"\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
PY
wait_line '^http: 127\.0\.0\.1 "POST /api/v1/alerts" aborted [0-9]+ms$' \
    "a dispatched request logged as aborted"
pass "a request whose answer could not be written is logged as aborted"

# The same for acknowledgements, answered only once on disk (from the
# sync's callback, after the handler returned): the client gone by
# then, the answer is dropped, pagerd goes on, and the acks hold.
ids=
for i in 1 2 3 4 5; do
	post_alert "$INT_KEY" "{\"summary\":\"ack reset $i\",\"dedup_key\":\"al-ack-$i\"}"
	expect_status 202
	ids="$ids $(printf '%s' "$HTTP_BODY" | jq -r .id)"
done
"$PYTHON" - "$PORT" "$RESPONDER_KEY" $ids <<'PY'
import socket, struct, sys
for i in sys.argv[3:]:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"POST /api/v1/alerts/%s/ack HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer %s\r\n"
              b"Content-Length: 0\r\n\r\n" % (i.encode(),
              sys.argv[2].encode()))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
PY
http GET /healthz
expect_status 200
# every ack the daemon read holds (a reset may overtake one unread)
acked() {
	n=0
	for i in $ids; do
		http GET "/api/v1/alerts/$i" -H "Authorization: Bearer $VIEWER_KEY"
		[ "$(printf '%s' "$HTTP_BODY" | jq -r .status)" = acknowledged ] &&
		    n=$((n + 1))
	done
	[ $n -eq "$(count_lines '^http: 127\.0\.0\.1 "POST /api/v1/alerts/[0-9]+/ack" ')" ]
}
wait_until "$E2E_WAIT" "every ack read to hold" acked
echo "access-log: $(count_lines '^http: 127\.0\.0\.1 "POST /api/v1/alerts/[0-9]+/ack" aborted ') of 5 acks read and answered to no one"
pass "an ack whose client went away before its answer holds"

# access_log = false: no more lines once reloaded.
sed -i -e 's/^http = {/http = {\n\taccess_log = false;/' "$CONFIG"
grep -q 'access_log = false' "$CONFIG" || fail "cannot set access_log"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "reload with access_log = false"
before=$(count_lines '^http: 127\.0\.0\.1 "GET /healthz" ')
http GET /healthz
expect_status 200
post_alert "$INT_KEY" '{"summary":"access log test","dedup_key":"al-2"}'
expect_status 202
# The reply of the alert is written after the line of /healthz would
# have been: by then, it would be in the log.
http GET /healthz
expect_eq "$before" "$(count_lines '^http: 127\.0\.0\.1 "GET /healthz" ')" \
    "access log lines of GET /healthz with access_log = false"
pass "access_log = false stops the lines"
stop_pagerd
exit 0
