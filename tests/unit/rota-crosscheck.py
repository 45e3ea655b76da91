#!/usr/bin/python3
# SPDX-License-Identifier: ISC
#
# rota-crosscheck.py: an independent model of rota handoffs, built on
# Python's zoneinfo rather than pagerd's TZif reader.  Reads the simple
# subset of the rota format used by tests/unit/rota-crosscheck.d (name,
# timezone, layers with start, shift, members and when) and prints, for
# [from, to), each instant at which the set of people on call changes, in
# the same format as tests/unit/rota-dump.  Usage: FILE FROM-DATE TO-DATE

import bisect
import datetime as dt
import re
import sys
import zoneinfo

UTC = dt.timezone.utc
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def die(msg):
    sys.stderr.write("rota-crosscheck.py: %s\n" % msg)
    sys.exit(2)


def parse_rota(text):
    """The subset of libconfig the cross-check rotas use."""
    text = re.sub(r"#[^\n]*", "", text)
    tzname = re.search(r'timezone\s*=\s*"([^"]+)"', text).group(1)
    body = re.search(r"layers\s*=\s*\((.*)\)\s*;", text, re.S).group(1)
    layers = []
    for group in re.findall(r"\{(.*?)\}", body, re.S):
        layer = {}
        layer["start"] = re.search(r'start\s*=\s*"([^"]+)"', group).group(1)
        layer["shift"] = re.search(r'shift\s*=\s*"([^"]+)"', group).group(1)
        members = re.search(r"members\s*=\s*\[(.*?)\]", group, re.S).group(1)
        layer["members"] = re.findall(r'"([^"]+)"', members)
        when = re.search(r"when\s*=\s*(\[.*?\]|\"[^\"]*\")", group, re.S)
        layer["when"] = re.findall(r'"([^"]+)"', when.group(1)) if when else []
        layers.append(layer)
    return zoneinfo.ZoneInfo(tzname), layers


def to_utc(zone, naive):
    """Local wall time to UTC: a time in a gap becomes the end of the gap,
    a repeated time its first occurrence."""
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # In a gap: fold=0 read it with the old offset, fold=1 with the new.
    hi = int(first.timestamp())
    lo = int(naive.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    if lo > hi:
        lo, hi = hi, lo
    old = dt.datetime.fromtimestamp(lo, zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if dt.datetime.fromtimestamp(mid, zone).utcoffset() == old:
            lo = mid
        else:
            hi = mid
    return dt.datetime.fromtimestamp(hi, UTC)


def parse_shift(s):
    units = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    terms = re.findall(r"(\d+)([a-z]+)", s)
    if "".join(n + u for n, u in terms) != s:
        die("bad shift %s" % s)
    secs = sum(int(n) * units[u] for n, u in terms)
    calendar = all(u in "dw" for _, u in terms)
    return calendar, secs


def parse_day(s):
    return DAYS.index(s[:3].lower())


def parse_when(s):
    """A window as (set of start weekdays 0=Sun, start min, ndays, end min)."""
    m = re.fullmatch(r"\s*(?:([A-Za-z,-]+)\s+)?(\d\d?):(\d\d)\s*-\s*"
                     r"(?:([A-Za-z]+)\s+)?(\d\d?):(\d\d)\s*", s)
    if m is None:
        die("bad window %s" % s)
    dayspec, sh, sm, endday, eh, em = m.groups()
    start, end = int(sh) * 60 + int(sm), int(eh) * 60 + int(em)
    days = set()
    if dayspec is None:
        days = set(range(7))
    else:
        for item in dayspec.split(","):
            if "-" in item:
                a, b = (parse_day(x) for x in item.split("-"))
                d = a
                while True:
                    days.add(d)
                    if d == b:
                        break
                    d = (d + 1) % 7
            else:
                days.add(parse_day(item))
    if endday is not None:
        (single,) = days
        ndays = (parse_day(endday) - single) % 7
        if ndays == 0 and end <= start:
            ndays = 7
    else:
        ndays = 0 if end > start else 1
    return days, start, ndays, end


class Layer:
    def __init__(self, zone, spec, lo, hi):
        self.members = spec["members"]
        start = dt.datetime.strptime(spec["start"], "%Y-%m-%d %H:%M")
        calendar, secs = parse_shift(spec["shift"])
        # Every handoff from the start to past the window.
        self.handoffs = []
        k = 0
        while True:
            if calendar:
                h = to_utc(zone, start + dt.timedelta(days=k * secs // 86400))
            else:
                h = to_utc(zone, start) + dt.timedelta(seconds=k * secs)
            self.handoffs.append(h)
            if h > hi:
                break
            k += 1
        # Every occurrence of every window near the range.
        self.spans = []
        for w in spec["when"]:
            days, smin, ndays, emin = parse_when(w)
            day = (lo - dt.timedelta(days=9)).astimezone(zone).date()
            last = (hi + dt.timedelta(days=9)).astimezone(zone).date()
            while day <= last:
                # Python: Monday is 0; ours: Sunday is 0.
                if (day.weekday() + 1) % 7 in days:
                    base = dt.datetime(day.year, day.month, day.day)
                    s = to_utc(zone, base + dt.timedelta(minutes=smin))
                    e = to_utc(zone, base + dt.timedelta(days=ndays,
                                                         minutes=emin))
                    if s < e:
                        self.spans.append((s, e))
                day += dt.timedelta(days=1)
        self.spans.sort()

    def edges(self):
        out = list(self.handoffs)
        for s, e in self.spans:
            out += [s, e]
        return out

    def person(self, t):
        if t < self.handoffs[0]:
            return None
        if self.spans and not any(s <= t < e for s, e in self.spans):
            return None
        k = bisect.bisect_right(self.handoffs, t) - 1
        return self.members[k % len(self.members)]


def main():
    if len(sys.argv) != 4:
        die("usage: rota-crosscheck.py file from-date to-date")
    with open(sys.argv[1]) as f:
        zone, specs = parse_rota(f.read())
    lo = dt.datetime.strptime(sys.argv[2], "%Y-%m-%d").replace(tzinfo=UTC)
    hi = dt.datetime.strptime(sys.argv[3], "%Y-%m-%d").replace(tzinfo=UTC)
    layers = [Layer(zone, s, lo, hi) for s in specs]
    instants = sorted({t for l in layers for t in l.edges() if lo < t < hi})
    prev = None
    for t in [lo] + instants:
        names = sorted({p for p in (l.person(t) for l in layers) if p})
        state = ",".join(names) if names else "-"
        if state != prev:
            print("%s %s" % (t.strftime("%Y-%m-%dT%H:%M:%SZ"), state))
            prev = state


main()
