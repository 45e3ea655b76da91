# SPDX-License-Identifier: ISC
"""smtp-sink.py: a real SMTP server (aiosmtpd, Debian python3-aiosmtpd)
for the e-mail channel tests.  Each message it accepts is written to
OUTDIR/N.eml (the DATA as received) and OUTDIR/N.json (the envelope).

usage: smtp-sink.py PORT OUTDIR
"""
import json
import os
import signal
import sys

from aiosmtpd.controller import Controller

PORT, OUT = int(sys.argv[1]), sys.argv[2]
n = 0


class Sink:
    async def handle_DATA(self, server, session, envelope):
        global n
        n += 1
        # Each file appears whole (written aside, then renamed), the
        # envelope first: a test that sees N.eml may read both at once.
        path = os.path.join(OUT, "%d.json" % n)
        with open(path + ".tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from,
                       "rcpt_tos": envelope.rcpt_tos,
                       "helo": session.host_name}, f)
        os.rename(path + ".tmp", path)
        path = os.path.join(OUT, "%d.eml" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


c = Controller(Sink(), hostname="127.0.0.1", port=PORT)
c.start()
with open(os.path.join(OUT, "ready"), "w") as f:
    f.write("ready\n")
try:
    signal.pause()
except KeyboardInterrupt:
    pass
c.stop()
