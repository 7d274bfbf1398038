# shellcheck shell=bash
# Shared helpers for the host set-up scripts (sourced, not run).

log() { printf '[%s] %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The host's own Debian mirror (a proxy on corporate networks), else the public one.
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# apt-get install, quietly, once per machine.
apt_install() {
  [ "$(id -u)" = 0 ] || die "need root to apt-get install $*"
  if [ ! -f /var/lib/apt/periodic/ensure-updated ]; then
    apt-get update -qq && mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/ensure-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
