#!/bin/sh
# SPDX-License-Identifier: ISC
#
# npm-install.sh: installs the npm peers of the end-to-end tests, Prism
# (@stoplight/prism-cli, the validating mock of Twilio's API and the
# proxy that holds pagerd to doc/openapi.yaml), ical.js (a calendar
# parser) and puppeteer-core (drives Debian's chromium for console.sh;
# it downloads no browser of its own), into a scratch folder of the build tree (never into the
# source tree), at the exact versions of tests/e2e/npm/package-lock.json
# ("npm ci").  Pinned because "prism-cli@5" came to pull @faker-js/faker
# 10, an ES module that Debian 12's Node 18 cannot load: the fresh-Debian
# release check failed on it.  peers-setup.sh and npm-setup.sh call it.
#
# usage: npm-install.sh [DIR]   (default: ./tests, i.e. build/tests when
#                                run from the build folder)
set -eu
dir=${1:-tests}
here=$(cd "$(dirname "$0")" && pwd)

command -v npm >/dev/null 2>&1 || {
	echo "npm-install: npm is missing (Debian packages nodejs and npm)" >&2
	exit 1
}
mkdir -p "$dir"
if [ -x "$dir/node_modules/.bin/prism" ] &&
    [ -f "$dir/node_modules/ical.js/package.json" ] &&
    [ -f "$dir/node_modules/puppeteer-core/package.json" ] &&
    cmp -s "$here/npm/package-lock.json" "$dir/package-lock.json"; then
	echo "npm-install: the test peers are already in $dir/node_modules"
	exit 0
fi
cp "$here/npm/package.json" "$here/npm/package-lock.json" "$dir/"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
"$dir/node_modules/.bin/prism" --version
