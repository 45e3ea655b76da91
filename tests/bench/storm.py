# SPDX-License-Identifier: ISC
#
# storm.py: the helpers of tests/bench/storm (standard library only).
#
#   storm.py recv PORTFILE LOG CHAT_MS SMS_MS SMS_DOWN_MS
#	the chat and SMS providers: an HTTP server on 127.0.0.1 (any free
#	port, written to PORTFILE) answering POST /chat after CHAT_MS and
#	POST /sms after SMS_MS milliseconds; /sms answers 503 for the first
#	SMS_DOWN_MS ms (counted from the first /sms request), 200 after.
#	One JSON line per request, written once answered:
#	{"t": arrival us, "a": answer us, "path", "status", "body"}.
#   storm.py follow PARAMS
#	during a run: acknowledges every ACK_EVERY-th posted alert once a
#	message naming it reached its first channel (before its stage 2 is
#	due), and returns once the run is over (see "done" below).
#   storm.py report PARAMS
#	after a run: the figures of one shape, from the poster's log, the
#	receiver's log, the acks and the store.
#   storm.py intake LABEL WIDTH WRK_ON WRK_OFF [WRK_ON WRK_OFF...]
#	the intake line of each pair: alerts/s with and without paging,
#	and the ratio; with several pairs, the median ratio.
#   storm.py settle DB
#	(CALLGRIND runs) waits, 600 s at most, until no outbox row due is
#	pending or sending.
#   storm.py callgrind LABEL DB CGFILE... WIDTH
#	(CALLGRIND runs) instructions (Ir) of the dump CGFILE per alert in
#	the store.
#
# PARAMS is a JSON file the script writes: see tests/bench/storm.
import datetime
import http.client
import json
import os
import sqlite3
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def now_us():
    return time.time_ns() // 1000


# --- the receivers ---------------------------------------------------------

