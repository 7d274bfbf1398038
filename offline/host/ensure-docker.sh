#!/usr/bin/env bash
# Make a Docker engine answer on this machine, with the compose v2 and buildx plugins.
#
# Does nothing when `docker info` already works (Docker Desktop, a managed engine).
# Otherwise, as root on Debian, installs Debian's docker.io engine, starts dockerd in
# the background (log: $DOCKERD_LOG) and waits for its socket. On hosts whose root
# lacks capabilities in its bounding set (some VMs), it registers the runc-capbound
# wrapper as the default runtime so privileged containers (kind nodes) can start.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
# Debian 12 has no compose v2 / buildx packages; Debian 13's run on it unchanged.
PLUGIN_SUITE=${PLUGIN_SUITE:-trixie}

# shellcheck source=offline/host/lib.sh
. "$here/lib.sh"

engine_up() { docker info >/dev/null 2>&1; }

full_capabilities() {
  local bnd last
  bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  last=$(cat /proc/sys/kernel/cap_last_cap)
  (( 16#$bnd == (1 << (last + 1)) - 1 ))
}

install_engine() {
  command -v dockerd >/dev/null && return
  [ "$(id -u)" = 0 ] || die "no Docker engine and not root: install Docker (https://docs.docker.com/engine/install/) and start it"
  command -v apt-get >/dev/null || die "no Docker engine and no apt-get: install Docker (https://docs.docker.com/engine/install/) and start it"
  log "installing Debian's docker.io engine"
  apt_install docker.io
}

start_engine() {
  local args=(--log-level=warn)
  if ! full_capabilities; then
    log "root lacks capabilities in its bounding set: registering the runc-capbound runtime"
    install -m 0755 "$here/runc-capbound" /usr/local/sbin/runc-capbound
    args+=(--add-runtime capbound=/usr/local/sbin/runc-capbound --default-runtime=capbound)
  fi
  log "starting dockerd (log: $DOCKERD_LOG)"
  nohup dockerd "${args[@]}" >"$DOCKERD_LOG" 2>&1 &
  for _ in $(seq 1 60); do
    engine_up && return
    sleep 1
  done
  tail -n 20 "$DOCKERD_LOG" >&2 || true
  die "dockerd did not answer within 60 s (see $DOCKERD_LOG)"
}

install_plugins() {
  docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1 && return
  command -v apt-get >/dev/null || die "docker compose v2 / buildx missing: install the docker-compose-plugin and docker-buildx-plugin packages"
  log "installing compose v2 and buildx CLI plugins from Debian $PLUGIN_SUITE"
  local work; work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$PLUGIN_DIR"
  echo "deb $(debian_mirror) $PLUGIN_SUITE main" >"$work/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
                  -o "Dir::State::Lists=$work/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work" && apt-get "${apt_opts[@]}" download docker-compose docker-buildx >/dev/null)
  for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
  find "$work/root" -path '*cli-plugins/docker-*' -type f -exec install -m 0755 {} "$PLUGIN_DIR/" \;
  rm -rf "$work"
  docker compose version >/dev/null || die "compose plugin did not install"
}

if ! engine_up; then
  install_engine
  start_engine
fi
install_plugins
log "engine $(docker version --format '{{.Server.Version}}'), $(docker compose version --short 2>/dev/null | sed 's/^/compose /')"
