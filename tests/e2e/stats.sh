# SPDX-License-Identifier: ISC
#
# stats.sh: GET /api/v1/stats on a seeded history.  The test writes 200
# alerts with known times (and their breach records) straight into the
# store, then compares every figure pagerd reports with the same figures
# computed here, in Python, from the rows it wrote.
. "$E2E_LIB"
need curl jq python3

write_config
start_pagerd
stop_pagerd # the schema now exists

"$PYTHON" - "$STATE_DIR/pagerd.db" "$TEST_TMP/seed.json" <<'PY'
import json, random, sqlite3, sys
random.seed(7)
db = sqlite3.connect(sys.argv[1])
T0 = 1798761600000  # 2027-01-01T00:00:00Z
MIN = 60000
due = {1: (5, 15, 240), 2: (15, 30, 1440), 3: (60, 120, 4320), 4: (240, 360, 7200)}
rows = []
for i in range(200):
    prio = random.choice([1, 1, 2, 3, 4])
    created = T0 + i * 37 * MIN
    ack = created + random.randint(1, 30) * MIN if random.random() < 0.9 else None
    note = created + random.randint(2, 60) * MIN if random.random() < 0.7 else None
    res = (ack or created) + random.randint(5, 600) * MIN if random.random() < 0.8 else None
    d = [created + x * MIN for x in due[prio]]
    breached = 0
    stops = [None] * 3
    for c, met in enumerate([ack, note, None]):
        met = met if met and not (res and res < met) else res
        if met is None or met > d[c]:
            breached |= 1 << c
            stops[c] = met
    service = random.choice(["db", "web", "web"])
    key = random.choice(["disk", "cpu", "mem", "net", "dns", "tls", "queue"])
    stage = random.choice([1, 1, 1, 2, 2, 3, 4])
    count = random.randint(1, 5)
    integ = random.choice(["helpdesk", "monitoring"])
    status = "resolved" if res else ("acknowledged" if ack else "triggered")
    rows.append(dict(priority=prio, created=created, ack=ack, note=note, res=res,
                     due=d, breached=breached, stops=stops, service=service, key=key,
                     stage=stage, count=count, integration=integ, status=status))
    cur = db.execute("""INSERT INTO alerts (dedup_key, service, priority, summary,
        integration, status, stage, max_stage, count, created_ms, updated_ms,
        acknowledged_ms, first_response_ms, resolved_ms, sla_response_due_ms,
        sla_first_response_due_ms, sla_resolution_due_ms, sla_breached,
        policy, stage_started_ms)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'default',?)""",
        ("%s-%d" % (key, i) if status != "resolved" else key, service, prio,
         "%s problem" % key, integ, status, stage, stage, count, created,
         created, ack, note, res, d[0], d[1], d[2], breached, created))
    # the breach records the engine would have written (store-breach.c)
    for c, clock in enumerate(("response", "first_response", "resolution")):
        if breached & (1 << c):
            db.execute("""INSERT INTO breaches (alert_id, clock, due_ms,
                breached_ms, stopped_ms) VALUES (?,?,?,?,?)""",
                (cur.lastrowid, clock, d[c], d[c], stops[c]))
db.commit()
json.dump(rows, open(sys.argv[2], "w"))
PY
start_pagerd

FROM=2027-01-02T00:00:00Z
TO=2027-01-05T12:00:00Z
# running breaches are late by "now": the instants around the request
NOW_BEFORE=$(date +%s%3N)
api_get "/api/v1/stats?from=$FROM&to=$TO"
NOW_AFTER=$(date +%s%3N)
expect_status 200
printf '%s' "$HTTP_BODY" >"$TEST_TMP/stats.json"
api_get "/api/v1/stats?from=$FROM&to=$TO&service=web&priority=P1"
expect_status 200
printf '%s' "$HTTP_BODY" >"$TEST_TMP/stats-web-p1.json"

