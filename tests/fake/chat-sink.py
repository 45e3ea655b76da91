# SPDX-License-Identifier: ISC
"""chat-sink.py: HTTP receiver standing in for Slack, Mattermost, Teams
Workflows and generic JSON webhooks in the channel end-to-end tests.

usage: chat-sink.py PORTFILE LOG [SECRET]

Binds 127.0.0.1 port 0, writes the port to PORTFILE, and appends one JSON
line per request to LOG: path, headers, body, and "problems" (what is
wrong with the payload for that path; empty when it has the right shape).
Paths: /slack /mattermost /teams /generic check the payload; /status/N
answers N; /429/K answers 429 with Retry-After: 1 the first K times per
path, then 200; /hang sleeps 30 s; /gate is a generic webhook answered
only once the file LOG.gate is gone (at most 60 s after it arrived), so
a test can hold a message in flight and release it; anything else 404.
With SECRET, a
generic webhook must carry a valid Standard Webhooks signature.
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

PORTFILE, LOG = sys.argv[1], sys.argv[2]
SECRET = sys.argv[3].encode() if len(sys.argv) > 3 else None
if SECRET is not None and SECRET.startswith(b"whsec_"):
    # Standard Webhooks: the key is the base64 after the prefix.
    SECRET = base64.b64decode(SECRET[6:], validate=True)
lock = threading.Lock()
counts = {}


def check_slack(j):
    p = []
    if not isinstance(j.get("text"), str) or not j["text"]:
        p.append("text missing")
    blocks = j.get("blocks")
    if not isinstance(blocks, list) or not blocks or len(blocks) > 50:
        p.append("blocks missing")
    else:
        for b in blocks:
            t = b.get("text", {})
            if b.get("type") == "header":
                if t.get("type") != "plain_text" or len(t.get("text", "")) > 150:
                    p.append("bad header block")
            elif b.get("type") == "section":
                if t.get("type") != "mrkdwn" or len(t.get("text", "")) > 3000:
                    p.append("bad section block")
            else:
                p.append("unknown block " + str(b.get("type")))
    return p


def check_mattermost(j):
    return [] if isinstance(j.get("text"), str) and j["text"] else ["text missing"]


def check_teams(j, raw):
    p = []
    if len(raw) > 28 * 1024:
        p.append("over 28 KB")
    if j.get("type") != "message":
        p.append("type is not message")
    att = j.get("attachments")
    if not isinstance(att, list) or len(att) != 1:
        return p + ["attachments"]
    a = att[0]
    if a.get("contentType") != "application/vnd.microsoft.card.adaptive":
        p.append("contentType")
    c = a.get("content", {})
    if c.get("type") != "AdaptiveCard":
        p.append("not an AdaptiveCard")
    if float(c.get("version", "9")) > 1.4:
        p.append("card version above 1.4")
    if not c.get("body"):
        p.append("empty card body")
    for act in c.get("actions", []):
        if act.get("type") not in ("Action.OpenUrl", "Action.ShowCard",
                                   "Action.ToggleVisibility"):
            p.append("action " + str(act.get("type")) + " does not work")
    return p


def check_generic(j, raw, headers):
    p = []
    if not isinstance(j.get("alerts"), list) or not j["alerts"]:
        p.append("alerts missing")
    if SECRET is not None:
        wid = headers.get("webhook-id")
        ts = headers.get("webhook-timestamp")
        sig = headers.get("webhook-signature", "")
        if not wid or not ts:
            p.append("webhook-id/timestamp missing")
        else:
            if abs(time.time() - int(ts)) > 300:
                p.append("timestamp out of range")
            mac = hmac.new(SECRET, wid.encode() + b"." + ts.encode() + b"." +
                           raw, hashlib.sha256).digest()
            want = "v1," + base64.b64encode(mac).decode()
            if want not in sig.split(" "):
                p.append("bad signature")
    return p


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"ok", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        path = self.path
        problems = []
        try:
            j = json.loads(raw)
        except ValueError:
            j = None
            problems.append("body is not JSON")
        if self.headers.get("Content-Type") != "application/json":
            problems.append("Content-Type is not application/json")
        if j is not None:
            if path == "/slack":
                problems += check_slack(j)
            elif path == "/mattermost":
                problems += check_mattermost(j)
            elif path == "/teams":
                problems += check_teams(j, raw)
            elif path in ("/generic", "/gate"):
                problems += check_generic(j, raw, self.headers)
        with lock:
            counts[path] = counts.get(path, 0) + 1
            seen = counts[path]
            with open(LOG, "a") as f:
                f.write(json.dumps({"path": path, "at": time.time(),
                                    "headers": dict(self.headers),
                                    "body": raw.decode("utf-8", "replace"),
                                    "problems": problems}) + "\n")
        if path == "/gate":
            deadline = time.time() + 60
            while os.path.exists(LOG + ".gate") and time.time() < deadline:
                time.sleep(0.02)
            return self.reply(400 if problems else 200)
        if path.startswith("/hang"):
            time.sleep(30)
            return self.reply(200)
        if path.startswith("/status/"):
            return self.reply(int(path.split("/")[2]), b"nope")
        if path.startswith("/429/"):
            if seen <= int(path.split("/")[2]):
                return self.reply(429, b"slow down", {"Retry-After": "1"})
            return self.reply(200)
        if path in ("/slack", "/mattermost", "/generic"):
            return self.reply(400 if problems else 200,
                              b"invalid_payload" if problems else b"ok")
        if path == "/teams":
            return self.reply(400 if problems else 202, b"")
        return self.reply(404, b"no_service")


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
