#!/bin/sh
# SPDX-License-Identifier: ISC
#
# npm-setup.sh: installs ical.js, the calendar parser the rota-ical.sh
# end-to-end test reads pagerd's feeds with, into a scratch folder of the
# build tree (never into the source tree).  rota-ical.sh skips when it
# is absent.  CI runs this before "make check".
#
# usage: npm-setup.sh [DIR]   (default: ./tests, i.e. build/tests when
#                              run from the build folder)
# Leaves DIR/node_modules/ical.js.

set -eu
dir=${1:-tests}
ICALJS_VERSION=${ICALJS_VERSION:-2}

command -v npm >/dev/null 2>&1 || {
	echo "npm-setup: npm is missing (Debian packages nodejs and npm)" >&2
	exit 1
}
mkdir -p "$dir"
if [ -f "$dir/node_modules/ical.js/package.json" ]; then
	echo "npm-setup: ical.js already in $dir/node_modules"
	exit 0
fi
[ -f "$dir/package.json" ] || printf '{"private": true}\n' >"$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
    "ical.js@$ICALJS_VERSION"
node -e 'console.log("ical.js", require(process.argv[1] + "/package.json").version)' \
    "$(cd "$dir/node_modules/ical.js" && pwd)"
