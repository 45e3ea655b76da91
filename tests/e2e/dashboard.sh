# SPDX-License-Identifier: ISC
#
# dashboard.sh: GET / in a real browser.  The test seeds the store with
# a known week (42 resolved alerts, six a day, whose MTTA is n minutes
# and MTTR 10n minutes n days ago; one breached), three open alerts with
# known SLA deadlines and pages by chat, SMS and voice, posts a fourth
# alert through the API, then loads the page in headless Chromium
# (Debian's chromium) with the viewer key in the URL fragment and checks
# the numbers in the DOM it rendered: who is on call until when (and
# the rota files that are refused or have errors), the open alerts with
# stage and time left on each SLA clock (or how late, so far), the breach
# rate (2 of 46) against the 2% target, the daily MTTA/MTTR, pages by
# channel and the top problems.  Then an Events v2 alert with links,
# images and a client, after two change events of its service: the
# page shows them in its summary cell, the changes newest first.  A
# screenshot is kept for people to look at: tests/e2e/dashboard.png in
# the build tree.
. "$E2E_LIB"
need curl jq python3

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	skip_missing Chromium "$CHROMIUM is missing: install the Debian package chromium"
fi

write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "ann"; name = "Ann Arbor"; email = "ann@example.org"; },
	{ id = "cat"; name = "Cat <Cole>"; email = "cat@example.org"; }
);
PEOPLE
mkdir -p "$TEST_TMP/rota.d"
for r in primary:ann secondary:cat; do
	cat >"$TEST_TMP/rota.d/${r%%:*}.conf" <<ROTA
name = "${r%%:*}";
timezone = "Europe/Berlin";
layers = ( { name = "weekly"; start = "2026-01-05 09:00"; shift = "1w";
	members = [ "${r#*:}" ]; } );
ROTA
done
# Two rota files with problems the page must show: one the daemon
# refused, one in force with an error (its backup does not exist).
printf 'name = "broken";\ntimezone = ;\n' >"$TEST_TMP/rota.d/broken.conf"
cat >"$TEST_TMP/rota.d/tertiary.conf" <<'ROTA'
name = "tertiary";
timezone = "Europe/Berlin";
layers = ( { name = "weekly"; start = "2026-01-05 09:00"; shift = "1w";
	members = [ "ann" ]; } );
backup = "nosuch";
ROTA
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
policies = (
	{
		name = "default";
		stages = (
			{ targets = [ "rota:primary" ]; ack_within = "1h"; },
			{ targets = [ "rota:secondary" ]; }
		);
	}
);
CONF
start_pagerd
stop_pagerd # the schema now exists

# The seeded week; the expected figures go to expect.json.
"$PYTHON" - "$STATE_DIR/pagerd.db" "$TEST_TMP/expect.json" <<'PY'
import json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
NOW = int(time.time() * 1000)
MIN, HOUR, DAY = 60000, 3600000, 86400000
SQL = """INSERT INTO alerts (dedup_key, service, priority, summary,
    integration, status, stage, max_stage, count, created_ms, updated_ms,
    acknowledged_ms, first_response_ms, resolved_ms, sla_response_due_ms,
    sla_first_response_due_ms, sla_resolution_due_ms, sla_breached,
    policy, stage_started_ms, stage_ack_due_ms)
    VALUES (?,?,?,?,'e2e-integration',?,?,?,?,?,?,?,?,?,?,?,?,?,'default',?,?)"""
PROBLEM = ["disk-full"] * 3 + ["cpu-high"] * 2 + ["cert-expiry"]
SERVICE = {"disk-full": "db", "cpu-high": "web", "cert-expiry": "web"}
COUNT = {"disk-full": 1, "cpu-high": 1, "cert-expiry": 3}
def breaches(alert, bits, due, ack, note, res):
    """The breach records the engine would have written (store-breach.c):
    each clock stops at its goal (ack, first note), or at the resolution."""
    for c, (clock, met) in enumerate((("response", ack),
            ("first_response", note), ("resolution", None))):
        if bits & (1 << c):
            stop = met if met and not (res and res < met) else res
            db.execute("""INSERT INTO breaches (alert_id, clock, due_ms,
                breached_ms, stopped_ms) VALUES (?, ?, ?, ?, ?)""",
                (alert, clock, due[c], due[c], stop))
