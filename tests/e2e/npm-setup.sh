#!/bin/sh
# SPDX-License-Identifier: ISC
#
# npm-setup.sh: installs ical.js (and Prism beside it) into the build
# tree for rota-ical.sh; see npm-install.sh.  rota-ical.sh skips when it
# is absent (and fails under PAGERD_TEST_REQUIRE_PEERS=1).
#
# usage: npm-setup.sh [DIR]   (default: ./tests)
exec sh "$(cd "$(dirname "$0")" && pwd)/npm-install.sh" "$@"
