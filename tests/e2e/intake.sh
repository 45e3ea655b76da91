# SPDX-License-Identifier: ISC
#
# intake.sh: an accepted alert is answered 202 with its id, is listed,
# and reads back field by field with its audit log; the console channel
# pages it; defaults apply; filters and paging work; /healthz and
# /readyz answer; the state survives a clean restart.
. "$E2E_LIB"

write_config
start_pagerd

http GET /healthz
expect_status 200
expect_json .status ok
http GET /readyz
expect_status 200
expect_json .status ready
pass "healthz and readyz"

# An empty store lists nothing.
api_get /api/v1/alerts
expect_status 200
expect_json '.alerts | length' 0
expect_json .next_before null

# Every field, round trip.
post_alert "$INT_KEY" '{
	"summary": "disk full on db1",
	"priority": "high",
	"service": "db",
	"dedup_key": "db1-disk",
	"source": "nagios.example.org",
	"details": {"mount": "/var", "used_pct": 99.5, "tags": ["a", "b"],
	    "nested": {"x": null, "y": true}, "text": "naïve ✓"},
	"links": ["https://grafana.example.org/d/db1",
	    {"href": "http://runbook.example.org/disk", "text": "runbook"}]
}'
expect_status 202
expect_header Content-Type '^application/json'
expect_json .id 1
expect_json .dedup_key db1-disk
expect_json .status triggered
expect_json .duplicate false
expect_json 'keys' '["dedup_key","duplicate","id","status"]'
id1=1
pass "alert accepted with 202 and id 1"

api_get /api/v1/alerts/$id1
expect_status 200
expect_json .id 1
expect_json .summary "disk full on db1"
expect_json .priority P2
expect_json .service db
expect_json .dedup_key db1-disk
expect_json .source nagios.example.org
expect_json .details '{"mount":"/var","used_pct":99.5,"tags":["a","b"],"nested":{"x":null,"y":true},"text":"naïve ✓"}'
expect_json .links '["https://grafana.example.org/d/db1",{"href":"http://runbook.example.org/disk","text":"runbook"}]'
expect_json .integration e2e-integration
expect_json .status triggered
expect_json .stage 1
expect_json .count 1
expect_json .acknowledged_at null
expect_json .resolved_at null
expect_json '.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' true
# The audit log: intake's "triggered" comes first; the escalation
# engine may add its own events after it.
expect_json '.events[0].kind' triggered
expect_json '.events[0].actor' e2e-integration
# its detail names the priority and the escalation policy it started
expect_json '.events[0].detail' '{"priority":"P2","policy":"default"}'
expect_json '[.events[] | select(.kind == "policy")] | length' 0
expect_json '.events[0].at == .created_at' true
expect_json '[.events[] | select(.kind == "triggered")] | length' 1
expect_json '[.events[].id] == ([.events[].id] | sort)' true
pass "alert $id1 reads back with every field and a triggered event"

# Defaults: no priority, no service, no dedup_key.
post_alert "$INT_KEY" '{"summary": "something odd"}'
expect_status 202
expect_json .id 2
expect_json .duplicate false
expect_json '.dedup_key | test("^[0-9a-f]{32}$")' true
key2=$(json_get .dedup_key)
api_get /api/v1/alerts/2
expect_status 200
expect_json .priority P3
expect_json .service default
expect_json .dedup_key "$key2"
expect_json .source null
expect_json .details null
expect_json .links '[]'
pass "defaults: P3, service default, a generated dedup_key"

# Priority words and case.
post_alert "$INT_KEY" '{"summary": "p1 by word", "priority": "CRITICAL", "service": "web"}'
expect_status 202
expect_json .id 3
post_alert "$INT_KEY" '{"summary": "p4 by name", "priority": "p4", "service": "web"}'
expect_status 202
expect_json .id 4
api_get /api/v1/alerts/3
expect_json .priority P1
api_get /api/v1/alerts/4
expect_json .priority P4

