#!/usr/bin/env bash
# The README's test command: installs what the tests need beyond JDK 17 and Maven (Debian's Chromium, which the report
# test renders report.html in; as root or with sudo, skipped when already there), then runs every test.
# Usage: deploy/test.sh [extra mvn arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-chromium.sh
exec mvn -B -ntp verify "$@"
