#!/usr/bin/env bash
# Make the Dockerfile's base image (default python:3.13-slim) available to the engine.
#
# Uses the local image if present, else pulls it. Where no registry answers (air-gapped
# networks), builds a labelled stand-in from Debian packages: Debian 13 ships CPython 3.13,
# the same Python and Debian release the official slim image is built on. The host's CA
# bundle goes into the stand-in so package downloads inside builds trust a TLS-inspecting
# proxy the way the host does. Docker then uses the local tag without pulling, so the
# Dockerfile stays exactly as a user with internet access has it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=offline/host/lib.sh
. "$here/lib.sh"

# Default: the Dockerfile's PYTHON_IMAGE, the one place the base is pinned.
image=${1:-$(sed -n 's/^ARG PYTHON_IMAGE=//p' "$here/../../Dockerfile")}
suite=${STANDIN_SUITE:-trixie}
host_ca=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

standin=$(docker image inspect -f '{{ index .Config.Labels "dev.fastapi-service.standin" }}' "$image" 2>/dev/null) || standin=absent
[ "$standin" = absent ] || [ "$standin" = true ] || exit 0
# A stand-in is replaced by the real image as soon as a registry answers.
log "pulling $image"
if timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
  [ "$standin" = true ] && log "replaced the stand-in with the pulled $image"
  exit 0
fi
if [ "$standin" = true ]; then
  log "cannot pull $image: keeping the stand-in built from Debian packages"
  exit 0
fi

log "cannot pull $image: building a stand-in from Debian $suite packages (about a minute)"
command -v debootstrap >/dev/null || apt_install debootstrap
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  "$suite" "$rootfs" "$(debian_mirror)" >/dev/null
[ -f "$host_ca" ] && cp "$host_ca" "$rootfs/etc/ssl/certs/ca-certificates.crt"
ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
# Trim what a slim image does not carry.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
# The official image's pip installs anywhere; Debian's PEP 668 marker would not allow it.
rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED

tar -C "$rootfs" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'LABEL org.opencontainers.image.description="Stand-in for '"$image"' built from Debian '"$suite"' packages"' \
  --change 'LABEL dev.fastapi-service.standin=true' \
  --change 'CMD ["python3"]' \
  - "$image" >/dev/null
log "built stand-in $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
