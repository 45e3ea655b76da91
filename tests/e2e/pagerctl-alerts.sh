# SPDX-License-Identifier: ISC
#
# pagerctl-alerts.sh: pagerctl alerts, show, ack, resolve, escalate, note
# and stats against a running daemon holding known alerts.  Tables are
# compared whole; show's timeline is compared with one rendered here, in
# Python, from the API's JSON; actions are checked through the API;
# --json must be the API's reply byte for byte; errors must give the
# documented exit statuses (1 error, 2 usage, 3 not found, 4 conflict).
# stats runs on a history seeded straight into the store, with figures
# worked out by hand below.  Times print in the local zone: TZ is set to
# one with a half-hour offset so a UTC slip would show.
. "$E2E_LIB"
need curl jq python3 script sqlite3
: "${PAGERCTL:=$top_builddir/src/pagerctl}"
export TZ=Asia/Kolkata

write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "ann"; name = "Ann"; email = "ann@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; }
);
PEOPLE
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
sla = {
	P1 = { response = "1h"; first_response = "2h"; resolution = "4h"; };
};
policies = (
	{
		name = "default";
		stages = (
			{ targets = [ "person:ann" ]; ack_within = "1h"; },
			{ targets = [ "person:bob" ]; ack_within = "1h"; }
		);
	}
);
CONF
start_pagerd
export PAGERD_URL=http://127.0.0.1:$PORT
export PAGERD_TOKEN=$RESPONDER_KEY

# ctl ARGS...: run pagerctl; sets CTL_RC, CTL_OUT, CTL_ERR.  Every output
# is kept, to check at the end that no key was ever printed.
CTL_N=0
ctl() {
	CTL_N=$((CTL_N + 1))
	"$PAGERCTL" "$@" >"$TEST_TMP/ctl.$CTL_N.out" 2>"$TEST_TMP/ctl.$CTL_N.err"
	CTL_RC=$?
	CTL_OUT=$(cat "$TEST_TMP/ctl.$CTL_N.out")
	CTL_ERR=$(cat "$TEST_TMP/ctl.$CTL_N.err")
}

# ctl_ok WHAT ARGS...: pagerctl must exit 0 with nothing on stderr.
ctl_ok() {
	local what=$1
	shift
	ctl "$@"
	expect_eq 0 "$CTL_RC" "$what: exit status ($CTL_ERR)"
	expect_eq "" "$CTL_ERR" "$what: stderr"
}

# ctl_fails STATUS REGEX WHAT ARGS...: exit STATUS, stderr matching REGEX.
ctl_fails() {
	local rc=$1 re=$2 what=$3
	shift 3
	ctl "$@"
	expect_eq "$rc" "$CTL_RC" "$what: exit status"
	expect_match "$re" "$CTL_ERR" "$what: message"
}

# The alerts: a P1 posted twice (count 2), a P3, and a P2 whose summary
# is long enough to be cut on a terminal.
post_alert "$INT_KEY" '{"service":"db","priority":"P1","summary":"disk full on db1","dedup_key":"disk-db1","details":{"host":"db1"}}'
expect_status 202
post_alert "$INT_KEY" '{"service":"web","priority":"P3","summary":"slow pages","dedup_key":"slow"}'
expect_status 202
# a C1 control character (CSI) is refused by the daemon itself; pagerctl's
# own filter for such text is covered by test-pagerctl-fmt
post_alert "$INT_KEY" '{"service":"ingest","priority":"P2","summary":"queue backlog \u009b31mgrowing on every worker of the ingest pipeline","dedup_key":"backlog"}'
expect_error 400 "summary must not contain control characters"
post_alert "$INT_KEY" '{"service":"ingest","priority":"P2","summary":"queue backlog [31mgrowing on every worker of the ingest pipeline","dedup_key":"backlog"}'
expect_status 202
post_alert "$INT_KEY" '{"service":"db","priority":"P1","summary":"disk full on db1","dedup_key":"disk-db1"}'
expect_status 202

