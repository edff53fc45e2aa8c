#!/bin/sh
# promtool check metrics on FILE, clean but for one known lint finding: OpenTelemetry's
# db.client.connection.count translates to db_client_connection_count, and promtool's
# linter warns about any non-histogram name ending in _count. That exact line is allowed;
# any other finding, a parse error or an empty file fails.
set -u
file="$1"
test -s "$file" || { echo "promtool_check: $file is empty or missing"; exit 1; }
command -v promtool >/dev/null || { echo "promtool_check: promtool not found (Debian package prometheus)"; exit 1; }
out=$(promtool check metrics < "$file" 2>&1)
rc=$?
allowed='db_client_connection_count non-histogram and non-summary metrics should not have "_count" suffix'
rest=$(printf '%s\n' "$out" | grep -vxF "$allowed" | grep -v '^$')
if [ -n "$rest" ] || { [ $rc -ne 0 ] && [ $rc -ne 3 ]; }; then
  printf '%s\n' "$out"
  exit 1
fi
exit 0
