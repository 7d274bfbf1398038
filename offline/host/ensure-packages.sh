#!/usr/bin/env bash
# Make sure Debian packages are installed: installs the missing ones when root, otherwise
# names them and stops.   usage: ensure-packages.sh PACKAGE...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=offline/host/lib.sh
. "$here/lib.sh"

missing=()
for package; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  die "missing packages: ${missing[*]} (on Debian/Ubuntu: sudo apt-get install ${missing[*]})"
fi
log "installing ${missing[*]}"
apt_install "${missing[@]}"
