# SPDX-License-Identifier: ISC
#
# check-config.sh: "pagerd -t" on the example configuration (conf/, copied
# into TEST_TMP) succeeds; on broken files it prints each problem as
# "file:line: message" on stderr, with the line of the fault, and exits 1:
# a bad duration, an unknown key (top level and nested), a bad priority,
# bad listen addresses, a missing or short key file, a bad key_sha256, a
# bad role, a syntax error, several faults at once, duplicate names,
# bad mappings and bad callbacks (URL, headers, template, secret, delays).
. "$E2E_LIB"

cd "$TEST_TMP" || exit 99

# The example configuration, as shipped.
mkdir example
cp "$top_srcdir/conf/pagerd.conf" example/
for f in people.conf rota.d; do
	[ -e "$top_srcdir/conf/$f" ] && cp -R "$top_srcdir/conf/$f" example/
done
"$PAGERD" -t -c example/pagerd.conf >check.out 2>check.err
rc=$?
if [ $rc -ne 0 ]; then
	cat check.err
	fail "pagerd -t on conf/pagerd.conf exited $rc"
fi
expect_match 'configuration OK' "$(cat check.out)" "pagerd -t output on the example"
[ -d example/state ] && fail "pagerd -t created the state folder"
pass "pagerd -t accepts conf/pagerd.conf"

# A minimal good file, and the same file with one fault at a time.
hash=$(sha256_hex "$(new_key)")
good() {
	cat <<EOF
state_dir = "state";
http = {
	listen = [ "127.0.0.1:8080" ];
	timeout = "30s";
	max_body = 4096;
};
intake = {
	default_priority = "P3";
};
integrations = (
	{
		name = "monitoring";
		key_sha256 = "$hash";
	}
);
tokens = (
	{
		name = "ops";
		role = "viewer";
		key_file = "ops.key";
	}
);
EOF
}
printf 'a-long-enough-viewer-token\n' >ops.key
chmod 600 ops.key
good >good.conf
"$PAGERD" -t -c good.conf >check.out 2>check.err ||
    { cat check.err; fail "pagerd -t on the good file"; }
pass "pagerd -t accepts the minimal good file"

# bad NAME LINE MESSAGE: bad.NAME.conf must fail with exit status 1 and
# the line "bad.NAME.conf:LINE: MESSAGE..." (MESSAGE a fixed prefix), and
# every line on stderr must have the file:line: form.
bad() {
	local f=bad.$1.conf line=$2 msg=$3 rc
	"$PAGERD" -t -c "$f" >check.out 2>check.err
	rc=$?
	if [ $rc -ne 1 ]; then
		cat check.out check.err
		fail "pagerd -t on $f exited $rc, expected 1"
	fi
	if grep -q 'configuration OK' check.out; then
		fail "pagerd -t on $f said OK"
	fi
	if ! grep -qF -- "$f:$line: $msg" check.err; then
		printf 'expected on stderr a line starting\n  [%s]\nbut stderr was\n' \
		    "$f:$line: $msg"
		sed -e 's/^/  /' check.err
		fail "pagerd -t on $f: message"
	fi
	if grep -v -E "^[^:]+:[0-9]+: " check.err | grep -q .; then
		echo "stderr lines without file:line:"
		grep -v -E "^[^:]+:[0-9]+: " check.err
		fail "pagerd -t on $f: not file:line: message"
	fi
	pass "$f: $(head -n 1 check.err)"
}

# edit NAME SED-SCRIPT: bad.NAME.conf from the good file.
edit() {
	good | sed -e "$2" >"bad.$1.conf"
}

edit duration '4s/"30s"/"5x"/'
bad duration 4 'http.timeout: bad duration "5x"'
edit duration-range '4s/"30s"/"500ms"/'
bad duration-range 4 'http.timeout must be between 1s and 1h'
edit unknown-top '1a\
retries = 3;'
bad unknown-top 2 'unknown key "retries"'
edit unknown-nested '8a\
	default_severity = "high";'
bad unknown-nested 9 'unknown key "intake.default_severity"'
edit unknown-entry '13a\
		service_name = "db";'
