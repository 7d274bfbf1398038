#!/usr/bin/env bash
# Make the Dockerfile's base image available to the engine: its PYTHON_IMAGE default, the
# official image pinned by digest (python:3.13-slim@sha256:...).
#
# Uses the pinned image if the engine has it, else pulls it. Where no registry answers
# (air-gapped networks), the image under the same tag stands in: an official one pulled
# earlier, or else a labelled stand-in built here from Debian packages (Debian 13 ships
# CPython 3.13, the same Python and Debian release the official slim image is built on), with
# the host's CA bundle so that package downloads inside builds trust a TLS-inspecting proxy the
# way the host does. A digest-pinned FROM cannot resolve to a local image that lacks the
# digest, so the tag is recorded in .tools/python-image, which make passes to every build as
# PYTHON_IMAGE; as soon as the pinned image can be pulled, the record goes (and the stand-in's
# tag moves to the pulled image). Nothing to do when you set PYTHON_IMAGE yourself (a mirror).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=offline/host/lib.sh
. "$here/lib.sh"

pinned=${1:-$(sed -n 's/^ARG PYTHON_IMAGE=//p' "$here/../../Dockerfile")}
record=${BASE_IMAGE_RECORD:-$here/../../.tools/python-image}
suite=${STANDIN_SUITE:-trixie}
host_ca=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

if [ -n "${PYTHON_IMAGE:-}" ]; then
  log "PYTHON_IMAGE=$PYTHON_IMAGE is set: the builds use it, not $pinned"
  exit 0
fi
case $pinned in
  *:*@sha256:*) ;;
  *) die "the base image $pinned is not NAME:TAG@sha256:DIGEST: pin it by digest, or set PYTHON_IMAGE" ;;
esac
tag=${pinned%@*}
# NAME@DIGEST: the form every docker command takes for a pinned image.
by_digest=${tag%:*}@${pinned##*@}

# The label of the image under the tag: true for a stand-in, empty for an official image.
standin=$(docker image inspect -f '{{ index .Config.Labels "dev.fastapi-service.standin" }}' "$tag" 2>/dev/null) || standin=absent

use_pinned() {
  rm -f "$record"
  if [ "$standin" = true ]; then
    docker tag "$by_digest" "$tag"
    log "replaced the stand-in $tag with the pulled $pinned"
  fi
  exit 0
}

# `if`, not `&&`: under `cmd && fn`, set -e is off inside fn.
if docker image inspect "$by_digest" >/dev/null 2>&1; then use_pinned; fi
log "pulling $pinned"
if timeout 60 docker pull -q "$by_digest" >/dev/null 2>&1; then use_pinned; fi

if [ "$standin" = absent ]; then
  log "cannot pull $pinned: building a stand-in $tag from Debian $suite packages (about a minute)"
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
    --change 'LABEL org.opencontainers.image.description="Stand-in for '"$tag"' built from Debian '"$suite"' packages"' \
    --change 'LABEL dev.fastapi-service.standin=true' \
    --change 'CMD ["python3"]' \
    - "$tag" >/dev/null
  log "built stand-in $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
elif [ "$standin" = true ]; then
  log "cannot pull $pinned: keeping the stand-in $tag built from Debian packages"
else
  log "cannot pull $pinned: using the official $tag this engine already has"
fi
mkdir -p "$(dirname "$record")"
echo "$tag" >"$record"
log "builds use $tag: make passes PYTHON_IMAGE=$tag (outside make: export PYTHON_IMAGE=$tag)"
