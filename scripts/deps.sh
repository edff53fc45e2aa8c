#!/usr/bin/env bash
# Installs the Debian packages cistern needs that are missing (and nothing else).
#   scripts/deps.sh demo   - what the SQLite demo needs
#   scripts/deps.sh test   - everything the whole test suite needs (default)
# Installing Debian's postgresql-15, redis-server or prometheus normally starts their
# services (the distribution's default PostgreSQL cluster on port 5432, Prometheus on 9090).
# The tests start their own throwaway servers, so this script keeps the packages it installs
# from starting any service (a temporary /usr/sbin/policy-rc.d that denies starts, the
# Debian mechanism for exactly this) and says so.
set -euo pipefail
profile="${1:-test}"
demo_pkgs=(g++ make cmake libsqlite3-dev libsqlitecpp-dev librange-v3-dev libcli11-dev nlohmann-json3-dev)
test_pkgs=("${demo_pkgs[@]}" libboost-test-dev libpq-dev postgresql-15 postgresql-15-hypopg
           libsoci-dev libbenchmark-dev prometheus curl pkg-config python3 doxygen
           libhiredis-dev redis-server libpg-query-dev libtbb-dev
           libcpp-httplib-dev nlohmann-json3-dev zlib1g-dev chromium)  # http dashboard + browser tests
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

# Keep the services of the packages installed here from starting (exit 101: "action
# forbidden by policy"). An existing policy-rc.d is left alone: it already decides.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# written by cistern scripts/deps.sh while it installs packages\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  own_policy=1
  trap '[ "$own_policy" -eq 1 ] && $SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
if [ "$own_policy" -eq 1 ]; then
  $SUDO rm -f "$policy"
  own_policy=0
  started=()
  for p in "${missing[@]}"; do
    case "$p" in postgresql-15|prometheus|redis-server) started+=("$p") ;; esac
  done
  if [ ${#started[@]} -gt 0 ]; then
    echo "cistern: did not start the services of ${started[*]} (the tests run their own servers);" \
         "start them yourself if you want them"
  fi
fi
echo "cistern: installed ${missing[*]}"
