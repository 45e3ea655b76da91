# SPDX-License-Identifier: ISC
"""callback-sink.py: HTTP receiver of pagerd's integration callbacks
(tests/e2e/callback.sh): it checks each one as a Standard Webhooks
receiver would.

usage: callback-sink.py PORTFILE LOG SECRET

Binds 127.0.0.1 port 0, writes the port to PORTFILE, and appends one JSON
line per request to LOG: "at", "path", "id" (webhook-id), "status" (what
it answered), "sig_ok" (the webhook-signature is the HMAC-SHA256 of
id.timestamp.body under SECRET, a whsec_ secret, and the timestamp is
within five minutes), "problems" and "body" (the parsed JSON, or null).
A path answers 500 while the file LOG.fail.<last part of the path>
exists ("/desk" fails while LOG.fail.desk is there), else 204; it
answers nothing while LOG.hang.<last part> exists (at most 30 s).
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, LOG, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]
KEY = base64.b64decode(SECRET[len("whsec_"):], validate=True)
lock = threading.Lock()


def verify(msg_id, ts, sig, body):
    problems = []
    if not msg_id:
        problems.append("no webhook-id")
    try:
        if abs(time.time() - int(ts)) > 300:
            problems.append("webhook-timestamp too far from now")
    except (TypeError, ValueError):
        problems.append("bad webhook-timestamp")
    signed = ("%s.%s." % (msg_id, ts)).encode() + body
    want = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest())
    sigs = [s.split(",", 1)[1].encode() for s in (sig or "").split()
            if s.startswith("v1,")]
    ok = any(hmac.compare_digest(want, s) for s in sigs)
    if not ok:
        problems.append("bad webhook-signature")
    return ok and not problems, problems


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        ok, problems = verify(self.headers.get("webhook-id"),
                              self.headers.get("webhook-timestamp"),
                              self.headers.get("webhook-signature"), body)
        if self.headers.get("Content-Type") != "application/json":
            problems.append("Content-Type is not application/json")
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
            problems.append("body is not JSON")
        name = self.path.rstrip("/").rsplit("/", 1)[-1]
        deadline = time.time() + 30
        while (os.path.exists("%s.hang.%s" % (LOG, name))
               and time.time() < deadline):
            time.sleep(0.05)
        status = 500 if os.path.exists("%s.fail.%s" % (LOG, name)) else 204
        rec = {"at": time.time(), "path": self.path,
               "id": self.headers.get("webhook-id"), "status": status,
               "sig_ok": ok, "problems": problems, "body": parsed,
               "x_desk": self.headers.get("X-Desk-Token")}
        with lock:
            with open(LOG, "a") as f:
                f.write(json.dumps(rec) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