def page(alert, channel, state):
    db.execute("""INSERT INTO notifications (alert_id, person, channel,
        address, attempt, state, due_ms, created_ms, updated_ms)
        VALUES (?, 'ann', ?, 'x', 1, ?, ?, ?, ?)""",
        (alert, channel, state, NOW - DAY, NOW - DAY, NOW - DAY))
# Resolved: six a day for seven days, in the middle of each 24 h window.
for i in range(7):
    for k in range(6):
        c = NOW - i * DAY - 12 * HOUR + k * 10 * MIN
        key = PROBLEM[k]
        due = [c + 5 * MIN, c + 15 * MIN, c + 4 * HOUR]
        breached = 1 if (i, k) == (3, 0) else 0
        cur = db.execute(SQL, (key, SERVICE[key], 1, key.replace("-", " "),
            "resolved", 1, 1, COUNT[key], c, c, c + (i + 1) * MIN,
            c + (i + 1) * MIN, c + (i + 1) * 10 * MIN, due[0], due[1], due[2],
            breached, c, None))
        breaches(cur.lastrowid, breached, due, c + (i + 1) * MIN,
            c + (i + 1) * MIN, c + (i + 1) * 10 * MIN)
        page(cur.lastrowid, "chat", "delivered")
        if k < 3:
            page(cur.lastrowid, "sms", "failed" if (i, k) == (0, 0) else "delivered")
        if k == 0:
            page(cur.lastrowid, "voice", "failed" if i < 2 else "sent")
        # Calls cancelled before they went (acknowledged meanwhile): not
        # failures, counted apart.
        if k == 1 and i < 2:
            page(cur.lastrowid, "voice", "cancelled")
# Older than the week: must not count.
for i in range(3):
    c = NOW - 8 * DAY - i * HOUR
    cur = db.execute(SQL, ("old-problem", "db", 1, "old problem", "resolved",
        1, 1, 50, c, c, c + HOUR, c + HOUR, c + 2 * HOUR, c + MIN, c + MIN,
        c + MIN, 7, c, None))
    breaches(cur.lastrowid, 7, [c + MIN] * 3, c + HOUR, c + HOUR, c + 2 * HOUR)
# Open: one late on two clocks, one acknowledged, one fresh.
open_ = [
    # key, service, prio, summary, status, stage, count, created, ack, due
    ("db-down", "db", 1, "primary database down", "triggered", 2, 4,
     NOW - 2 * HOUR, None, [5 * MIN, 15 * MIN, 4 * HOUR], 3),
    ("api-latency", "web", 2, "API p99 latency over 2s", "acknowledged", 1, 2,
     NOW - 10 * MIN, NOW - 9 * MIN, [15 * MIN, 30 * MIN, DAY], 0),
    ("queue-backlog", "jobs", 3, "queue backlog growing", "triggered", 1, 1,
     NOW - 30 * MIN, None, [HOUR, 2 * HOUR, 3 * DAY], 0),
]
expect = {"now": NOW, "alerts": {}}
for key, svc, prio, summ, st, stage, count, c, ack, due, br in open_:
    d = [c + x for x in due]
    cur = db.execute(SQL, (key, svc, prio, summ, st, stage, stage, count, c,
        c, ack, None, None, d[0], d[1], d[2], br, c,
        c + HOUR if stage == 1 else None))
    breaches(cur.lastrowid, br, d, ack, None, None)
    expect["alerts"][summ] = {"priority": "P%d" % prio, "stage": stage,
        "status": st, "service": svc,
        "left": [None if (j == 0 and ack) else (d[j] - NOW) // 1000
                 for j in range(3)],
        "late": [bool(br & (1 << j)) for j in range(3)]}
db.commit()
json.dump(expect, open(sys.argv[2], "w"))
PY
start_pagerd

