-- SPDX-License-Identifier: ISC
--
-- vs-alertmanager.lua: the wrk script of tests/bench/vs-alertmanager.
-- Each request posts one distinct alert (key "w<thread>-<n>"), either to
-- pagerd's POST /api/v1/alerts or to Alertmanager's POST /api/v2/alerts
-- (a JSON array holding that one alert).  Arguments after "--": the
-- target ("pagerd" or "alertmanager"), pagerd's integration key, and a
-- run tag.  done() prints "BENCH name=value" lines: replies by status
-- (2xx and others), socket errors, latency p50/p99/max in microseconds
-- and the run time.

local threads = {}

function setup(thread)
	thread:set("tid", #threads + 1)
	table.insert(threads, thread)
end

function init(args)
	target = args[1] or "pagerd"
	tag = args[3] or "r"
	n, nok, nother = 0, 0, 0
	if target == "pagerd" then
		path = "/api/v1/alerts"
		headers = {
			["Authorization"] = "Bearer " .. (args[2] or ""),
			["Content-Type"] = "application/json",
		}
	else
		path = "/api/v2/alerts"
		headers = { ["Content-Type"] = "application/json" }
	end
end

function request()
	n = n + 1
	local k = string.format("%s-w%d-%d", tag, tid, n)
	local body
	if target == "pagerd" then
		body = string.format('{"summary":"bench alert %s",' ..
		    '"service":"bench","dedup_key":"%s","priority":"P1"}', k, k)
	else
		body = string.format('[{"labels":{"alertname":"bench",' ..
		    '"key":"%s","severity":"critical"},' ..
		    '"annotations":{"summary":"bench alert %s"},' ..
		    '"endsAt":"2099-01-01T00:00:00Z"}]', k, k)
	end
	return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
	if status >= 200 and status < 300 then
		nok = nok + 1
	else
		nother = nother + 1
		if nother <= 3 then
			io.stderr:write(string.format("status %d: %s\n", status,
			    tostring(body):sub(1, 200)))
		end
	end
end

function done(summary, latency, requests)
	local tok, tother = 0, 0
	for _, t in ipairs(threads) do
		tok = tok + t:get("nok")
		tother = tother + t:get("nother")
	end
	local e = summary.errors
	print(string.format("BENCH requests=%d", summary.requests))
	print(string.format("BENCH duration_us=%d", summary.duration))
	print(string.format("BENCH nok=%d", tok))
	print(string.format("BENCH nother=%d", tother))
	print(string.format("BENCH socket_errors=%d",
	    e.connect + e.read + e.write + e.timeout))
	print(string.format("BENCH p50_us=%d", latency:percentile(50)))
	print(string.format("BENCH p99_us=%d", latency:percentile(99)))
	print(string.format("BENCH max_us=%d", latency.max))
end