# Each alert's first page has gone out (an outbox event) before tables
# are compared, so the timelines hold still: the next timer is an hour
# away.
sent_pages() {
	api_get "/api/v1/alerts/$1"
	[ "$(json_get '[.events[] | select(.kind == "notify.sent")] | length')" -ge "$2" ]
}
for id in 1 2 3; do
	wait_until "$E2E_WAIT" "the first page of alert $id" sent_pages "$id" 1
done

# 1. alerts: the whole table, newest first.  Ages are a few seconds: the
# AGE column is masked to "Ns".
mask_age() {
	sed -E '2,$ s/  ( *)[0-9]+s  /  \1Ns  /'
}
ctl_ok "alerts" alerts
expect_eq 'ID  PRI  STATUS     STAGE  AGE  COUNT  SERVICE  SUMMARY
 3  P2   triggered      1   Ns      1  ingest   queue backlog [31mgrowing on every worker of the ingest pipeline
 2  P3   triggered      1   Ns      1  web      slow pages
 1  P1   triggered      1   Ns      2  db       disk full on db1' \
    "$(printf '%s\n' "$CTL_OUT" | mask_age)" "pagerctl alerts"
ctl_ok "alerts filtered" alerts --service db --status triggered --priority P1
expect_eq 'ID  PRI  STATUS     STAGE  AGE  COUNT  SERVICE  SUMMARY
 1  P1   triggered      1   Ns      2  db       disk full on db1' \
    "$(printf '%s\n' "$CTL_OUT" | mask_age)" "pagerctl alerts --service db"
ctl_ok "alerts, none" alerts --service nope
expect_eq "no alerts" "$CTL_OUT" "pagerctl alerts with no match"
# One page: a hint on stderr that there are more.
ctl alerts --limit 2
expect_eq 0 "$CTL_RC" "alerts --limit 2"
expect_eq 3 "$(printf '%s\n' "$CTL_OUT" | wc -l)" "alerts --limit 2: rows"
expect_eq "pagerctl: there are older alerts: use --all or --limit" "$CTL_ERR" \
    "alerts --limit 2: hint"
# --all follows next_before, one alert per request here.
ctl_ok "alerts --all" alerts --all --limit 1
expect_eq '3 2 1' "$(printf '%s\n' "$CTL_OUT" | awk 'NR > 1 { print $1 }' |
    tr '\n' ' ' | sed 's/ $//')" "alerts --all --limit 1: ids"
ctl_ok "--json alerts --all" --json alerts --all --limit 1
expect_eq '[3,2,1] null' "$(printf '%s' "$CTL_OUT" |
    jq -c '[.alerts[].id], .next_before' | tr '\n' ' ' | sed 's/ $//')" \
    "--json alerts --all: joined pages"
# --json is the API's reply, byte for byte.
ctl_ok "--json alerts" --json alerts --status triggered
api_get "/api/v1/alerts?status=triggered"
expect_eq "$HTTP_BODY" "$CTL_OUT" "--json alerts is the API's reply"
pass "pagerctl alerts: table, filters, paging, --json"

# 2. On a terminal the summary is cut to its width; not otherwise.
script -qec "stty cols 60; '$PAGERCTL' alerts" /dev/null 2>&1 |
    tr -d '\r' >"$TEST_TMP/tty.out"
expect_eq 'ID  PRI  STATUS     STAGE  AGE  COUNT  SERVICE  SUMMARY
 3  P2   triggered      1   Ns      1  ingest   queue bac...
 2  P3   triggered      1   Ns      1  web      slow pages
 1  P1   triggered      1   Ns      2  db       disk full...' \
    "$(mask_age <"$TEST_TMP/tty.out")" "pagerctl alerts on a 60-column terminal"
pass "pagerctl alerts fits the terminal"