# A fourth open alert through the API: the engine sets its SLA clocks
# (P3 defaults: 1h, 2h, 3d).  Its summary has markup the page must show
# as text.
XSS='login errors <img src=x onerror="document.title=1"><b>spike</b>'
post_alert "$INT_KEY" "$(jq -nc --arg s "$XSS" \
    '{summary: $s, priority: "P3", service: "auth", dedup_key: "login-errors"}')"
expect_status 202
API_ID=$(json_get .id)
api_get "/api/v1/alerts/$API_ID"
expect_status 200
expect_json '.sla.response.met' false
expect_json '.sla.response.breached' false
expect_match '^20[0-9-]+T[0-9:.]+Z$' "$(json_get .sla.response.due_at)" \
    "the API alert's response deadline"
created=$(date -d "$(json_get .created_at)" +%s)
due=$(date -d "$(json_get .sla.resolution.due_at)" +%s)
expect_eq 259200 $((due - created)) "P3 resolution clock of the API alert"
pass "alerts carry their SLA clocks (due_at, met, breached)"

# Its page goes to the console; the figures below count it once sent.
console_sent() {
	api_get /api/v1/stats
	[ "$(printf '%s' "$HTTP_BODY" | jq '[.by_channel[] |
	    select(.channel == "console") | .delivered] | add // 0')" = 1 ]
}
wait_until "$E2E_WAIT" "the API alert's console page to be sent" console_sent

# The page: no key needed, holds no data, locked down by headers.
http GET /
expect_status 200
expect_header Content-Type '^text/html; charset=utf-8$'
expect_header Content-Security-Policy "^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+'; connect-src 'self';"
expect_header X-Content-Type-Options '^nosniff$'
expect_header X-Frame-Options '^DENY$'
expect_header Referrer-Policy '^no-referrer$'
expect_match '<meta name="pagerd-breach-target" content="2">' "$HTTP_BODY" \
    "the default breach target in the page"
case $HTTP_BODY in
*primary*database* | *Ann\ Arbor*) fail "the page itself holds data" ;;
esac
http POST /
expect_status 405
pass "GET / serves the page with its security headers"

api_get /api/v1/oncall
printf '%s' "$HTTP_BODY" >"$TEST_TMP/oncall.json"
api_get "/api/v1/stats"
printf '%s' "$HTTP_BODY" >"$TEST_TMP/stats.json"