def recv(portfile, logpath, chat_ms, sms_ms, down_ms):
    lock = threading.Lock()
    log = open(logpath, "w")
    first_sms = [None]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            t = now_us()
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("utf-8", "replace")
            status = 200
            if self.path.startswith("/sms"):
                delay = sms_ms
                with lock:
                    if first_sms[0] is None:
                        first_sms[0] = t
                if t < first_sms[0] + down_ms * 1000:
                    status = 503
            else:
                delay = chat_ms
            time.sleep(delay / 1000)
            reply = b'{"ok":true}\n' if status == 200 else \
                b'{"error":"unavailable"}\n'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            self.wfile.flush()
            line = json.dumps({"t": t, "a": now_us(), "path": self.path,
                               "status": status, "body": body})
            with lock:
                log.write(line + "\n")
                log.flush()

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024

    srv = Server(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


# --- reading the logs ------------------------------------------------------

class Messages:
    """The receiver's log, read incrementally: one entry per request."""

    def __init__(self, path):
        self.path = path
        self.f = None
        self.buf = ""
        self.msgs = []

    def poll(self):
        if self.f is None:
            if not os.path.exists(self.path):
                return
            self.f = open(self.path)
        while True:
            chunk = self.f.readline()
            if not chunk:
                return
            self.buf += chunk
            if not self.buf.endswith("\n"):
                continue
            r = json.loads(self.buf)
            self.buf = ""
            try:
                b = json.loads(r["body"])
            except ValueError:
                b = {}
            m = {"t": r["t"], "a": r["a"], "chan": r["path"].strip("/"),
                 "status": r["status"], "to": b.get("to", ""),
                 "reason": b.get("reason") or "", "text": b.get("text") or "",
                 "bytes": len(r["body"].encode()),
                 "alerts": [(a.get("id"), a.get("event"))
                            for a in b.get("alerts", [])]}
            self.msgs.append(m)


def read_posts(path):
    """The poster's log: [(i, service, sent_us, done_us, status, id)]."""
    out = []
    for line in open(path):
        i, svc, sent, done, st, aid = line.split()
        out.append((int(i), svc, int(sent), int(done), int(st), int(aid)))
    return out


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else None


def ms(v):
    return "-" if v is None else "%.0f" % (v / 1000)


# --- during the run ----------------------------------------------------------

def follow(params):
    P = json.load(open(params))
    posts = [p for p in read_posts(P["postlog"]) if p[4] == 202]
    msgs = Messages(P["recvlog"])
    first = {}                      # alert id -> expected channel, address
    for i, svc, sent, done, st, aid in posts:
        first[aid] = P["first"][svc]
    every = P["ack_every"]
    cand = {aid for i, svc, sent, done, st, aid in posts
            if every > 0 and i % every == 0}
    start = min(p[2] for p in posts) if posts else now_us()
    t_lastpost = max(p[3] for p in posts) if posts else now_us()
    # Acks must land before stage 2 could fire for the alert.
    ack_until = start + (P["stage_after_ms"] - 2000) * 1000
    # The run is over when every alert reached its first channel, every
    # alert nobody acknowledged reached stage 2's person, and the second
    # step (due step2_after after the last post) had time to show, or
    # after run_max.
    step2_end = t_lastpost + (P["step2_after_ms"] + P["step2_grace_ms"]) * 1000
    stage2_end = t_lastpost + P["stage_after_ms"] * 1000
    hard_end = start + P["run_max_s"] * 1000000
    conn = http.client.HTTPConnection("127.0.0.1", P["port"], timeout=30)
    hdr = {"Authorization": "Bearer " + P["responder"],
           "Content-Type": "application/json"}
    seen_first, seen_lead, acked = set(), set(), {}
    ackf = open(P["acklog"], "w")
    n = 0
    while True:
        msgs.poll()
        for m in msgs.msgs[n:]:
            if m["status"] // 100 != 2:
                continue
            for aid, ev in m["alerts"]:
                if aid not in first:
                    continue
                if P["any_first"]:
                    if m["to"] in P["addresses"].get(first[aid][2], []):
                        seen_first.add(aid)
                elif (m["chan"], m["to"]) == tuple(first[aid][:2]):
                    seen_first.add(aid)
                if (m["chan"], m["to"]) == tuple(P["lead"]):
                    seen_lead.add(aid)
        n = len(msgs.msgs)
        t = now_us()
        for aid in sorted(cand & seen_first):
            if t >= ack_until:
                break
            conn.request("POST", "/api/v1/alerts/%d/ack" % aid,
                         json.dumps({"actor": "storm-bench"}), hdr)
            r = conn.getresponse()
            r.read()
            acked[aid] = (now_us(), r.status)
            ackf.write("%d %d %d\n" % (aid, acked[aid][0], r.status))
            ackf.flush()
            cand.discard(aid)
        t = now_us()
        unacked = set(first) - {a for a, v in acked.items() if v[1] == 200}
        if t >= hard_end:
            break
        if len(seen_first) == len(first) and t >= step2_end and \
                t >= stage2_end and unacked <= seen_lead:
            break
        time.sleep(0.05)
    ackf.close()


# --- after the run -----------------------------------------------------------

def gsm7_len(s):
    """SMS length in GSM 03.38 septets, or None if it needs UCS-2."""
    basic = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789"
             ":;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstu"
             "vwxyzäöñüà")
    ext = "^{}\\[~]|€\f"
    n = 0
    for c in s:
        if c in basic:
            n += 1
        elif c in ext:
            n += 2
        else:
            return None
    return n


def sms_units(s):
    n = gsm7_len(s)
    if n is not None:
        return n, 160
    return sum(2 if ord(c) > 0xffff else 1 for c in s), 70


