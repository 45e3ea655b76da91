# SPDX-License-Identifier: ISC
"""kill9-client.py: the posting and checking side of kill9-durable.sh.

  post PORT KEY PREFIX THREADS OUT STOPFILE
      THREADS threads post distinct alerts (dedup_key PREFIX-tT-N) over
      keep-alive connections until STOPFILE exists.  Every 202 is
      appended to OUT as "id dedup_key" and flushed at once; connection
      errors (the daemon was killed) are counted and retried.  Prints
      the counts when it stops.
  check PORT VIEWER_KEY ACKED THREADS_TOTAL
      Reads every alert from the API and checks that each line of ACKED
      is there with the same id and dedup_key, that no key is stored
      twice, and that at most THREADS_TOTAL more alerts are stored than
      were acknowledged (one in flight per thread when the daemon died).

Standard library only.
"""
import http.client
import json
import os
import sys
import threading
import time


def post(port, key, prefix, nthreads, out, stopfile):
    lock = threading.Lock()
    counts = {"accepted": 0, "errors": 0, "other": 0}
    f = open(out, "a")

    def worker(t):
        conn = None
        n = 0
        while not os.path.exists(stopfile):
            n += 1
            dk = "%s-t%d-%d" % (prefix, t, n)
            body = json.dumps({"summary": "kill9 test %s" % dk,
                               "dedup_key": dk, "service": "kill9",
                               "details": {"thread": t, "n": n}})
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port,
                                                      timeout=10)
                conn.request("POST", "/api/v1/alerts", body, {
                    "Authorization": "Bearer " + key,
                    "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                with lock:
                    counts["errors"] += 1
                time.sleep(0.05)
                continue
            with lock:
                if r.status == 202:
                    reply = json.loads(data)
                    if reply.get("dedup_key") != dk or reply.get("duplicate"):
                        print("FAIL: unexpected 202 for %s: %r" % (dk, reply))
                        counts["other"] += 1
                        continue
                    f.write("%d %s\n" % (reply["id"], dk))
                    f.flush()
                    counts["accepted"] += 1
                else:
                    print("unexpected status %d for %s: %r" %
                          (r.status, dk, data[:200]))
                    counts["other"] += 1
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker, args=(t,))
               for t in range(nthreads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    f.close()
    print("%s: %d accepted (202), %d connection errors, %d other replies" %
          (prefix, counts["accepted"], counts["errors"], counts["other"]))
    return 1 if counts["other"] else 0


def get(port, key, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Authorization": "Bearer " + key})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    if r.status != 200:
        raise SystemExit("FAIL: GET %s: %d %r" % (path, r.status, data[:200]))
    return json.loads(data)


def check(port, key, acked_path, nthreads):
    acked = {}
    with open(acked_path) as f:
        for line in f:
            i, dk = line.split()
            if int(i) in acked:
                print("FAIL: id %s was answered 202 twice (%s and %s)" %
                      (i, acked[int(i)], dk))
                return 1
            acked[int(i)] = dk
    stored = {}
    before = None
    while True:
        page = get(port, key, "/api/v1/alerts?limit=500&service=kill9" +
                   ("&before=%d" % before if before else ""))
        for a in page["alerts"]:
            stored[a["id"]] = a
        before = page["next_before"]
        if before is None:
            break
    bad = 0
    missing = [i for i in acked if i not in stored]
    wrong = [i for i in acked if i in stored and
             stored[i]["dedup_key"] != acked[i]]
    for i in missing[:20]:
        print("FAIL: alert %d (%s) was answered 202 but is not stored" %
              (i, acked[i]))
    for i in wrong[:20]:
        print("FAIL: alert %d: stored dedup_key %s, answered %s" %
              (i, stored[i]["dedup_key"], acked[i]))
    if missing or wrong:
        bad = 1
    keys = {}
    for a in stored.values():
        if a["dedup_key"] in keys:
            print("FAIL: dedup_key %s stored twice (ids %d, %d)" %
                  (a["dedup_key"], keys[a["dedup_key"]], a["id"]))
            bad = 1
        keys[a["dedup_key"]] = a["id"]
        if a["count"] != 1 or a["status"] != "triggered":
            print("FAIL: alert %d: count %d, status %s" %
                  (a["id"], a["count"], a["status"]))
            bad = 1
    extra = len(stored) - len(acked)
    print("acknowledged (202): %d, stored: %d, missing: %d, wrong: %d, "
          "stored but unanswered: %d" %
          (len(acked), len(stored), len(missing), len(wrong), extra))
    if extra < 0 or extra > nthreads:
        print("FAIL: %d stored alerts were never answered 202; at most %d "
              "(one in flight per client thread) can be" % (extra, nthreads))
        bad = 1
    return bad


if __name__ == "__main__":
    if len(sys.argv) == 8 and sys.argv[1] == "post":
        sys.exit(post(int(sys.argv[2]), sys.argv[3], sys.argv[4],
                      int(sys.argv[5]), sys.argv[6], sys.argv[7]))
    if len(sys.argv) == 6 and sys.argv[1] == "check":
        sys.exit(check(int(sys.argv[2]), sys.argv[3], sys.argv[4],
                       int(sys.argv[5])))
    sys.exit(__doc__)