"$PYTHON" - "$TEST_TMP/seed.json" "$TEST_TMP/stats.json" "$TEST_TMP/stats-web-p1.json" \
    "$NOW_BEFORE" "$NOW_AFTER" <<'PY'
import json, statistics, sys, datetime
rows = json.load(open(sys.argv[1]))
now_before, now_after = int(sys.argv[4]), int(sys.argv[5])
iso = lambda s: int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
frm, to = iso("2027-01-02T00:00:00Z"), iso("2027-01-05T12:00:00Z")
bad = []
def check(name, want, got, tol=1e-6):
    if want is None or got is None:
        ok = want is None and got is None
    elif isinstance(want, float) or isinstance(got, float):
        ok = abs(want - got) <= tol
    else:
        ok = want == got
    print("%-40s want %-22s got %s" % (name, want, got))
    if not ok:
        bad.append(name)
def figures(st, sel, label):
    n = len(sel)
    check(label + "alerts", n, st["alerts"])
    tta = [r["ack"] - r["created"] for r in sel if r["ack"]]
    ttr = [r["res"] - r["created"] for r in sel if r["res"]]
    check(label + "acknowledged", len(tta), st["acknowledged"])
    check(label + "resolved", len(ttr), st["resolved"])
    check(label + "mtta.mean_seconds", statistics.mean(tta) / 1000 if tta else None, st["mtta"]["mean_seconds"])
    check(label + "mtta.median_seconds", statistics.median(tta) // 1 / 1000 if tta else None, st["mtta"]["median_seconds"], 0.001)
    check(label + "mttr.mean_seconds", statistics.mean(ttr) / 1000 if ttr else None, st["mttr"]["mean_seconds"])
    check(label + "mttr.median_seconds", statistics.median(ttr) // 1 / 1000 if ttr else None, st["mttr"]["median_seconds"], 0.001)
    check(label + "breach_rate", sum(1 for r in sel if r["breached"]) / n if n else None, st["breach_rate"])
    check(label + "closure_rate", len(ttr) / n if n else None, st["closure_rate"])
    for s in (2, 3, 4):
        check(label + "escalation.stage%d" % s, sum(1 for r in sel if r["stage"] >= s) / n if n else None, st["escalation"]["stage%d" % s])
    res = [r for r in sel if r["res"]]
    check(label + "first_stage_resolution_rate", sum(1 for r in res if r["stage"] == 1) / len(res) if res else None, st["first_stage_resolution_rate"])
    for p in (1, 2, 3, 4):
        for c, clock in enumerate(("response", "first_response", "resolution")):
            mine = [r for r in sel if r["priority"] == p]
            missed = sum(1 for r in mine if r["breached"] & (1 << c))
            met = len(mine) - missed  # every seeded deadline is in the past
            got = st["sla"]["P%d" % p][clock]
            check(label + "sla.P%d.%s.met" % (p, clock), met, got["met"])
            check(label + "sla.P%d.%s.missed" % (p, clock), missed, got["missed"])
            check(label + "sla.P%d.%s.attainment" % (p, clock), met / len(mine) if mine else None, got["attainment"])
    # how late each breach was: final once stopped, else so far (at now,
    # somewhere between the instants around the request)
    for c, clock in enumerate(("response", "first_response", "resolution")):
        br = [r for r in sel if r["breached"] & (1 << c)]
        got = st["breaches"][clock]
        check(label + "breaches.%s.count" % clock, len(br), got["count"])
        check(label + "breaches.%s.final" % clock, sum(1 for r in br if r["stops"][c]), got["final"])
        if not br:
            for k in ("late_mean_seconds", "late_median_seconds", "late_max_seconds"):
                check(label + "breaches.%s.%s" % (clock, k), None, got[k])
            continue
        for k, f in (("late_mean_seconds", statistics.mean),
                     ("late_median_seconds", lambda v: statistics.median(v) // 1),
                     ("late_max_seconds", max)):
            lo, hi = (f([max(0, (r["stops"][c] or now) - r["due"][c]) for r in br]) / 1000
                      for now in (now_before, now_after))
            ok = lo - 0.001 <= got[k] <= hi + 0.001
            print("%-40s want %-22s got %s" % (label + "breaches.%s.%s" % (clock, k), "%.3f..%.3f" % (lo, hi), got[k]))
            if not ok:
                bad.append(label + "breaches.%s.%s" % (clock, k))
    return sel
st = json.load(open(sys.argv[2]))
sel = figures(st, [r for r in rows if frm <= r["created"] < to], "")
ints = {}
for r in sel:
    ints[r["integration"]] = ints.get(r["integration"], 0) + 1
check("by_integration", sorted(ints.items()), sorted((x["integration"], x["alerts"]) for x in st["by_integration"]))
groups = {}
for r in sel:
    k = (r["service"], r["key"] if r["status"] == "resolved" else "%s-%d" % (r["key"], rows.index(r)))
    g = groups.setdefault(k, [0, 0])
    g[0] += 1
    g[1] += r["count"]
top = sorted(groups.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0][1]))[:5]
check("top_problems", [(k[0], k[1], v[0], v[1]) for k, v in top],
      [(t["service"], t["dedup_key"], t["alerts"], t["posts"]) for t in st["top_problems"]])
figures(json.load(open(sys.argv[3])), [r for r in sel if r["service"] == "web" and r["priority"] == 1], "web/P1 ")
if bad:
    sys.exit("figures differ: " + ", ".join(bad))
PY
pass "every figure matches the independent computation"

# /metrics: the same store, in Prometheus text format
api_get /metrics
expect_status 200
expect_header Content-Type '^text/plain; version=0.0.4'
printf '%s\n' "$HTTP_BODY" >"$TEST_TMP/metrics.txt"
"$PYTHON" - "$TEST_TMP/seed.json" "$TEST_TMP/metrics.txt" <<'PY' || fail "/metrics is wrong"
import json, re, sys
rows = json.load(open(sys.argv[1]))
want = {}
for r in rows:
    k = (r["status"], "P%d" % r["priority"])
    want[k] = want.get(k, 0) + 1
got = {}
for line in open(sys.argv[2]):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    if not re.match(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$', line):
        sys.exit("not Prometheus text format: %r" % line)
    m = re.match(r'^pagerd_alerts\{status="(\w+)",priority="(P\d)"\} (\d+)$', line)
    if m:
        got[(m.group(1), m.group(2))] = int(m.group(3))
    m = re.match(r'^pagerd_sla_breaches_total\{target="(\w+)"\} (\d+)$', line)
    if m:
        got[m.group(1)] = int(m.group(2))
for c, clock in enumerate(("response", "first_response", "resolution")):
    want[clock] = sum(1 for r in rows if r["breached"] & (1 << c))
if got != want:
    sys.exit("pagerd_alerts, pagerd_sla_breaches_total: want %s, got %s" %
             (sorted(want.items(), key=str), sorted(got.items(), key=str)))
print("pagerd_alerts and pagerd_sla_breaches_total match the seeded history: %d series" % len(got))
PY
grep -q '^pagerd_http_requests_total{kind="api",code="200"} [1-9]' "$TEST_TMP/metrics.txt" ||
    fail "no count of answered API requests"
grep -q '^pagerd_event_loop_lag_seconds ' "$TEST_TMP/metrics.txt" ||
    fail "no event-loop lag"
http GET /metrics
expect_status 401
pass "/metrics reports the store and the daemon in Prometheus format"

api_get "/api/v1/stats?from=2027-01-05T00:00:00Z&to=2027-01-02T00:00:00Z"
expect_error 400 "from must be before to"
api_get "/api/v1/stats?from=yesterday"
expect_error 400 "from:"
api_get "/api/v1/stats?priority=P7"
expect_error 400 "priority must be one of P1..P4"
api_get "/api/v1/stats?window=1d"
expect_error 400 'unknown parameter "window"'
api_get "/api/v1/stats" "$INT_KEY"
expect_status 403
stop_pagerd
