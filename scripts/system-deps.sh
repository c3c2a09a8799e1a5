#!/usr/bin/env bash
# Install the system programs the test suite uses, where they are missing. Idempotent and quiet.
# Nothing here is needed by `make run`.
set -euo pipefail
need=()
# digests: WeasyPrint needs Pango and fonts; the PDF test looks at a page image through pdftoppm
command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || need+=(fonts-dejavu-core)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
# web: the browser tests drive Debian's Chromium through Playwright (never `playwright install`)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)  # emoji in pages and the PDF
# store: the PostgreSQL tests start their own server from Debian's binaries (initdb, pg_ctl; tests/conftest.py)
command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "system-deps: please install: ${need[*]}" >&2
  fi
fi
