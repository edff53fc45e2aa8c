#!/usr/bin/env bash
# Installs the Debian packages cistern needs that are missing (and nothing else).
#   scripts/deps.sh demo   - what the SQLite demo needs
#   scripts/deps.sh test   - everything the whole test suite needs (default)
set -euo pipefail
profile="${1:-test}"
demo_pkgs=(g++ make cmake libsqlite3-dev libsqlitecpp-dev librange-v3-dev)
test_pkgs=("${demo_pkgs[@]}" libboost-test-dev libpq-dev postgresql-15 postgresql-15-hypopg
           libsoci-dev libbenchmark-dev prometheus curl libhiredis-dev redis-server)
case "$profile" in
  demo) want=("${demo_pkgs[@]}") ;;
  test) want=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 [demo|test]" >&2; exit 2 ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "cistern: installing missing packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