# The list: newest first, every alert, filters, paging.
api_get /api/v1/alerts
expect_status 200
expect_json '[.alerts[].id]' '[4,3,2,1]'
expect_json .next_before null
expect_json '.alerts[3].summary' "disk full on db1"
expect_json '.alerts[3].count' 1
api_get "/api/v1/alerts?service=web"
expect_json '[.alerts[].id]' '[4,3]'
api_get "/api/v1/alerts?priority=P1"
expect_json '[.alerts[].id]' '[3]'
api_get "/api/v1/alerts?priority=high"
expect_json '[.alerts[].id]' '[1]'
api_get "/api/v1/alerts?status=triggered&service=db"
expect_json '[.alerts[].id]' '[1]'
api_get "/api/v1/alerts?status=resolved"
expect_json '.alerts' '[]'
api_get "/api/v1/alerts?limit=3"
expect_json '[.alerts[].id]' '[4,3,2]'
expect_json .next_before 2
api_get "/api/v1/alerts?limit=3&before=2"
expect_json '[.alerts[].id]' '[1]'
expect_json .next_before null
pass "list: newest first, filters by service, priority, status; pages"

# A responder token reads too.
api_get /api/v1/alerts/1 "$RESPONDER_KEY"
expect_status 200
expect_json .id 1

# Each new alert reached the console channel (the escalation engine
# decides the wording; here only that alert #N was paged).
console_has() {
	grep -q " console: .*alert #$1 " "$PAGERD_OUT"
}
for id in 1 2 3 4; do
	wait_until "$E2E_WAIT" "a console line for alert #$id" console_has $id
done
expect_match 'alert #1 \[P2\] db: disk full on db1' \
    "$(grep 'alert #1 ' "$PAGERD_OUT")" "the console line for alert 1"
pass "console channel paged each alert"

# A clean stop and start keeps everything, and ids go on.
store_snapshot "$TEST_TMP/before-restart.json"
stop_pagerd
start_pagerd
store_snapshot "$TEST_TMP/after-restart.json"
expect_same_store "$TEST_TMP/before-restart.json" "$TEST_TMP/after-restart.json" \
    "across a clean restart"
post_alert "$INT_KEY" '{"summary": "after restart"}'
expect_status 202
expect_json .id 5
http GET /readyz
expect_status 200

# The 202 is written without jansson's packer: a dedup_key that needs
# escaping (quote, backslash, non-ASCII; control characters are refused)
# comes back as it was sent, in valid JSON, and its repeat is a duplicate.
odd='"\"q\\b</x> naïve ✓ \ud83d\ude00"'	# a JSON string, and a jq one
post_alert "$INT_KEY" "{\"summary\": \"odd key\", \"dedup_key\": $odd}"
expect_status 202
expect_json .id 6
expect_json ".dedup_key == $odd" true
expect_json '.dedup_key | explode | length' 18
expect_json .duplicate false
expect_json 'keys' '["dedup_key","duplicate","id","status"]'
post_alert "$INT_KEY" "{\"summary\": \"odd key\", \"dedup_key\": $odd}"
expect_status 202
expect_json .id 6
expect_json .duplicate true
expect_json .status triggered

# A 202 is written out as soon as the alert is durable, without waiting
# for the socket to be seen writable: requests pipelined on one
# connection are each answered, in order, and the connection then takes
# one more request.
"$PYTHON" - "$PORT" "$INT_KEY" <<'PY' || fail "pipelined alerts"
import json, socket, sys
port, key = int(sys.argv[1]), sys.argv[2]
def req(n):
    body = b'{"summary":"piped %d","dedup_key":"pipe-%d"}' % (n, n)
    return (b"POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body)
s = socket.create_connection(("127.0.0.1", port), timeout=20)
def answers(n):
    data, got = b"", []
    while len(got) < n:
        chunk = s.recv(65536)
        if not chunk:
            print("FAIL: closed after %d answers: %r" % (len(got), data))
            sys.exit(1)
        data += chunk
        while b"\r\n\r\n" in data:
            head, _, rest = data.partition(b"\r\n\r\n")
            length = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                      if l.lower().startswith(b"content-length:")][0]
            if len(rest) < length:
                break
            got.append((int(head.split()[1]), json.loads(rest[:length])))
            data = rest[length:]
    return got
