-- SPDX-License-Identifier: ISC
--
-- ingest.lua: the wrk script of tests/bench/ingest.  Each request posts
-- a distinct alert (dedup_key "<prefix>-<thread>-<n>"), so every 202 is
-- a new row.  Arguments after "--": the integration key, and a prefix
-- (default "bench"; tests/bench/ha gives each node's wrk its own).  done() prints
-- one "BENCH name=value" line per figure for the driver to read:
-- replies by status (202 and others), socket errors, latency p50/p99/max
-- in microseconds, requests and run time.

local threads = {}

function setup(thread)
	thread:set("tid", #threads + 1)
	table.insert(threads, thread)
end

function init(args)
	key = args[1] or ""
	prefix = args[2] or "bench"
	n = 0
	n202 = 0
	nother = 0
	headers = {
		["Authorization"] = "Bearer " .. key,
		["Content-Type"] = "application/json",
	}
end

function request()
	n = n + 1
	local body = string.format(
	    '{"summary":"bench alert %d-%d","service":"bench",' ..
	    '"dedup_key":"%s-%d-%d","priority":"P3"}', tid, n, prefix, tid, n)
	return wrk.format("POST", "/api/v1/alerts", headers, body)
end

function response(status, hdrs, body)
	if status == 202 then
		n202 = n202 + 1
	else
		nother = nother + 1
		if nother <= 3 then
			io.stderr:write(string.format("status %d: %s\n", status,
			    tostring(body):sub(1, 200)))
		end
	end
end

function done(summary, latency, requests)
	local t202, tother = 0, 0
	for _, t in ipairs(threads) do
		t202 = t202 + t:get("n202")
		tother = tother + t:get("nother")
	end
	local e = summary.errors
	print(string.format("BENCH requests=%d", summary.requests))
	print(string.format("BENCH duration_us=%d", summary.duration))
	print(string.format("BENCH n202=%d", t202))
	print(string.format("BENCH nother=%d", tother))
	print(string.format("BENCH socket_errors=%d",
	    e.connect + e.read + e.write + e.timeout))
	print(string.format("BENCH p50_us=%d", latency:percentile(50)))
	print(string.format("BENCH p99_us=%d", latency:percentile(99)))
	print(string.format("BENCH max_us=%d", latency.max))
end
