#!/usr/bin/env bash
# Install the OS packages ChequeCloud needs when they are missing.
# Usage: scripts/os-deps.sh [--browser]
#   always: Tesseract (+ English data), the MariaDB client headers mysqlclient builds against,
#           the Pango libraries WeasyPrint renders PDFs with, Node.js/npm for the front-end packages,
#           the fonts the cheque generator draws with (DejaVu, URW base 35 with its script face).
#   --browser: Debian's Chromium, for the Playwright browser tests.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have_cmd tesseract || need+=(tesseract-ocr)
have_pkg tesseract-ocr-eng || need+=(tesseract-ocr-eng)
have_pkg libmariadb-dev || have_pkg libmysqlclient-dev || need+=(libmariadb-dev)
have_cmd pkg-config || need+=(pkg-config)
have_pkg libpango-1.0-0 || need+=(libpango-1.0-0)
have_pkg libpangoft2-1.0-0 || need+=(libpangoft2-1.0-0)
have_cmd npm || need+=(npm)
have_pkg fonts-dejavu-core || need+=(fonts-dejavu-core)
have_pkg fonts-urw-base35 || need+=(fonts-urw-base35)
if [ "${1:-}" = "--browser" ]; then
  have_cmd chromium || [ -x /usr/bin/chromium ] || need+=(chromium)
fi

[ ${#need[@]} -eq 0 ] && exit 0

if ! have_cmd apt-get; then
  echo "ChequeCloud needs these OS packages (Debian names): ${need[*]}" >&2
  echo "Install them with your system's package manager, then run make again." >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing OS packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
