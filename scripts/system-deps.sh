#!/usr/bin/env bash
# Install the system programs the test suite uses, where they are missing. Idempotent and quiet.
# Nothing here is needed by `make run`.
set -euo pipefail
need=()
# (later issues add: postgresql, chromium, fonts for PDF)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "system-deps: please install: ${need[*]}" >&2
  fi
fi
