-- SPDX-License-Identifier: ISC
--
-- storm.lua: the wrk script of tests/bench/storm's intake figures.
-- Each request posts a distinct alert (dedup_key "intake-<thread>-<n>")
-- of service "storm" (NSERVICES 1) or "svcNN", NN = n mod NSERVICES.
-- Arguments after "--": the integration key, NSERVICES.  done() prints
-- "BENCH name=value" lines as tests/bench/ingest.lua does.

local threads = {}

function setup(thread)
	thread:set("tid", #threads + 1)
	table.insert(threads, thread)
end

function init(args)
	key = args[1] or ""
	nsvc = tonumber(args[2] or "1")
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
	local svc = "storm"
	if nsvc > 1 then
		svc = string.format("svc%02d", n % nsvc)
	end
	local body = string.format(
	    '{"summary":"intake alert %d-%d","service":"%s",' ..
	    '"dedup_key":"intake-%d-%d","priority":"P3"}', tid, n, svc, tid, n)
	return wrk.format("POST", "/api/v1/alerts", headers, body)
end

function response(status, hdrs, body)
	if status == 202 then
		n202 = n202 + 1
	else
		nother = nother + 1
	end
end

function done(summary, latency, requests)
	local t202, tother = 0, 0
	for _, t in ipairs(threads) do
		t202 = t202 + t:get("n202")
		tother = tother + t:get("nother")
	end
	print(string.format("BENCH duration_us=%d", summary.duration))
	print(string.format("BENCH n202=%d", t202))
	print(string.format("BENCH nother=%d", tother))
	print(string.format("BENCH p99_us=%d", latency:percentile(99)))
end
