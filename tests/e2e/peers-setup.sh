#!/bin/sh
# SPDX-License-Identifier: ISC
#
# peers-setup.sh: installs the npm peers the channel end-to-end tests use
# into a scratch folder of the build tree (never into the source tree):
# Prism (@stoplight/prism-cli), which serves Twilio's OpenAPI spec as a
# validating mock.  contrib/dev calls it; the tests skip when it is absent.
#
# usage: peers-setup.sh [DIR]   (default: ./tests, i.e. build/tests when
#                                run from the build folder)
# Leaves DIR/node_modules/.bin/prism.  Debian packages the other peers:
# python3-aiosmtpd (SMTP server), python3 (HTTP receivers).

set -eu
dir=${1:-tests}
PRISM_VERSION=${PRISM_VERSION:-5}

command -v npm >/dev/null 2>&1 || {
	echo "peers-setup: npm is missing (Debian package npm, or nodejs)" >&2
	exit 1
}
mkdir -p "$dir"
if [ -x "$dir/node_modules/.bin/prism" ]; then
	echo "peers-setup: prism already in $dir/node_modules"
	exit 0
fi
[ -f "$dir/package.json" ] || printf '{"private": true}\n' >"$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
    "@stoplight/prism-cli@$PRISM_VERSION"
"$dir/node_modules/.bin/prism" --version