bad unknown-entry 14 'unknown key "service_name" in integrations'
edit priority '8s/"P3"/"P7"/'
bad priority 8 'intake.default_priority must be one of P1..P4'
edit listen-port '3s/8080/99999/'
bad listen-port 3 'bad listen address "127.0.0.1:99999"'
edit listen-noport '3s/127.0.0.1:8080/localhost/'
bad listen-noport 3 'bad listen address "localhost"'
edit listen-type '3s/\[ "127.0.0.1:8080" \]/8080/'
bad listen-type 3 'http.listen must be a string or a list of strings'
edit max-body '5s/4096/12/'
bad max-body 5 'http.max_body must be between 1024 and'
edit key-file '20s/ops.key/missing.key/'
bad key-file 17 "tokens \"ops\": $TEST_TMP/missing.key: No such file or directory"
printf 'short\n' >short.key
chmod 600 short.key
edit key-short '20s/ops.key/short.key/'
bad key-short 17 "tokens \"ops\": $TEST_TMP/short.key: key is shorter than 16 characters"
edit sha '13s/"[0-9a-f]*"/"abc"/'
bad sha 11 'integrations "monitoring": key_sha256 must be 64 hex digits'
edit role '19s/viewer/admin/'
bad role 17 'token "ops": role must be viewer or responder'
edit syntax '8s/= /= = /'
bad syntax 8 'syntax error'
edit state-empty '1s/"state"/""/'
bad state-empty 1 'state_dir is empty'

# Several faults: each is reported, with its own line.
good | sed -e '4s/"30s"/"forever"/' -e '8s/"P3"/"P0"/' \
    -e '1a\
colour = "blue";' >bad.many.conf
"$PAGERD" -t -c bad.many.conf >check.out 2>check.err
expect_eq 1 "$?" "exit status of pagerd -t on bad.many.conf"
expect_eq 3 "$(wc -l <check.err)" "lines on stderr for three faults"
for l in 'bad.many.conf:2: unknown key "colour"' \
    'bad.many.conf:5: http.timeout: bad duration "forever"' \
    'bad.many.conf:9: intake.default_priority must be one of P1..P4'; do
	grep -qF -- "$l" check.err || { cat check.err; fail "missing: $l"; }
done
pass "three faults, three file:line: messages"

# A missing file.
"$PAGERD" -t -c nothere.conf >check.out 2>check.err
expect_eq 1 "$?" "exit status of pagerd -t on a missing file"
expect_match '^nothere\.conf:0: cannot read file: No such file or directory$' \
    "$(cat check.err)" "pagerd -t on a missing file"
pass "a missing file: file:0: cannot read file"

# Duplicate names: the second entry (its { on line 15) is the fault.
good | sed -e '14a\
	,{\
		name = "monitoring";\
		key_sha256 = "'"$(sha256_hex "$(new_key)")"'";\
	}' >bad.dup.conf
expect_eq '		name = "monitoring";' "$(sed -n 16p bad.dup.conf)" \
    "line 16 of bad.dup.conf"
"$PAGERD" -t -c bad.dup.conf >check.out 2>check.err
expect_eq 1 "$?" "exit status of pagerd -t with a duplicate name"
want='bad.dup.conf:15: key name "monitoring" is used twice \(first at line [0-9]+\)'
expect_match "^$want\$" "$(cat check.err)" "the duplicate-name error"
pass "duplicate names: reported at the second one's line"
# The same key under two names is refused too.
good | sed -e '14a\
	,{\
		name = "monitoring-2";\
		key_sha256 = "'"$hash"'";\
	}' >bad.samekey.conf
"$PAGERD" -t -c bad.samekey.conf >check.out 2>check.err
expect_eq 1 "$?" "exit status of pagerd -t with one key under two names"
expect_match 'keys "monitoring" and "monitoring-2" are the same key$' \
    "$(cat check.err)" "the same-key error"
pass "duplicate names and duplicate keys are refused"

# A mapped integration (format = "mapped"): the good mapping is taken;
# each fault is reported at its own line with the key.
mapped() {
	cat <<EOF
state_dir = "state";
http = { listen = [ "127.0.0.1:8080" ]; };
integrations = (
	{
		name = "desk";
		key_sha256 = "$hash";
		format = "mapped";
		mapping = {
			summary = { template = "#{/ticket/number} {/ticket/title}"; };
			priority = {
				pointer = "/ticket/priority/name";
				map = ( [ "3 high", "P1" ], [ "1 low", "P4" ] );
				default = "P3";
			};
			dedup_key = "/ticket/id";
			action = { pointer = "/ticket/state"; map = ( [ "closed", "resolve" ] );
			    default = "trigger"; };
			details = { customer = "/ticket/customer/email"; };
			external_url = { template = "https://desk.example/#ticket/zoom/{/ticket/id}"; };
		};
	}
);
EOF
}
mapped >good.mapped.conf
"$PAGERD" -t -c good.mapped.conf >check.out 2>check.err ||
    { cat check.err; fail "pagerd -t on a good mapping"; }
