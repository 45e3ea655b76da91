#!/bin/sh
# SPDX-License-Identifier: ISC
#
# run.sh: fuzz each target of a build configured with --enable-fuzzing
# for a while, from the seeds of tests/fuzz/corpus (new inputs go into
# BUILDDIR/tests/fuzz/corpus-TARGET, never into the source tree).  Prints
# one line per target and exits 1 if any crashed, leaked, timed out or
# ran out of memory; the input that did it is saved next to the corpus.
#
#   tests/fuzz/run.sh BUILDDIR SECONDS [TARGET ...]
#
# conf and rota go through libconfig 1.5, which leaks on some syntax
# errors (tests/lsan.supp); libFuzzer then runs a full leak scan after
# each such input, ten times slower.  So those two are fuzzed without
# the scan per input, LeakSanitizer still checks the whole run at exit,
# and the corpus is replayed with the scan on to name the leaking input.

if [ $# -lt 2 ]; then
	echo "usage: $0 builddir seconds [target ...]" >&2
	exit 2
fi
build=$1
secs=$2
shift 2
[ $# -eq 0 ] && set -- conf rota api-json ack-token sms-hook http-framing
src=$(cd "$(dirname "$0")" && pwd) || exit 2
out=$build/tests/fuzz
status=0

for t in "$@"; do
	prog=$out/fuzz-$t
	if [ ! -x "$prog" ]; then
		echo "fuzz-$t: FAIL: $prog not built (make fuzz)"
		status=1
		continue
	fi
	case $t in
	conf|rota) leaks=0 ;;
	*) leaks=1 ;;
	esac
	mkdir -p "$out/corpus-$t"
	log=$out/fuzz-$t.run.log
	rm -f "$out/$t-"crash-* "$out/$t-"leak-* "$out/$t-"timeout-* \
	    "$out/$t-"oom-*
	"$prog" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -detect_leaks=$leaks \
	    -dict="$src/fuzz-$t.dict" -artifact_prefix="$out/$t-" \
	    "$out/corpus-$t" "$src/corpus/$t" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ $leaks -eq 0 ]; then
		"$prog" -runs=0 -detect_leaks=1 -artifact_prefix="$out/$t-" \
		    "$out/corpus-$t" "$src/corpus/$t" >>"$log" 2>&1
		rc=$?
	fi
	done_line=$(grep 'DONE ' "$log" | head -1)
	runs=$(echo "$done_line" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	if [ $rc -eq 0 ]; then
		echo "fuzz-$t: ok: ${runs:-?} runs in $secs s," \
		    "${cov:-?} edges covered"
		continue
	fi
	status=1
	# the report, from its first line; else the end of the log
	first=$(grep -n -m 1 -E 'runtime error|ERROR: |^==[0-9]+==' "$log" |
	    cut -d: -f1)
	if [ -n "$first" ]; then
		sed -n "$first,\$p" "$log" | head -60
	else
		tail -30 "$log"
	fi
	found=$(ls "$out/$t-"crash-* "$out/$t-"leak-* "$out/$t-"timeout-* \
	    "$out/$t-"oom-* 2>/dev/null | head -1)
	echo "fuzz-$t: FAIL (exit $rc): ${found:-no single input saved};" \
	    "log $log"
	[ -n "$found" ] && echo "fuzz-$t: reproduce with: $prog $found"
done
exit $status
