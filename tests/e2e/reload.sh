# SPDX-License-Identifier: ISC
#
# reload.sh: SIGHUP with a broken config (a syntax error; an unknown key;
# a bad value) is rejected with "file:line: message" in the log, and the
# daemon goes on with the old config (the old key works, the new one in
# the broken file does not).  A valid change takes effect: a new
# integration key is accepted after SIGHUP, a removed one is refused,
# and a smaller http.max_body applies at once.
. "$E2E_LIB"

write_config
cp "$CONFIG" "$TEST_TMP/good.conf"
start_pagerd

post_alert "$INT_KEY" '{"summary": "before reload", "dedup_key": "r1"}'
expect_status 202
expect_json .id 1

NEW_KEY=$(new_key)
new_integration=",
	{
		name = \"e2e-new\";
		key_sha256 = \"$(sha256_hex "$NEW_KEY")\";
	}"

# A broken file: the good one with a new key added and one fault.
# reject_reload WHAT EXPECTED-LOG-LINE: SIGHUP must be rejected, with
# EXPECTED-LOG-LINE (a fixed string) among the logged errors.
reject_reload() {
	local what=$1 want=$2
	reload_pagerd
	expect_eq rejected "$RELOAD_RESULT" "the outcome of SIGHUP with $what"
	if ! grep -qF -- "$want" "$PAGERD_ERR"; then
		echo "expected the log to say: $want"
		tail -n 5 "$PAGERD_ERR"
		fail "reload with $what: error not logged"
	fi
	# The old configuration runs: the old key works, the new one not.
	post_alert "$INT_KEY" '{"summary": "still here", "dedup_key": "r1"}'
	expect_status 202 "post with the old key after a rejected reload ($what)"
	expect_json .id 1
	post_alert "$NEW_KEY" '{"summary": "new key"}'
	expect_error 401 "unknown key" "post with the new key after a rejected reload ($what)"
	http GET /readyz
	expect_status 200
	pass "SIGHUP with $what rejected, old config kept"
}

# 1. A syntax error: a line of garbage after the line of state_dir.
EXTRA_INTEGRATIONS=$new_integration write_config "$TEST_TMP/next.conf"
line=$(($(grep -n '^state_dir' "$TEST_TMP/next.conf" | cut -d: -f1) + 1))
awk -v n=$line 'NR == n { print "this is not = valid;" } { print }' \
    "$TEST_TMP/next.conf" >"$CONFIG"
reject_reload "a syntax error" "$CONFIG:$line: syntax error"

# 2. An unknown key inside http { }.
line=$(($(grep -n '^http = {' "$TEST_TMP/next.conf" | cut -d: -f1) + 1))
awk -v n=$line 'NR == n { print "\tlisten_backlog = 5;" } { print }' \
    "$TEST_TMP/next.conf" >"$CONFIG"
reject_reload "an unknown key" "$CONFIG:$line: unknown key \"http.listen_backlog\""

# 3. A bad value: http.timeout below its minimum.
sed -e 's/timeout = "30s"/timeout = "10ms"/' "$TEST_TMP/next.conf" >"$CONFIG"
line=$(grep -n 'timeout = "10ms"' "$CONFIG" | cut -d: -f1)
reject_reload "a bad duration" "$CONFIG:$line: http.timeout must be between 1s and 1h"

# 4. The file gone.
rm -f "$CONFIG"
reject_reload "a missing file" "cannot read file"

# A good change: the new key added.
cp "$TEST_TMP/next.conf" "$CONFIG"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "the outcome of SIGHUP with a valid config"
post_alert "$NEW_KEY" '{"summary": "new key", "dedup_key": "r2"}'
expect_status 202 "post with the key added by reload"
expect_json .id 2
api_get /api/v1/alerts/2
expect_json .integration e2e-new
post_alert "$INT_KEY" '{"summary": "old key", "dedup_key": "r1"}'
expect_status 202 "post with the old key after a good reload"
expect_json .id 1
pass "a valid change takes effect: the new key posts"

# Another: the old integration removed, max_body lowered to 1024.
EXTRA_INTEGRATIONS=$new_integration MAX_BODY=1024 write_config "$TEST_TMP/next.conf"
awk '/name = "e2e-integration"/ { skip = 1 }
    skip && /^\t}/ { skip = 0; getline; next }
    !skip' "$TEST_TMP/next.conf" >"$CONFIG"
grep -q e2e-integration "$CONFIG" && fail "could not remove the old key"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "the outcome of SIGHUP removing a key"
post_alert "$INT_KEY" '{"summary": "old key"}'
expect_error 401 "unknown key" "post with a key removed by reload"
pad=$(head -c 1100 /dev/zero | tr '\0' p)
post_alert "$NEW_KEY" "{\"summary\": \"$pad\"}"
expect_error 413 "body is larger than 1024 bytes" "a 1100-byte post after max_body was lowered"
post_alert "$NEW_KEY" '{"summary": "small"}'
expect_status 202
expect_json .id 3
pass "a removed key is refused, a lower max_body applies"

# Nothing the rejected reloads did reached the store.
load_alert_ids
expect_eq "3 2 1" "${ALERT_IDS[*]}" "the alert ids"
api_get /api/v1/alerts/1
expect_json .count 6
stop_pagerd