# render_show ID: what "pagerctl show ID" should print, from the API's
# JSON, with "(... ago)" as "(AGO)".
render_show() {
	api_get "/api/v1/alerts/$1"
	printf '%s' "$HTTP_BODY" >"$TEST_TMP/show.json"
	"$PYTHON" - "$TEST_TMP/show.json" <<'PY'
import datetime, json, re, sys, zoneinfo
a = json.load(open(sys.argv[1]))
tz = zoneinfo.ZoneInfo("Asia/Kolkata")
def local_ms(ms):
    return datetime.datetime.fromtimestamp(ms // 1000, tz).strftime("%Y-%m-%d %H:%M:%S")
def local(s):
    if s is None:
        return "-"
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
def clean(s):
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]", "?", re.sub(r"[\t\n\r]", " ", s))
def table(head, rows):
    w = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    out = []
    for r in [head] + rows:
        out.append("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
    return out
def value(k, v):
    if isinstance(v, str):
        return '"%s"' % v if v == "" or re.search('[ ="]', v) else v
    if isinstance(v, int) and not isinstance(v, bool) and k.endswith("_ms"):
        return local_ms(v)
    return json.dumps(v, separators=(",", ":"))
def detail(kind, d):
    if kind == "note" and isinstance(d, dict) and "text" in d:
        return d["text"]
    if d is None:
        return ""
    if not isinstance(d, dict):
        return value("", d)
    parts = []
    for k, v in d.items():
        if k == "late_ms" and "late" in d:
            continue
        name = k[:-3] if isinstance(v, int) and k.endswith("_ms") else k
        parts.append("%s=%s" % (name, value(k, v)))
    return " ".join(parts)
lines = ["alert %d: %s" % (a["id"], clean(a["summary"]))]
def line(label, v):
    lines.append(("%-16s%s" % (label, clean(v))).rstrip() if v == "" else "%-16s%s" % (label, clean(v)))
line("service", a["service"])
line("priority", a["priority"])
line("status", "%s, stage %d" % (a["status"], a["stage"]))
line("count", str(a["count"]))
line("dedup key", a["dedup_key"])
line("integration", a["integration"] or "-")
line("source", a["source"] or "-")
for label, key in [("created", "created_at"), ("updated", "updated_at"),
                   ("acknowledged", "acknowledged_at"),
                   ("first response", "first_response_at"),
                   ("resolved", "resolved_at")]:
    line(label, "-" if a[key] is None else local(a[key]) + " (AGO)")
if a["details"]:
    line("details", json.dumps(a["details"], separators=(",", ":")))
lines.append("")
def dur(ms):
    s = ms // 1000 + (ms % 1000 >= 500)
    if s < 60: return "%ds" % s
    if s < 3600: return "%dm%02ds" % (s // 60, s % 60)
    if s < 86400: return "%dh%02dm" % (s // 3600, s % 3600 // 60)
    return "%dd%02dh" % (s // 86400, s % 86400 // 3600)
def state(k, v):
    if not v["breached"]:
        return "met" if v["met"] else "open"
    for b in a["breaches"]:
        if b["clock"] == k:
            return "breached, late by " + dur(b["late_ms"]) + ("" if b["final"] else " so far")
    return "breached"
rows = []
for k, v in a["sla"].items():
    if v is None:
        rows.append([k, "-", "none"])
    else:
        rows.append([k, local(v["due_at"]), state(k, v)])
lines += table(["SLA", "DUE", "STATE"], rows)
lines.append("")
lines += table(["TIME", "ACTOR", "EVENT", "DETAIL"],
               [[local(e["at"]), e["actor"] + (" for " + e["on_behalf_of"] if e.get("on_behalf_of") else ""),
                 e["kind"], clean(detail(e["kind"], e["detail"]))]
                for e in a["events"]])
print("\n".join(lines))
PY
}

mask_ago() {
	sed -E 's/\([0-9a-z]+ ago\)/(AGO)/'
}

# 3. show: the alert, its SLA clocks and its timeline in local time.
ctl_ok "show 1" show 1
expect_eq "$(render_show 1)" "$(printf '%s\n' "$CTL_OUT" | mask_ago)" \
    "pagerctl show 1"
# Spot checks that do not go through the renderer above.
expect_match '^alert 1: disk full on db1$' "$(printf '%s\n' "$CTL_OUT" | head -n 1)" \
    "show 1: title"
expect_match '^details         \{"host":"db1"\}$' "$CTL_OUT" "show 1: details"
expect_match '^response        [0-9-]+ [0-9:]+  open$' "$CTL_OUT" "show 1: SLA"
expect_match '  engine           page         stage=1 reason=triggered target=person:ann to=ann why="named in the policy"$' \
    "$CTL_OUT" "show 1: the page in the timeline"
expect_match '  e2e-integration  duplicate    count=2 priority=P1$' \
    "$CTL_OUT" "show 1: the duplicate in the timeline"
api_get /api/v1/alerts/1
created=$(json_get .created_at)
expect_match "^created         $(TZ=Asia/Kolkata date -d "$created" '+%Y-%m-%d %H:%M:%S') \\(" \
    "$CTL_OUT" "show 1: created in local time"
ctl_ok "show 3" show 3
expect_eq "$(render_show 3)" "$(printf '%s\n' "$CTL_OUT" | mask_ago)" \
    "pagerctl show 3"
ctl_ok "--json show" --json show 1
api_get /api/v1/alerts/1
expect_eq "$HTTP_BODY" "$CTL_OUT" "--json show is the API's reply"
pass "pagerctl show"

# 4. Actions, and their effects seen through the API.
ctl_ok "ack" ack 1 --as ann
expect_eq "alert 1: acknowledged" "$CTL_OUT" "ack output"
api_get /api/v1/alerts/1
expect_json .status acknowledged
# --as names for whom the key acts; the actor is the key's own name
expect_json '[.events[] | select(.kind == "ack") | .actor] | join(",")' e2e-responder
expect_json '[.events[] | select(.kind == "ack") | .on_behalf_of] | join(",")' ann
expect_json '[.events[] | select(.kind == "ack") | .detail.on_behalf_of] | join(",")' ann
ctl_fails 4 '^pagerctl: /api/v1/alerts/1/ack: 409: alert 1 is acknowledged at stage 1$' \
    "ack twice" ack 1
ctl_ok "note" note 1 moving logs to /srv --as ann
expect_eq "alert 1: note added" "$CTL_OUT" "note output"
ctl_ok "note with a dash" note 1 -- -5% free now
api_get /api/v1/alerts/1
expect_json '[.events[] | select(.kind == "note") | "\(.actor)/\(.on_behalf_of): \(.detail.text)"] | join("|")' \
    'e2e-responder/ann: moving logs to /srv|e2e-responder/null: -5% free now'
ctl_ok "escalate" escalate 2
expect_eq "alert 2: escalated to stage 2" "$CTL_OUT" "escalate output"
api_get /api/v1/alerts/2
expect_json '.stage' 2
expect_json '[.events[] | select(.kind == "page") | .detail.to] | join(",")' ann,bob
ctl_ok "--json resolve" --json resolve 1 --as bob
expect_eq resolved "$(printf '%s' "$CTL_OUT" | jq -r .status)" "--json resolve"
api_get /api/v1/alerts/1
expect_json .status resolved
expect_json '[.events[] | select(.kind == "resolve") | "\(.actor) for \(.on_behalf_of)"] | join(",")' \
    "e2e-responder for bob"
ctl_fails 4 '409: alert 1 is resolved' "resolve twice" resolve 1
ctl_fails 4 '409: ' "note on a resolved alert" note 1 too late
ctl_ok "resolve 3" resolve 3
expect_eq "alert 3: resolved" "$CTL_OUT" "resolve output"
wait_until "$E2E_WAIT" "the notices of alert 1" sent_pages 1 3
ctl_ok "show 1 after" show 1
expect_eq "$(render_show 1)" "$(printf '%s\n' "$CTL_OUT" | mask_ago)" \
    "pagerctl show 1 after ack, notes and resolve"
expect_match '  e2e-responder for ann +note +moving logs to /srv$' "$CTL_OUT" \
    "show 1: a note is its text, by the key for ann"
expect_match '  e2e-responder for ann +ack +via=api on_behalf_of=ann$' "$CTL_OUT" \
    "show 1: the ack"
pass "pagerctl ack, note, escalate, resolve"

# 5. Errors and exit statuses.
ctl_fails 3 '^pagerctl: /api/v1/alerts/99: 404: no alert 99$' "show 99" show 99
ctl_fails 3 '404: no alert 99' "ack 99" ack 99
ctl_fails 3 '404: no alert 99' "note 99" note 99 hello
PAGERD_TOKEN=$VIEWER_KEY ctl_fails 1 \
    '403: key "e2e-viewer" may not do this \(ack, resolve, escalate and note need a responder key\)' \
    "ack with a viewer key" ack 2
PAGERD_TOKEN= ctl_fails 1 '^pagerctl: no token: set PAGERD_TOKEN or give --token-file$' \
    "no token" alerts
printf '%s\n' "$RESPONDER_KEY" >"$TEST_TMP/token"
PAGERD_TOKEN= ctl_ok "--token-file" --token-file "$TEST_TMP/token" ack 2
expect_eq "alert 2: acknowledged" "$CTL_OUT" "ack with --token-file"
PAGERD_TOKEN=wrong ctl_fails 1 '401: unknown key' "wrong key" show 1
ctl_fails 1 '400: priority must be one of P1..P4' "bad priority" alerts --priority P9
ctl_fails 1 '^pagerctl: http://127.0.0.1:[0-9]+/api/v1/alerts: ' "nobody listening" \
    -u "http://127.0.0.1:$(free_port)" alerts
ctl_fails 2 'usage: pagerctl show ID' "show without an id" show
ctl_fails 2 'usage: pagerctl show ID' "show abc" show abc
ctl_fails 2 'usage: pagerctl ack ID \[--as NAME\]' "ack 1 2" ack 1 2
ctl_fails 2 'not an alert id' "ack -1" ack -- -1
ctl_fails 2 'usage: pagerctl note ID TEXT ... \[--as NAME\]' "note without text" note 1
ctl_fails 2 'usage: pagerctl resolve' "resolve --bogus" resolve 1 --bogus
ctl_fails 2 '--limit must be a positive number' "alerts --limit 0" alerts --limit 0
ctl_fails 2 'usage: pagerctl alerts' "alerts extra" alerts extra
ctl_fails 2 'usage: pagerctl stats' "stats --bogus" stats --bogus
pass "pagerctl errors: 1, 2, 3 and 4"

# 6. stats on a seeded history in January 2027 (the alerts above are in
# another window).  a: P1 db, every goal met, stage 1; b: P1 db, every
# goal missed, reached stage 2; c: P2 web, acknowledged in time, open,
# stage 3; d: P3 web, triggered, stage 4.
stop_pagerd
sqlite3 "$STATE_DIR/pagerd.db" <<'SQL' || fail "seeding the store"
INSERT INTO alerts (id, dedup_key, service, priority, summary, integration,
    status, stage, max_stage, count, created_ms, updated_ms, acknowledged_ms,
    first_response_ms, resolved_ms, sla_response_due_ms,
    sla_first_response_due_ms, sla_resolution_due_ms, sla_breached, policy,
    stage_started_ms, stage_ack_due_ms)
VALUES
 (101, 'disk', 'db', 1, 'disk full', 'monitoring', 'resolved', 1, 1, 3,
  1798761600000, 1798765200000, 1798761840000, 1798762200000, 1798765200000,
  1798761900000, 1798762500000, 1798776000000, 0, 'default', NULL, NULL),
 (102, 'disk', 'db', 1, 'disk full', 'monitoring', 'resolved', 2, 2, 1,
  1798765200000, 1798783200000, 1798765800000, 1798766400000, 1798783200000,
  1798765500000, 1798766100000, 1798779600000, 7, 'default', NULL, NULL),
 (103, 'latency', 'web', 2, 'slow pages', 'helpdesk', 'acknowledged', 3, 3, 2,
  1798768800000, 1798769100000, 1798769100000, NULL, NULL,
  1798769700000, 1798770600000, 1798855200000, 0, 'default', 1798768800000,
  1799805600000),
 (104, 'tls', 'web', 3, 'certificate expires', 'helpdesk', 'triggered', 4, 4,
  1, 1798772400000, 1798772400000, NULL, NULL, NULL,
  1798776000000, 1798779600000, 1799031600000, 0, 'default', 1798772400000,
  1799805600000);
INSERT INTO notifications (alert_id, person, channel, address, state, due_ms,
    created_ms, updated_ms)
VALUES
 (101, 'ann', 'console', 'ann', 'sent', 1798761600000, 1798761600000, 1798761600000),
 (101, 'bob', 'console', 'bob', 'sent', 1798761600000, 1798761600000, 1798761600000),
 (101, 'ann', 'sms', '+15550001', 'failed', 1798761600000, 1798761600000, 1798761600000),
 (102, 'ann', 'sms', '+15550001', 'delivered', 1798765200000, 1798765200000, 1798765200000);
SQL
start_pagerd
export PAGERD_URL=http://127.0.0.1:$PORT

# MTTA: 4, 10 and 5 minutes; MTTR: 60 and 300 minutes.
ctl_ok "stats" stats --from 2027-01-01T00:00:00Z --to 2027-01-02T00:00:00Z
expect_eq 'window                  2027-01-01 05:30:00 to 2027-01-02 05:30:00
alerts                  4 (acknowledged 3, resolved 2)
MTTA                    mean 6m20s, median 5m00s (3 acknowledged)
MTTR                    mean 3h00m, median 3h00m (2 resolved)
breach rate             25.0%
closure rate            50.0%
reached                 stage 2 75.0%, stage 3 50.0%, stage 4 25.0%
first-stage resolution  50.0%

SLA attainment:
PRIORITY  TARGET          MET  MISSED  OPEN  ATTAINMENT
P1        response          1       1     0       50.0%
P1        first_response    1       1     0       50.0%
P1        resolution        1       1     0       50.0%
P2        response          1       0     0      100.0%
P2        first_response    0       0     1           -
P2        resolution        0       0     1           -
P3        response          0       0     1           -
P3        first_response    0       0     1           -
P3        resolution        0       0     1           -

Volume by integration:
INTEGRATION  ALERTS
helpdesk          2
monitoring        2

Volume by channel:
CHANNEL  PAGES  DELIVERED  SUCCESS
console      2          2   100.0%
sms          2          1    50.0%

Top problems:
SERVICE  DEDUP KEY  ALERTS  POSTS  SUMMARY
db       disk            2      4  disk full
web      latency         1      2  slow pages
web      tls             1      1  certificate expires' "$CTL_OUT" "pagerctl stats"
ctl_ok "stats filtered" stats --from 2027-01-01T00:00:00Z --to 2027-01-02T00:00:00Z \
    --service web --priority P3
expect_eq 'window                  2027-01-01 05:30:00 to 2027-01-02 05:30:00, service web, priority P3
alerts                  1 (acknowledged 0, resolved 0)
MTTA                    - (no acknowledged alerts)
MTTR                    - (no resolved alerts)
breach rate             0.0%
closure rate            0.0%
reached                 stage 2 100.0%, stage 3 100.0%, stage 4 100.0%
first-stage resolution  -' "$(printf '%s\n' "$CTL_OUT" | head -n 8)" \
    "pagerctl stats --service web --priority P3"
expect_match 'Volume by channel:
\(none\)' "$CTL_OUT" "stats: an empty section"
ctl_ok "--json stats" --json stats --from 2027-01-01T00:00:00Z --to 2027-01-02T00:00:00Z
api_get "/api/v1/stats?from=2027-01-01T00%3A00%3A00Z&to=2027-01-02T00%3A00%3A00Z"
expect_eq "$HTTP_BODY" "$CTL_OUT" "--json stats is the API's reply"
expect_eq '4 0.25' "$(printf '%s' "$CTL_OUT" | jq -r '"\(.alerts) \(.breach_rate)"')" \
    "--json stats parsed"
ctl_fails 1 '400: from: ' "stats with a bad time" stats --from yesterday
pass "pagerctl stats"

# 7. No key was ever printed, on stdout or stderr.
for f in "$TEST_TMP"/ctl.*.out "$TEST_TMP"/ctl.*.err "$TEST_TMP/tty.out"; do
	if grep -q -e "$RESPONDER_KEY" -e "$VIEWER_KEY" "$f"; then
		fail "a key was printed in $f"
	fi
done
pass "pagerctl never prints the key"

stop_pagerd