s.sendall(req(1) + req(2) + req(3))
got = answers(3)
s.sendall(req(4))
got += answers(1)
for i, (code, body) in enumerate(got, 1):
    if code != 202 or body["dedup_key"] != "pipe-%d" % i or body["duplicate"]:
        print("FAIL: answer %d: %d %r" % (i, code, body))
        sys.exit(1)
print("ok: 4 alerts on one connection, 3 of them pipelined, answered in order")
PY
api_get "/api/v1/alerts?service=default&limit=10"
expect_json '[.alerts[] | select(.dedup_key | startswith("pipe-"))] | length' 4
pass "pipelined alerts are each answered 202, in order"

# The 202 is written by pagerd itself (not by evhttp's printfs), and the
# connection reads on while an alert commits: the wire stays what HTTP
# asks for.  HTTP/1.1: the same headers in the same order; Connection:
# close is echoed and the connection closed after the answer; HTTP/1.0
# is answered and closed; a client that half-closes after its request
# still gets its answer; 400 pipelined requests (more than the 64 KiB
# read ahead while one commits) are all answered, in order.
"$PYTHON" - "$PORT" "$INT_KEY" <<'PY' || fail "HTTP framing of 202"
import json, re, socket, sys
port, key = int(sys.argv[1]), sys.argv[2]
n = [0]
def req(ver="1.1", extra=b""):
    n[0] += 1
    body = b'{"summary":"wire %d","dedup_key":"wire-%d"}' % (n[0], n[0])
    return (b"POST /api/v1/alerts HTTP/" + ver.encode() + b"\r\nHost: x\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\n"
            b"Content-Type: application/json\r\n" + extra +
            b"Content-Length: %d\r\n\r\n" % len(body) + body)
def talk(data, shut=False):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(data)
    if shut:
        s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return out, False
        if not chunk:
            return out, True
        out += chunk
def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)
def heads(data):
    return re.findall(rb"(HTTP/1\.[01] [^\r]*)\r\n((?:[^\r]+\r\n)*)\r\n", data)
def names(h):
    return [l.split(b":")[0] for l in h.split(b"\r\n") if l]
std = [b"Content-Type", b"Cache-Control", b"Date", b"Content-Length"]
out, closed = talk(req("1.1", b"Connection: close\r\n"))
h = heads(out)
if not closed or len(h) != 1 or h[0][0] != b"HTTP/1.1 202 Accepted" or \
    names(h[0][1]) != std + [b"Connection"] or b"Connection: close" not in h[0][1]:
    fail("Connection: close: %r (closed %s)" % (out, closed))
out, closed = talk(req("1.0"))
h = heads(out)
if not closed or len(h) != 1 or h[0][0] != b"HTTP/1.0 202 Accepted" or \
    names(h[0][1]) != std[:3]:
    fail("HTTP/1.0: %r (closed %s)" % (out, closed))
out, closed = talk(req() + req(), shut=True)
h = heads(out)
if not closed or len(h) != 2 or any(x[0] != b"HTTP/1.1 202 Accepted" or
    names(x[1]) != std for x in h):
    fail("half-closed: %r (closed %s)" % (out, closed))
first = n[0] + 1
out, closed = talk(b"".join(req() for i in range(399)) +
    req("1.1", b"Connection: close\r\n"))
keys = re.findall(rb'"dedup_key":"(wire-\d+)"', out)
if not closed or keys != [b"wire-%d" % i for i in range(first, n[0] + 1)]:
    fail("400 pipelined: %d answers (closed %s)" % (len(keys), closed))
print("ok: close, HTTP/1.0, half-close and 400 pipelined answered as HTTP asks")
PY
pass "202s keep HTTP's framing: close, HTTP/1.0, half-close, deep pipelining"
stop_pagerd
pass "clean restart keeps the store; ids continue at 5; odd keys echo back"
