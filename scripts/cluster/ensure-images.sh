#!/usr/bin/env bash
# Before `make cluster-up`: make sure the cluster's images can be had. Uses locally built
# ones (make cluster-image) or pulls the official node image; where no container registry
# answers, builds them from package registries (long the first time; cached afterwards).
set -euo pipefail
# shellcheck source=scripts/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

if docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 && docker image inspect "$REGISTRY_IMAGE" >/dev/null 2>&1; then
  exit 0
fi
node=$(awk '$1 == "image:" && $2 ~ /kindest\/node/ {print $2; exit}' "$REPO_ROOT/ctlptl.yaml")
if docker image inspect "$node" >/dev/null 2>&1 || timeout 600 docker pull -q "$node" >/dev/null 2>&1; then
  exit 0
fi
log "cannot pull $node: building the cluster images from package registries instead (make cluster-image)"
"$REPO_ROOT/scripts/host/ensure-packages.sh" debootstrap gcc libc6-dev libcap2-bin jq
exec "$CLUSTER_DIR/build-images.sh"
