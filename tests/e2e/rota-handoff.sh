# SPDX-License-Identifier: ISC
#
# rota-handoff.sh: when a rota's on-call set changes, the incoming
# person gets a handoff note through the outbox (here the console
# channel) listing the open alerts routed to that rota, or saying none
# are open, and an audit event (alert id 0, kind "handoff")
# names the rota, incoming and outgoing people.  The rota hands over
# every minute, so the timer fires within a minute.
. "$E2E_LIB"
. "$E2E_DIR/rota-lib.sh"

write_config
rota_fixtures
# only "fast": the fixtures' rotas hand over on their own hours, and a
# test crossing one saw their notes first
rm -f "$ROTA_DIR/web.conf" "$ROTA_DIR/db.conf" "$ROTA_DIR/mgr.conf"
cat >"$ROTA_DIR/fast.conf" <<'ROTA'
name = "fast";
timezone = "UTC";
layers = ( { name = "minutes"; start = "2026-01-05 00:00"; shift = "1m";
	members = [ "ann", "ben" ]; } );
ROTA
cat >>"$CONFIG" <<'CONF'
policies = (
	{
		name = "default";
		stages = ( { targets = [ "rota:fast" ]; ack_within = "1h"; } );
	}
);
CONF
# The first handoff must come after the alert's note: start at least
# 20 s before the minute turns (waiting for it to turn if need be).
wait_until 30 "20 s or more before the minute turns" \
    eval '[ "$(date -u +%S | sed "s/^0//")" -lt 40 ]'
start_pagerd

post_alert "$INT_KEY" '{"summary":"disk full on db1","priority":"P2","service":"db"}'
expect_status 202
ID=$(json_get .id)
api_get "/api/v1/alerts/$ID"
expect_status 200 "the alert before its note"
expect_json .status triggered
printf '{"text":"cleaning /var/log"}' >"$TEST_TMP/note.json"
http POST "/api/v1/alerts/$ID/notes" -H "Authorization: Bearer $RESPONDER_KEY" \
    -H 'Content-Type: application/json' --data-binary @"$TEST_TMP/note.json"
expect_status 200

handoffs() {
	grep -c 'console: to [a-z]*: handoff: ' "$PAGERD_OUT"
}
wait_until 75 "a handoff note" eval '[ "$(handoffs)" -ge 1 ]'
line=$(grep 'console: to [a-z]*: handoff: ' "$PAGERD_OUT" | head -n 1)
expect_match 'console: to (ann|ben): handoff: (Ann Arbor|Ben Bell), you are on call for fast until 20[0-9-]+ [0-9:]+ \+00:00$' \
    "$line" "handoff subject"
grep -A 2 'handoff: ' "$PAGERD_OUT" | head -n 3 >"$TEST_TMP/note"
cat "$TEST_TMP/note"
grep -q "    1 open alert routed to fast:" "$TEST_TMP/note" || fail "no alert count"
grep -q "#$ID P2 disk full on db1 (triggered, stage 1); last note: cleaning /var/log" \
    "$TEST_TMP/note" || fail "the note does not list alert $ID"
pass "the incoming person gets a note listing the rota's open alerts"

api_get /api/v1/rotas
detail=$(json_get '.rotas[] | select(.name == "fast") | .last_handoff.detail')
expect_eq fast "$(json_get .rota "$detail")" "handoff rota"
expect_eq "[$ID]" "$(json_get .alerts "$detail")" "handoff alerts"
in=$(json_get '.incoming[0]' "$detail")
out=$(json_get '.outgoing[0]' "$detail")
case "$in:$out" in ann:ben | ben:ann) ;; *) fail "incoming $in, outgoing $out" ;; esac
expect_match "console: to $in: handoff" "$line" "the note went to the incoming person"
# ... through the outbox: one note row (no alert) on the first rule
# that reaches the person (the console here), written before it went
# out, sent once, with its audit event.
# notes_sql QUERY: rows of the store, "|" between columns, "\n" for
# line ends inside a value.
notes_sql() {
	"$PYTHON" - "$STATE_DIR" "$1" <<'PY'
import glob, sqlite3, sys
db = sqlite3.connect(glob.glob(sys.argv[1] + "/*.db")[0])
for row in db.execute(sys.argv[2]):
    print("|".join(str(c).replace("\n", "\\n") for c in row))
PY
}
wait_until 10 "the handoff note row is sent" eval \
    '[ -n "$(notes_sql "SELECT id FROM notifications WHERE alert_id IS NULL AND state = '"'sent'"'")" ]'
rows=$(notes_sql "SELECT person, channel, state, attempt, reason FROM notifications WHERE alert_id IS NULL ORDER BY id")
expect_match "^$in\|console\|sent\|1\|handoff: (Ann Arbor|Ben Bell), you are on call for fast until " \
    "$rows" "one note row for the incoming person"
expect_eq 1 "$(printf '%s\n' "$rows" | wc -l)" "exactly one note row"
body=$(notes_sql "SELECT body FROM notifications WHERE alert_id IS NULL ORDER BY id LIMIT 1")
expect_match "#$ID P2 disk full on db1 \(triggered, stage 1\); last note: cleaning /var/log" \
    "$body" "the note row lists the open alert"
expect_match "notify.sent" "$(notes_sql "SELECT kind FROM events WHERE alert_id IS NULL AND kind = 'notify.sent'")" \
    "the note's send is audited"
pass "the handoff note goes through the outbox, once"

# The audit event, straight from the store.
"$PYTHON" - "$STATE_DIR" "$in" "$out" <<'PY' || fail "no handoff audit event"
import glob, json, sqlite3, sys
db = sqlite3.connect(glob.glob(sys.argv[1] + "/*.db")[0])
rows = db.execute("SELECT alert_id, actor, detail FROM events WHERE kind = 'handoff'").fetchall()
assert rows, "no handoff event"
alert_id, actor, detail = rows[0]
d = json.loads(detail)
assert alert_id is None, alert_id
assert d["rota"] == "fast" and d["incoming"] == [sys.argv[2]] and d["outgoing"] == [sys.argv[3]], d
print("audit:", actor, detail)
PY
pass "a handoff audit event names the rota, incoming and outgoing"

# With nothing open, the next incoming person is still told, through
# the outbox: "no open alerts".
http POST "/api/v1/alerts/$ID/resolve" -H "Authorization: Bearer $RESPONDER_KEY"
expect_status 200

# The timer is re-armed: the next minute hands back.
wait_until 75 "a second handoff" eval '[ "$(handoffs)" -ge 2 ]'
expect_match "console: to $out: handoff" \
    "$(grep 'console: to [a-z]*: handoff: ' "$PAGERD_OUT" | sed -n 2p)" "second handoff"
pass "the handoff timer is re-armed after each handoff"
wait_until 10 "the second note row is sent" eval \
    '[ "$(notes_sql "SELECT count(*) FROM notifications WHERE alert_id IS NULL AND state = '"'sent'"'")" -ge 2 ]'
expect_eq "$out|sent|no open alerts" \
    "$(notes_sql "SELECT person, state, body FROM notifications WHERE alert_id IS NULL ORDER BY id" | sed -n 2p)" \
    "a handoff with nothing open"
grep -A 1 "console: to $out: handoff: " "$PAGERD_OUT" | grep -q "^    no open alerts" ||
    fail "the console does not show the empty note"
pass "a handoff with no open alerts is still sent to the incoming person"

stop_pagerd