pass "pagerd -t accepts a mapped integration"
medit() {
	mapped | sed -e "$2" >"bad.$1.conf"
}
medit map-priority '12s/"P4"/"P9"/'
bad map-priority 12 'integrations "desk": mapping.priority.map: "P9" is not a priority (P1 to P4)'
medit map-pointer '15s|"/ticket/id"|"ticket/id"|'
bad map-pointer 15 'integrations "desk": mapping.dedup_key: "ticket/id": a JSON Pointer must start with "/"'
medit map-tilde '18s|/ticket/customer/email|/a~b|'
bad map-tilde 18 'integrations "desk": mapping.details.customer: "/a~b": "~" at byte 3 must be followed by 0 or 1'
medit map-field '15a\
			colour = "/x";'
bad map-field 16 'integrations "desk": unknown key "colour" in mapping'
medit map-key '13a\
				defualt = "P2";'
bad map-key 14 'integrations "desk": unknown key "defualt" in mapping.priority'
medit map-action '16s/"resolve"/"close"/'
bad map-action 16 'integrations "desk": mapping.action.map: "close" is not trigger, acknowledge or resolve'
medit map-template '9s|{/ticket/title}|{/ticket/title|'
bad map-template 9 'integrations "desk": mapping.summary.template: template "#{/ticket/number} {/ticket/title": "{" at byte 19 is not closed'
medit map-nodedup '15d'
bad map-nodedup 8 'integrations "desk": mapping.action: acknowledge and resolve need a dedup_key'
medit map-noformat '7d'
bad map-noformat 7 'integrations "desk": a mapping needs format = "mapped"'
medit map-format '7s/mapped/json/'
bad map-format 7 'integrations "desk": format must be "mapped"'

# An integration's callback: the good one is taken; each fault is
# reported at its own line with the key.
callbacked() {
	cat <<EOF
state_dir = "state";
http = { listen = [ "127.0.0.1:8080" ]; };
integrations = (
	{
		name = "desk";
		key_sha256 = "$hash";
		callback = {
			url = "https://desk.example/api/pagerd";
			headers = ( [ "Authorization", "Token t0k" ] );
			body = "{\"ticket\": \"{dedup_key}\", \"state\": \"{type}\"}";
			secret_file = "cb.secret";
			backoff = "5s";
			backoff_max = "10m";
		};
	}
);
EOF
}
printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" >cb.secret
printf 'whsec_!!not-base64!!-at-all\n' >cb-bad.secret
chmod 600 cb.secret cb-bad.secret
callbacked >good.callback.conf
"$PAGERD" -t -c good.callback.conf >check.out 2>check.err ||
    { cat check.err; fail "pagerd -t on a good callback"; }
pass "pagerd -t accepts an integration's callback"
cedit() {
	callbacked | sed -e "$2" >"bad.$1.conf"
}
cedit cb-url '8s|https://desk.example|ftp://desk.example|'
bad cb-url 8 'integrations "desk": callback.url must be an http:// or https:// URL'
cedit cb-nourl '8d'
bad cb-nourl 7 'integrations "desk": callback.url must be an http:// or https:// URL'
cedit cb-crlf '9s|Token t0k|Token t0k\\r\\nX-Evil: 1|'
bad cb-crlf 9 'integrations "desk": callback.headers: header Authorization: the value holds a control character'
cedit cb-hop '9s|Authorization|Transfer-Encoding|'
bad cb-hop 9 'integrations "desk": callback.headers: header Transfer-Encoding is set by pagerd or the connection'
cedit cb-own '9s|Authorization|webhook-signature|'
bad cb-own 9 'integrations "desk": callback.headers: header webhook-signature is set by pagerd'
cedit cb-body '10s|{type}|{typo}|'
bad cb-body 10 'integrations "desk": callback.body: unknown field {typo} in the body template'
cedit cb-whsec '11s|cb.secret|cb-bad.secret|'
bad cb-whsec 11 'integrations "desk": callback.secret_file: a whsec_ secret must be base64 after the prefix'
cedit cb-nosecret '11s|cb.secret|missing.secret|'
bad cb-nosecret 11 'integrations "desk": callback.secret_file: '
cedit cb-backoff '12s|5s|5 parsecs|'
bad cb-backoff 12 'integrations "desk": callback.backoff: '
cedit cb-order '13s|10m|1s|'
bad cb-order 7 'integrations "desk": callback.backoff_max is shorter than callback.backoff'
cedit cb-giveup '13a\
			give_up = "0s";'
bad cb-giveup 14 'integrations "desk": callback.give_up must be between 1s and 4w'
cedit cb-key '13a\
			retries = 3;'
bad cb-key 14 'unknown key "retries" in integrations "desk": callback'
pass "pagerd -t refuses bad callbacks at their line, naming the key"
