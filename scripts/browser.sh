#!/usr/bin/env bash
# Installs what the dashboard test drives, when missing: Debian's chromium and its chromedriver (as root, or through
# sudo). Nothing is downloaded outside the distribution's packages, so the test runs with no other internet access.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi

# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
apt_install chromium chromium-driver
