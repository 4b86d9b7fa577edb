#!/usr/bin/env bash
# Installs what the dashboard test drives, when missing: Debian's chromium and its chromedriver (as root, or through
# sudo). Nothing is downloaded outside the distribution's packages, so the test runs with no other internet access.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi

echo "installing: chromium chromium-driver" >&2
export DEBIAN_FRONTEND=noninteractive
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q chromium chromium-driver >/dev/null
