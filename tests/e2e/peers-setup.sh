#!/bin/sh
# SPDX-License-Identifier: ISC
#
# peers-setup.sh: installs Prism (and ical.js beside it) into the build
# tree for the channel and OpenAPI end-to-end tests; see npm-install.sh.
# contrib/dev calls it; the tests skip when it is absent (and fail under
# PAGERD_TEST_REQUIRE_PEERS=1).  Debian packages the other peers:
# python3-aiosmtpd (SMTP server), python3 (HTTP receivers).
#
# usage: peers-setup.sh [DIR]   (default: ./tests)
exec sh "$(cd "$(dirname "$0")" && pwd)/npm-install.sh" "$@"