# load [QUERY] OUT [MS]: the DOM Chromium rendered for /QUERY#token=...
# after MS (default 10000) ms of virtual time.
load() {
	local q=$1 out=$2 budget=${3:-10000} profile
	profile=$(mktemp -d "$TEST_TMP/chromium.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$profile" --virtual-time-budget="$budget" \
	    --dump-dom "http://127.0.0.1:$PORT/$q#token=$VIEWER_KEY" \
	    >"$out" 2>>"$TEST_TMP/chromium.err" ||
	    fail "chromium could not load the page (see chromium.err)"
	grep -q 'data-state="ready"' "$out" || {
		grep -o '<div id="error"[^<]*<' "$out"
		fail "the page did not get to data-state=ready"
	}
}

load "" "$TEST_TMP/dom.html"
"$PYTHON" - "$TEST_TMP/dom.html" "$TEST_TMP/expect.json" \
    "$TEST_TMP/oncall.json" "$TEST_TMP/stats.json" "$API_ID" 2.0 <<'PY' ||
import json, sys
from html.parser import HTMLParser

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.kids, self.text = [], ""
    def all(self):
        yield self
        for k in self.kids:
            yield from k.all()
    def find(self, pred):
        return [n for n in self.all() if pred(n)]
    def cls(self, c):
        return [n for n in self.all() if c in n.attrs.get("class", "").split()]
    def content(self):
        return "".join(n.text for n in self.all()).strip()

VOID = {"meta", "link", "br", "img", "input", "hr"}
class Tree(HTMLParser):
    def __init__(self):
        super().__init__()
        self.root = self.cur = Node("#root", {}, None)
    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n
    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent
    def handle_data(self, data):
        self.cur.text += data

t = Tree()
t.feed(open(sys.argv[1]).read())
root = t.root
exp = json.load(open(sys.argv[2]))
oncall = json.load(open(sys.argv[3]))
stats = json.load(open(sys.argv[4]))
api_id, target = sys.argv[5], sys.argv[6]
bad = []
def check(what, want, got):
    ok = want == got
    print("%-44s want %-26r got %r%s" % (what, want, got, "" if ok else "  <-- WRONG"))
    if not ok:
        bad.append(what)
def byid(i):
    n = root.find(lambda n: n.attrs.get("id") == i)
    if not n:
        sys.exit("no element #%s in the DOM" % i)
    return n[0]
def rows(i):
    return [n for n in byid(i).kids if n.tag == "tr"]
def dur(sec):
    s, sign = round(abs(sec)), "-" if sec < 0 else ""
    if s < 60: return "%s%ds" % (sign, s)
    if s < 3600: return "%s%dm %ds" % (sign, s // 60, s % 60)
    if s < 86400: return "%s%dh %dm" % (sign, s // 3600, s % 3600 // 60)
    return "%s%dd %dh" % (sign, s // 86400, s % 86400 // 3600)

# On call now, per rota, until the end of the shift.
want = {"primary": "Ann Arbor", "secondary": "Cat <Cole>",
    "tertiary": "Ann Arbor"}
ends = {r["rota"]: r["oncall"][0]["end_local"] for r in oncall["rotas"]}
got = {r.attrs["data-rota"]: r for r in rows("oncall")}
check("rotas shown", sorted(want), sorted(got))
for rota, who in want.items():
    r = got.get(rota)
    check("on call for " + rota, who, r and r.cls("who")[0].content())
    check("until, " + rota, ends[rota], r and r.cls("until")[0].content())

# Rota files with problems, under the table.
probs = [n.content() for n in byid("rota-problems").kids if n.tag == "li"]
check("rota problems", 2, len(probs))
check("a refused rota file", True, len(probs) > 0 and
      probs[0].startswith("broken.conf: not loaded: ") and
      "broken.conf:2: " in probs[0])
check("a rota in force with an error", True, len(probs) > 1 and
      probs[1].startswith("tertiary: 1 error, first: ") and
      probs[1].endswith('tertiary.conf:5: backup rota "nosuch" not found'))

# Open alerts: stage, status and time left on each clock, and what
# stops each clock (the first note stops first response, not the ack).
check("open alert count", "4", byid("open-count").content())
stops = byid("clock-stops").content()
for what in ("Response, the acknowledgement",
             "First response, the first note",
             "Resolution, the resolution"):
    check("what stops each clock: " + what, True,
          what in " ".join(stops.split()))
alerts = {}
for r in rows("alerts"):
    cells = [c for c in r.kids if c.tag == "td"]
    alerts[cells[3].content()] = (r, cells)
xss = 'login errors <img src=x onerror="document.title=1"><b>spike</b>'
check("markup in a summary shown as text", True, xss in alerts)
check("no element made from API data", [], [n.tag for n in byid("alerts").all()
      if n.tag in ("img", "b")])
check("order: P1 first", "primary database down",
      rows("alerts")[0].kids[3].content())
for summ, e in exp["alerts"].items():
    r, cells = alerts[summ]
    check(summ + ": priority", e["priority"], cells[1].content())
    check(summ + ": status", e["status"], cells[4].content())
    check(summ + ": stage", str(e["stage"]), cells[5].content())
    for j, clock in enumerate(("response", "first_response", "resolution")):
        td = cells[6 + j]
        check(summ + ": clock " + clock, clock, td.attrs.get("data-clock"))
        if e["left"][j] is None:
            check(summ + ": " + clock, "met", td.content())
            continue
        if e["late"][j]:
            # breached, unanswered: late so far, by the time since the
            # deadline (the page loaded a little after the seed)
            late = int(td.attrs.get("data-late-seconds", "nan"))
            ok = -e["left"][j] <= late <= -e["left"][j] + 300
            check(summ + ": " + clock + " late within 5 min", True, ok)
            check(summ + ": " + clock + " text", "late " + dur(late) + " so far",
                  td.content())
            check(summ + ": " + clock + " final", "false", td.attrs.get("data-final"))
            check(summ + ": " + clock + " highlighted", True,
                  "late" in td.attrs.get("class", ""))
            continue
        if clock == "first_response":
            check(summ + ": how to stop the first-response clock", True,
                  "pagerctl note " in td.attrs.get("title", ""))
        left = int(td.attrs.get("data-left-seconds", "nan"))
        # the page loaded a little after the seed: less time is left
        ok = e["left"][j] - 300 <= left <= e["left"][j]
        check(summ + ": " + clock + " left within 5 min", True, ok)
        check(summ + ": " + clock + " text", dur(left), td.content())
        late = "late" in td.attrs.get("class", "")
        check(summ + ": " + clock + " highlighted", e["late"][j] or left < 0, late)
        check(summ + ": " + clock + " negative", e["late"][j], td.content().startswith("-"))
r, cells = alerts[xss]
check("API alert id", api_id, r.attrs.get("data-alert-id"))
left = int(cells[6].attrs.get("data-left-seconds", "nan"))
check("API alert response left in (55m, 1h]", True, 3300 <= left <= 3600)

# Breach rate: 1 of 42 resolved + the late open one, of 46 in the week.
check("breach rate", "4.3%", byid("breach-rate").content())
check("breach target", target + "%", byid("breach-target").content())
check("breach status", "over target" if float(target) < 4.3 else "within target",
      byid("breach-status").content())
check("breach detail", "2 of 46 alerts breached an SLA clock",
      byid("breach-detail").content())
# How late, per clock: the resolved one's response breach is final, the
# open one's two breaches still run.
lat = {n.attrs["data-clock"]: (n.attrs.get("data-count"), n.attrs.get("data-final"))
       for n in byid("breach-lateness").kids if n.tag == "li"}
check("breach lateness", {"response": ("2", "1"), "first_response": ("1", "0")}, lat)

# MTTA n minutes and MTTR 10n minutes, n days ago (n = 1 for the last 24 h,
# whose acknowledged open alert took a minute too).
tr = {int(r.attrs["data-day"]): r for r in rows("trend")}
check("trend days", list(range(7)), sorted(tr))
for i in range(7):
    r = tr[i]
    check("day %d alerts" % i, str(10 if i == 0 else 6), r.cls("alerts")[0].content())
    check("day %d MTTA" % i, dur((i + 1) * 60), r.cls("mtta")[0].content())
    check("day %d MTTR" % i, dur((i + 1) * 600), r.cls("mttr")[0].content())

# Pages by channel: the seeded ones exactly; the engine's own pages for
# the open alerts (if any) as the API reports them.
ch = {r.attrs["data-channel"]: (r.cls("pages")[0].content(),
      r.cls("delivered")[0].content()) for r in rows("channels")}
want = {"chat": ("42", "100.0%"), "sms": ("21", "95.2%"),
        "voice": ("7", "71.4% (2 cancelled, acknowledged before sending)")}
for c in stats["by_channel"]:
    if c["channel"] not in want:
        want[c["channel"]] = (str(c["pages"]), "%.1f%%" % (100 * c["success_rate"]))
check("pages by channel", want, ch)
voice = [c for c in stats["by_channel"] if c["channel"] == "voice"][0]
check("voice in the API", (7, 5, 2, 2, 0), (voice["pages"], voice["delivered"],
      voice["failed"], voice["cancelled"], voice["waiting"]))

# Top problems: by posts, then alerts.
top = [(r.kids[1].content(), r.cls("key")[0].content(),
        r.cls("alerts")[0].content(), r.cls("posts")[0].content())
       for r in rows("top")]
check("top problems", [("db", "disk-full", "21", "21"),
    ("web", "cert-expiry", "7", "21"), ("web", "cpu-high", "14", "14"),
    ("db", "db-down", "1", "4"), ("web", "api-latency", "1", "2")], top)
if bad:
    sys.exit("the dashboard shows wrong figures: " + ", ".join(bad))
PY
    fail "the dashboard shows wrong figures"
pass "the dashboard shows on-call, open alerts with SLA time left, breach rate, MTTA/MTTR, channels and top problems"

# What a trigger attached, and what changed before it, next to the alert.
for c in '{"summary":"Deploy web v1.41","source":"ci"},"links":[{"href":"https://ci.example/41"}]' \
    '{"summary":"Flip flag <new-login>"}'; do
	printf '%s' '{"routing_key":"'"$INT_KEY"'","payload":'"$c"'}' >"$TEST_TMP/change.json"
	http POST /v2/change/enqueue -H 'Content-Type: application/json' \
	    --data-binary @"$TEST_TMP/change.json"
	expect_status 202
done
printf '%s' '{"routing_key":"'"$INT_KEY"'","event_action":"trigger","dedup_key":"ctx","payload":{"summary":"p99 latency 2 s","source":"web1","severity":"warning"},"links":[{"href":"https://runbook.example/web","text":"runbook"},{"href":"https://logs.example/q?a=1&b=2"}],"images":[{"src":"https://grafana.example/p99.png","href":"https://grafana.example/d/p99","alt":"p99"}],"client":"Grafana","client_url":"https://grafana.example/"}' >"$TEST_TMP/trigger.json"
http POST /v2/enqueue -H 'Content-Type: application/json' \
    --data-binary @"$TEST_TMP/trigger.json"
expect_status 202
CTX_ID=$(jq -r --arg s "p99 latency 2 s" '.alerts[] | select(.summary == $s) | .id' \
    < <(api_get "/api/v1/alerts?status=triggered"; printf '%s' "$HTTP_BODY"))
[ -n "$CTX_ID" ] || fail "the Events v2 alert is not listed"
load "" "$TEST_TMP/dom-ctx.html"
"$PYTHON" - "$TEST_TMP/dom-ctx.html" "$CTX_ID" <<'PY' ||
import sys
from html.parser import HTMLParser

nodes = []
class Tree(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
    def handle_starttag(self, tag, attrs):
        n = {"tag": tag, "attrs": dict(attrs), "text": "", "kids": []}
        if self.stack:
            self.stack[-1]["kids"].append(n)
        nodes.append(n)
        if tag not in ("meta", "link", "br", "img", "input", "hr"):
            self.stack.append(n)
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()["tag"] != tag:
            pass
    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["text"] += data
def walk(n):
    yield n
    for k in n["kids"]:
        yield from walk(k)
def text(n):
    return "".join(x["text"] for x in walk(n)).strip()
def cls(n, c):
    return [x for x in walk(n) if c in x["attrs"].get("class", "").split()]
Tree().feed(open(sys.argv[1]).read())
bad = []
def check(what, want, got):
    if want != got:
        bad.append("%s: want %r, got %r" % (what, want, got))
row = [n for n in nodes if n["tag"] == "tr" and
       n["attrs"].get("data-alert-id") == sys.argv[2]]
if not row:
    sys.exit("no row for alert " + sys.argv[2])
td = cls(row[0], "summary")[0]
check("summary", "p99 latency 2 s", text(cls(td, "text")[0]))
check("links", [("https://runbook.example/web", "runbook"),
      ("https://logs.example/q?a=1&b=2", "https://logs.example/q?a=1&b=2")],
      [(a["attrs"].get("href"), text(a)) for a in cls(td, "link")])
check("image, as a link", [("https://grafana.example/d/p99", "image: p99")],
      [(a["attrs"].get("href"), text(a)) for a in cls(td, "image")])
check("client", [("https://grafana.example/", "Grafana")],
      [(a["attrs"].get("href"), text(a)) for a in cls(td, "client")])
check("no image loaded from elsewhere", [],
      [n for n in walk(row[0]) if n["tag"] == "img"])
changes = [text(c) for c in cls(td, "change")]
check("changes, newest first", ["Flip flag <new-login>", "Deploy web v1.41"],
      changes)
check("a change's link", ["https://ci.example/41"],
      [a["attrs"].get("href") for a in cls(td, "change") if a["tag"] == "a"])
check("when", True, all(text(li).startswith("changed ") and " before: " in text(li)
      for li in walk(td) if li["tag"] == "li"))
if bad:
    sys.exit("the alert's context is wrong: " + "; ".join(bad))
PY
    fail "the dashboard does not show the alert's links, images, client and changes"
pass "the dashboard shows an alert's links, images, client and the changes before it"

# The screenshot, for people: kept in the build tree.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$(mktemp -d "$TEST_TMP/chromium.XXXXXX")" \
    --virtual-time-budget=10000 --window-size=1280,900 \
    --screenshot="$TEST_TMP/dashboard.png" \
    "http://127.0.0.1:$PORT/#token=$VIEWER_KEY" \
    >/dev/null 2>>"$TEST_TMP/chromium.err" || fail "no screenshot"
[ -s "$TEST_TMP/dashboard.png" ] || fail "the screenshot is empty"
mkdir -p "$top_builddir/tests/e2e"
cp "$TEST_TMP/dashboard.png" "$top_builddir/tests/e2e/dashboard.png"
note "screenshot: $top_builddir/tests/e2e/dashboard.png"

# It refreshes itself: 65 s of virtual time is two more rounds.
load "" "$TEST_TMP/dom-refresh.html" 65000
grep -q 'data-refreshes="3"' "$TEST_TMP/dom-refresh.html" ||
    fail "the page did not refresh itself every 30 s: $(grep -o \
    'data-refreshes="[0-9]*"' "$TEST_TMP/dom-refresh.html")"
pass "the page refreshes itself every 30 s"

# The target: ?target= on the page, then dashboard.breach_target.
load "?target=5" "$TEST_TMP/dom-target.html"
grep -q '<span id="breach-target">5.0%</span>' "$TEST_TMP/dom-target.html" ||
    fail "?target=5 is not shown as the target"
grep -q '<span class="pill ok" id="breach-status">within target</span>' \
    "$TEST_TMP/dom-target.html" || fail "4.3% is not within a 5% target"
pass "?target= sets the breach target"

printf 'dashboard = { breach_target = "1.5%%"; };\n' >>"$CONFIG"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "reload with dashboard.breach_target"
http GET /
expect_match '<meta name="pagerd-breach-target" content="1.5">' "$HTTP_BODY" \
    "the configured breach target in the page"
load "" "$TEST_TMP/dom-conf.html"
grep -q '<span id="breach-target">1.5%</span>' "$TEST_TMP/dom-conf.html" ||
    fail "dashboard.breach_target is not shown as the target"
pass "dashboard.breach_target sets the breach target"

printf 'dashboard = { breach_target = "2"; };\n' >"$TEST_TMP/bad.conf"
sed '/^dashboard = /d' "$CONFIG" >>"$TEST_TMP/bad.conf"
if "$PAGERD" -t -c "$TEST_TMP/bad.conf" >"$TEST_TMP/bad.out" 2>&1; then
	fail "breach_target = \"2\" was accepted"
fi
grep -q 'dashboard.breach_target must be a percentage' "$TEST_TMP/bad.out" ||
    { cat "$TEST_TMP/bad.out"; fail "no error for a bad breach_target"; }
pass "a breach_target without % is rejected"

# Without a key the page says how to give one, and shows no data.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$TEST_TMP/chromium.XXXXXX")" \
    --virtual-time-budget=5000 --dump-dom "http://127.0.0.1:$PORT/" \
    >"$TEST_TMP/dom-nokey.html" 2>>"$TEST_TMP/chromium.err"
grep -q 'data-state="error"' "$TEST_TMP/dom-nokey.html" &&
    grep -q 'open this page as /#token=VIEWER-KEY' "$TEST_TMP/dom-nokey.html" ||
    fail "without a key the page does not say how to give one"
stop_pagerd
