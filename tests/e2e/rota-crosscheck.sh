#!/bin/sh
# SPDX-License-Identifier: ISC
#
# rota-crosscheck.sh: compare pagerd's rota handoffs with an independent
# model built on Python's zoneinfo, for each rota of
# tests/unit/rota-crosscheck.d over 2026-2028 (every DST change in the
# zones used).  Exit 0 on a match, 1 on a mismatch (the diff is shown),
# 77 (skip) without /usr/bin/python3 and its zoneinfo module (1 if
# PAGERD_TEST_REQUIRE_PEERS=1).

PY=/usr/bin/python3
FROM=2026-01-01
TO=2029-01-01

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${top_srcdir:-$here/../..}
builddir=${top_builddir:-.}

if ! [ -x "$PY" ] || ! "$PY" -c 'import zoneinfo' 2>/dev/null; then
	if [ "${PAGERD_TEST_REQUIRE_PEERS:-0}" = 1 ]; then
		echo "rota-crosscheck: $PY with zoneinfo is missing" \
		    "(PAGERD_TEST_REQUIRE_PEERS=1)"
		exit 1
	fi
	echo "rota-crosscheck: $PY with zoneinfo not found, skipping"
	exit 77
fi

dump=${ROTA_DUMP:-}
if [ -z "$dump" ]; then
	for d in "$builddir/tests/unit/rota-dump" ./tests/unit/rota-dump; do
		if [ -x "$d" ]; then
			dump=$d
			break
		fi
	done
fi
if [ -z "$dump" ] || ! [ -x "$dump" ]; then
	echo "rota-crosscheck: rota-dump not built (set ROTA_DUMP)" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rota-crosscheck.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

status=0
n=0
for f in "$srcdir"/tests/unit/rota-crosscheck.d/*.conf; do
	name=$(basename "$f" .conf)
	if ! "$PY" "$srcdir/tests/unit/rota-crosscheck.py" "$f" $FROM $TO \
	    >"$tmp/$name.zoneinfo"; then
		echo "rota-crosscheck: $name: the Python model failed" >&2
		status=1
		continue
	fi
	if ! "$dump" "$f" $FROM $TO >"$tmp/$name.pagerd"; then
		echo "rota-crosscheck: $name: rota-dump failed" >&2
		status=1
		continue
	fi
	if ! [ -s "$tmp/$name.zoneinfo" ]; then
		echo "rota-crosscheck: $name: no handoffs computed" >&2
		status=1
		continue
	fi
	if diff -u "$tmp/$name.zoneinfo" "$tmp/$name.pagerd"; then
		echo "ok $name: $(wc -l <"$tmp/$name.pagerd") handoffs agree"
	else
		echo "FAIL $name: pagerd (+) differs from zoneinfo (-)"
		status=1
	fi
	n=$((n + 1))
done
if [ $n -eq 0 ]; then
	echo "rota-crosscheck: no rotas found in $srcdir" >&2
	exit 1
fi
exit $status
