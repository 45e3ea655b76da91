# SPDX-License-Identifier: ISC
"""vs-alertmanager.py: helpers of tests/bench/vs-alertmanager.

  post TARGET PORT KEY N THREADS TAG ACKFILE [KILLPID KILLAT]
      Post N distinct alerts (keys TAG-<i>), one per request, on THREADS
      keep-alive connections; write the key of every alert answered 2xx
      to ACKFILE.  With KILLPID, send it SIGKILL as soon as KILLAT
      alerts have been answered (posting goes on against the dead
      server: those attempts fail).  Prints "acked=.. failed=.. secs=..".
  latency TARGET PORT KEY N LOG
      Post N alerts one at a time; for each, the time from just before
      the POST to the first request about it arriving at the receiver
      (LOG written by tests/bench/sink.c, same clock; only lines written
      after the start count).  The next alert is
      posted once the previous one arrived (or after 10 s).
      Prints "n= p50_ms= p99_ms= max_ms= missing=".
  count TARGET PORT|DB TAG ACKFILE
      How many of the acknowledged alerts are there now: pagerd, from
      its store (DB); Alertmanager, from GET /api/v2/alerts.
      Prints "acked= present= lost=".

TARGET is "pagerd" (POST /api/v1/alerts, Bearer KEY) or "alertmanager"
(POST /api/v2/alerts, a JSON array holding one alert with label key=..).
"""
import http.client
import json
import os
import signal
import sqlite3
import sys
import threading
import time


def request_of(target, key, k, priority="P1"):
    if target == "pagerd":
        return ("/api/v1/alerts",
                json.dumps({"summary": "bench alert " + k, "service": "bench",
                            "dedup_key": k, "priority": priority}),
                {"Authorization": "Bearer " + key,
                 "Content-Type": "application/json"})
    return ("/api/v2/alerts",
            json.dumps([{"labels": {"alertname": "bench", "key": k,
                                    "severity": "critical"},
                         "annotations": {"summary": "bench alert " + k},
                         "endsAt": "2099-01-01T00:00:00Z"}]),
            {"Content-Type": "application/json"})


def post(target, port, key, n, nthreads, tag, ackfile, killpid=0, killat=0):
    lock = threading.Lock()
    acked, failed = [], [0]
    killed = [False]

    def worker(w):
        conn = None
        for i in range(w, n, nthreads):
            k = "%s-%d" % (tag, i)
            path, body, hdr = request_of(target, key, k)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port,
                                                      timeout=30)
                conn.request("POST", path, body, hdr)
                r = conn.getresponse()
                r.read()
                ok = 200 <= r.status < 300
            except (OSError, http.client.HTTPException):
                ok = False
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                if ok:
                    acked.append(k)
                    if killpid and not killed[0] and len(acked) >= killat:
                        os.kill(killpid, signal.SIGKILL)
                        killed[0] = True
                else:
                    failed[0] += 1

    t0 = time.time()
    ts = [threading.Thread(target=worker, args=(w,)) for w in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.time() - t0
    with open(ackfile, "w") as f:
        f.write("\n".join(acked) + ("\n" if acked else ""))
    print("acked=%d failed=%d secs=%.2f" % (len(acked), failed[0], secs))


def keys_in(body):
    """Alert identities a page carries: pagerd ids, Alertmanager keys."""
    try:
        j = json.loads(body)
    except ValueError:
        return []
    out = []
    for a in j.get("alerts", []):
        if "labels" in a:
            out.append(a["labels"].get("key"))
        else:
            out.append(a.get("id"))
    return out


def latency(target, port, key, n, log):
    f = open(log)
    f.seek(0, 2)  # only what arrives from now on
    seen, buf = {}, [""]

    def follow():
        while True:
            line = f.readline()
            if not line:
                return
            buf[0] += line
            if not buf[0].endswith("\n"):
                continue
            parts = buf[0].rstrip("\n").split(" ", 2)
            buf[0] = ""
            if len(parts) < 3 or not parts[0].isdigit():
                continue  # the tail of a line cut by the seek
            for k in keys_in(parts[2]):
                seen.setdefault(k, int(parts[0]))

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat, missing = [], 0
    tag = "lat%d" % time.time()
    for i in range(n):
        k = "%s-%d" % (tag, i)
        path, body, hdr = request_of(target, key, k)
        t0 = time.time_ns() // 1000
        conn.request("POST", path, body, hdr)
        r = conn.getresponse()
        reply = r.read()
        if not 200 <= r.status < 300:
            sys.exit("unexpected reply %d: %r" % (r.status, reply[:200]))
        want = json.loads(reply)["id"] if target == "pagerd" else k
        deadline = time.time() + 10
        while want not in seen and time.time() < deadline:
            follow()
            if want not in seen:
                time.sleep(0.0002)
        if want in seen:
            lat.append(seen[want] - t0)
        else:
            missing += 1
    lat.sort()

    def pct(q):
        return lat[min(len(lat) - 1, int(q * len(lat)))] / 1000 if lat else -1
    print("n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f missing=%d" %
          (len(lat), pct(.5), pct(.99), lat[-1] / 1000 if lat else -1,
           missing))


def count(target, where, tag, ackfile):
    acked = set(open(ackfile).read().split())
    if target == "pagerd":
        db = sqlite3.connect(where)
        have = {r[0] for r in db.execute(
            "SELECT dedup_key FROM alerts WHERE dedup_key LIKE ?",
            (tag + "-%",))}
    else:
        c = http.client.HTTPConnection("127.0.0.1", int(where), timeout=60)
        c.request("GET", "/api/v2/alerts")
        have = {a["labels"].get("key") for a in json.loads(c.getresponse().read())}
    present = len(acked & have)
    print("acked=%d present=%d lost=%d" % (len(acked), present,
                                           len(acked) - present))


def main():
    a = sys.argv[1:]
    if a and a[0] == "post":
        post(a[1], int(a[2]), a[3], int(a[4]), int(a[5]), a[6], a[7],
             int(a[8]) if len(a) > 8 else 0, int(a[9]) if len(a) > 9 else 0)
    elif a and a[0] == "latency":
        latency(a[1], int(a[2]), a[3], int(a[4]), a[5])
    elif a and a[0] == "count":
        count(a[1], a[2], a[3], a[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