def report(params):
    P = json.load(open(params))
    posts = read_posts(P["postlog"])
    ok = [p for p in posts if p[4] == 202]
    msgs = Messages(P["recvlog"])
    msgs.poll()
    M = msgs.msgs
    acked = {}
    for line in open(P["acklog"]):
        aid, t, st = map(int, line.split())
        if st == 200:
            acked[aid] = t
    db = sqlite3.connect(P["db"])
    created = dict(db.execute("SELECT id, created_ms FROM alerts"))
    stage = dict(db.execute("SELECT id, stage FROM alerts"))
    end_us = P["end_us"]
    W = P["width"]

    def row(label, text):
        print("  %-*s %s" % (W, label, text))

    # Posting.
    if ok:
        span = (max(p[2] for p in ok) - min(p[2] for p in ok)) / 1e6
        rep = sorted(p[3] - p[2] for p in ok)
        row("posted", "%d alerts, %d answered 202, %d other, in %.1f s "
            "(%.0f/s); 202 reply p50 %s ms, p99 %s ms, max %s ms" %
            (len(posts), len(ok), len(posts) - len(ok), span,
             len(ok) / span if span > 0 else 0, ms(pct(rep, .5)),
             ms(pct(rep, .99)), ms(rep[-1])))
    else:
        row("posted", "%d alerts, none answered 202" % len(posts))
    # First message per alert, on its first channel (or any, shape c).
    first = {}
    for i, svc, sent, done, st, aid in ok:
        first[aid] = (P["first"][svc], done)
    good = sorted((m for m in M if m["status"] // 100 == 2),
                  key=lambda m: m["t"])
    seen = {}
    for m in good:
        for aid, ev in m["alerts"]:
            if aid not in first or aid in seen:
                continue
            (chan, to, person), _ = first[aid]
            if P["any_first"]:
                hit = m["to"] in P["addresses"].get(person, [])
            else:
                hit = (m["chan"], m["to"]) == (chan, to)
            if hit:
                seen[aid] = m["t"]
    lat = [seen[a] - first[a][1] for a in seen]
    missing = len(first) - len(seen)
    within1 = sum(1 for v in lat if v <= 1000000)
    within2 = sum(1 for v in lat if v <= 2000000)
    row("202 to first message",
        "p50 %s ms, p99 %s ms, max %s ms; %d/%d within 1 s, %d within 2 s"
        % (ms(pct(lat, .5)), ms(pct(lat, .99)),
           ms(max(lat) if lat else None), within1, len(first), within2))
    row("alerts missing", "%d%s (posted, never named on %s)" %
        (missing, "" if missing == 0 else " MISSING",
         "any channel of their person" if P["any_first"] else
         "their person's first channel"))
    # Messages per address.
    per = {}
    for m in M:
        k = (m["chan"], m["to"])
        d = per.setdefault(k, {"n": 0, "ok": 0, "alerts": set(), "max": 0,
                               "t": []})
        d["n"] += 1
        if m["status"] // 100 == 2:
            d["t"].append(m["t"])
            d["ok"] += 1
            d["alerts"].update(a for a, e in m["alerts"])
            d["max"] = max(d["max"], len(m["alerts"]))
    for chan in sorted({k[0] for k in per}):
        ks = [k for k in per if k[0] == chan]
        counts = sorted(per[k]["n"] for k in ks)
        row("messages, %s" % chan,
            "%d to %d address%s: per address min %d, median %d, max %d; "
            "%d answered 2xx; at most %d alerts in one" %
            (sum(counts), len(ks), "" if len(ks) == 1 else "es", counts[0],
             counts[len(counts) // 2], counts[-1],
             sum(per[k]["ok"] for k in ks), max(per[k]["max"] for k in ks)))
    if len(per) <= P["addr_rows"]:
        for k in sorted(per):
            d = per[k]
            row("", "%-5s %-14s %5d messages (%d 2xx), %d alerts named" %
                (k[0], k[1], d["n"], d["ok"], len(d["alerts"])))
    # Sent twice: the same alert and event on the same channel and
    # address in two messages answered 2xx.  Without alerts[].event
    # (today) the wire cannot tell a page from a notice about the same
    # alert (a message's "reason" is its first row's), so an alert named
    # more often there than the store has rows for it that went out.
    have_ev = any(e for m in M for a, e in m["alerts"])
    named = {}
    for m in good:
        for aid, ev in m["alerts"]:
            k = (m["chan"], m["to"], aid) + ((ev,) if have_ev else ())
            named[k] = named.get(k, 0) + 1
    if have_ev:
        dups = [k for k, c in named.items() if c > 1]
    else:
        out = {}
        for aid, chan, to, n in db.execute(
                "SELECT alert_id, channel, address, count(*) FROM "
                "notifications WHERE state IN ('sent', 'delivered', "
                "'sending') GROUP BY 1, 2, 3"):
            out[(chan, to, aid)] = n
        dups = [k for k, c in named.items() if c > out.get(k, 0)]
    row("sent twice", "%d%s (%s)%s" % (len(dups),
        "" if not dups else " DUPLICATES",
        "same alert and event, channel and address in two 2xx messages"
        if have_ev else "alerts named on a channel and address more often "
        "than the store has rows for them that went out",
        "" if not dups else "; e.g. %s" % (dups[:3],)))
    if have_ev:
        evs = {}
        for m in good:
            for aid, ev in m["alerts"]:
                evs[ev or "-"] = evs.get(ev or "-", 0) + 1
        row("alerts[].event", ", ".join("%s %d" % kv for kv in
                                         sorted(evs.items())))
    else:
        row("alerts[].event", "absent; message reasons: %s" %
            "; ".join('"%s"' % r for r in
                      sorted({m["reason"].split(" by ")[0] for m in M})))
    # Sizes against each channel's limit.
    sms = [sms_units(m["text"]) for m in M if m["chan"] == "sms"]
    if sms:
        over = sum(1 for n, lim in sms if n > lim)
        row("size, sms", "longest text %d units (limit 160 GSM-7 / 70 "
            "UCS-2); %d over the limit%s" % (max(n for n, l in sms), over,
            "" if over == 0 else " OVER"))
    chat = [m for m in M if m["chan"] == "chat"]
    if chat:
        longest = max(len(m["text"]) for m in chat)
        over = sum(1 for m in chat if len(m["text"]) > P["chat_text_max"])
        row("size, chat", "longest text %d characters, %d lines (limit %d "
            "characters); %d over%s; largest body %d bytes" %
            (longest, max(m["text"].count("\n") + 1 for m in chat),
             P["chat_text_max"], over, "" if over == 0 else " OVER",
             max(m["bytes"] for m in chat)))
    # Rate limits: messages that went out (answered 2xx; an attempt the
    # provider refused reached nobody) per address in any window,
    # against the channel's limit.
    for chan, (lim, win) in sorted(P["rate"].items()):
        if lim <= 0:
            continue
        worst, over = 0, 0
        for k, d in per.items():
            if k[0] != chan:
                continue
            t = sorted(d["t"])
            j = 0
            for i in range(len(t)):
                while t[i] - t[j] >= win * 1000:
                    j += 1
                worst = max(worst, i - j + 1)
                if i - j + 1 > lim:
                    over += 1
        row("rate limit, %s" % chan, "at most %d messages to one address "
            "in %d s (limit %d)%s" % (worst, win // 1000, lim,
                                      "" if over == 0 else " OVER"))
    # The second step: alerts nobody acknowledged whose second rule fell
    # due in the run: named in a message on it, or still waiting (its
    # row pending: rate limit, backoff), or lost (must be 0).
    s2 = P["step2_chan"]
    rows = {}
    # Stage-1 pages by what the row tells (notifications.event and
    # .stage since schema 8; the reason's text before).
    cols = [r[1] for r in db.execute("PRAGMA table_info(notifications)")]
    if "event" in cols:
        stage1 = "event = 'page' AND stage = 1"
        stage2 = "event IN ('page', 'escalated') AND stage = 2"
    else:
        stage1 = "reason LIKE 'page, stage 1%'"
        stage2 = "reason = 'page, stage 2'"
    for aid, state in db.execute("SELECT alert_id, state FROM notifications"
                                 " WHERE channel = ? AND step = 1 AND " +
                                 stage1, (s2,)):
        rows[aid] = state
    due2 = [a for a in first if a not in acked and
            created.get(a, 0) + P["step2_after_ms"] + 2000 < end_us // 1000]
    on_wire = set()
    for m in good:
        if m["chan"] == s2:
            on_wire.update(a for a, e in m["alerts"])
    n_named = sum(1 for a in due2 if a in on_wire)
    n_wait = sum(1 for a in due2 if a not in on_wire and
                 rows.get(a) in ("pending", "sending"))
    lost = len(due2) - n_named - n_wait
    states = {}
    for a in due2:
        if a not in on_wire and rows.get(a) not in ("pending", "sending"):
            states[rows.get(a)] = states.get(rows.get(a), 0) + 1
    row("second rule (%s)" % s2, "%d alerts unacknowledged with it due: "
        "%d named, %d waiting (rate limit or retry), %d lost%s" %
        (len(due2), n_named, n_wait, lost, "" if lost == 0 else
         " LOST (rows: %s)" % states))
    # Later stages: alerts nobody acknowledged move to stage 2 at
    # created + ack_within; the engine's act (its stage 2 page row) and
    # the first message to stage 2's person, against that instant.
    due = {a: created[a] + P["stage_after_ms"] for a in first
           if a in created}
    expect = [a for a in first if a not in acked and
              due.get(a, 1 << 62) + 1000 < end_us // 1000]
    moved = [a for a in expect if stage.get(a, 1) >= 2]
    acked_moved = [a for a in acked if stage.get(a, 1) >= 2 and
                   acked[a] // 1000 < due.get(a, 0)]
    acted = dict(db.execute("SELECT alert_id, min(created_ms) FROM "
                            "notifications WHERE " + stage2 +
                            " GROUP BY alert_id"))
    late_engine = [acted[a] - due[a] for a in expect if a in acted]
    lead = {}
    for m in good:
        if (m["chan"], m["to"]) == tuple(P["lead"]):
            for aid, ev in m["alerts"]:
                lead.setdefault(aid, m["t"] // 1000)
    late_page = [lead[a] - due[a] for a in expect if a in lead]

    def f(v):
        if not v:
            return "-"
        return "p50 %d ms, p99 %d ms, max %d ms" % (pct(v, .5), pct(v, .99),
                                                     max(v))
    row("stage 2", "%d/%d unacknowledged alerts moved (%d acknowledged "
        "in time, %d of them moved%s); late: engine %s; page %s "
        "(%d paged)" % (len(moved), len(expect), len(acked),
                        len(acked_moved), "" if not acked_moved else " WRONG",
                        f(late_engine), f(late_page), len(late_page)))
    st = {}
    for chan, state, n in db.execute("SELECT channel, state, count(*) FROM "
                                     "notifications GROUP BY 1, 2"):
        st.setdefault(chan, []).append("%s %d" % (state, n))
    row("store rows at the end", "; ".join("%s: %s" % (c, ", ".join(v))
                                           for c, v in sorted(st.items())))


def wrk_rate(path):
    f = {}
    for line in open(path):
        if line.startswith("BENCH "):
            k, v = line[6:].strip().split("=")
            f[k] = int(v)
    if not f.get("duration_us"):
        return None, f
    return f["n202"] / (f["duration_us"] / 1e6), f


def intake(label, width, files):
    """files: on, off, on, off, ... (one pair after another)."""
    ratios = []
    pairs = len(files) // 2
    for i in range(pairs):
        r_on, f_on = wrk_rate(files[2 * i])
        r_off, f_off = wrk_rate(files[2 * i + 1])
        name = label if pairs == 1 else "%s, pair %d" % (label, i + 1)
        if r_on is None or r_off is None:
            print("  %-*s wrk gave no figures" % (width, name))
            continue
        ratio = r_on / r_off if r_off else 0
        ratios.append(ratio)
        print("  %-*s %.0f alerts/s paging, %.0f alerts/s not paging: ratio "
              "%.2f%s (non-202: %d, %d)" % (width, name, r_on, r_off, ratio,
                                            "" if ratio >= 0.8 else
                                            " (below 0.8)", f_on["nother"],
                                            f_off["nother"]))
    if pairs > 1 and ratios:
        m = statistics.median(ratios)
        print("  %-*s %.2f%s over %d pairs (%s)" % (
            width, "intake, median ratio", m,
            "" if m >= 0.8 else " (below 0.8)", len(ratios),
            ", ".join("%.2f" % r for r in ratios)))


def settle(db):
    end = time.time() + 600
    quiet = 0
    while time.time() < end:
        try:
            c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
            n = c.execute("SELECT count(*) FROM notifications WHERE state IN"
                          " ('pending', 'sending') AND due_ms <= ?",
                          (int(time.time() * 1000),)).fetchone()[0]
            c.close()
        except sqlite3.Error:
            n = -1
        quiet = quiet + 1 if n == 0 else 0
        if quiet >= 3:
            return 0
        time.sleep(0.5)
    return 1


def callgrind(label, db, files, width):
    ir = 0
    for path in files:
        for line in open(path):
            if line.startswith("summary:") or line.startswith("totals:"):
                ir = max(ir, int(line.split()[1]))
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    n = c.execute("SELECT count(*) FROM alerts").fetchone()[0]
    c.close()
    print("  %-*s %d alerts, %d instructions, %.0f per alert" % (
        width, "callgrind, paging " + label, n, ir, ir / n if n else 0))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "recv":
        recv(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
             int(sys.argv[6]))
    elif cmd == "follow":
        follow(sys.argv[2])
    elif cmd == "report":
        report(sys.argv[2])
    elif cmd == "intake":
        intake(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    elif cmd == "settle":
        sys.exit(settle(sys.argv[2]))
    elif cmd == "callgrind":
        callgrind(sys.argv[2], sys.argv[3], sys.argv[4:-1],
                  int(sys.argv[-1]))
    else:
        sys.exit("storm.py: unknown command %s" % cmd)
