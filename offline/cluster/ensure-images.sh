#!/usr/bin/env bash
# Before `make cluster-up`: the cluster's images. kind's official node image is pulled when a
# container registry answers, and then replaces a stand-in built here earlier (up.sh uses a
# local stand-in whenever one exists). Only where nothing can be pulled are the images built
# from package registries (long the first time; cached afterwards).
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

node=$(awk '$1 == "image:" && $2 ~ /kindest\/node/ {print $2; exit}' "$REPO_ROOT/ctlptl.yaml")
if docker image inspect "$node" >/dev/null 2>&1 || timeout 60 docker pull -q "$node" >/dev/null 2>&1; then
  if docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
    log "$node can be pulled: removing the stand-ins $NODE_IMAGE and $REGISTRY_IMAGE"
    docker rmi "$NODE_IMAGE" "$REGISTRY_IMAGE" >/dev/null 2>&1 || true
  fi
  exit 0
fi
if docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 && docker image inspect "$REGISTRY_IMAGE" >/dev/null 2>&1; then
  log "cannot pull $node: using the stand-ins $NODE_IMAGE and $REGISTRY_IMAGE built here"
else
  log "cannot pull $node: building the cluster images from package registries instead"
  log "with nothing cached that takes about 22 min on 2 cores (Kubernetes itself 12), about 33 while make dev builds the tools beside it; later runs check in seconds"
  "$REPO_ROOT/offline/host/ensure-packages.sh" debootstrap gcc libc6-dev libcap2-bin jq
fi
# Always run the builder: it checks each image's build key and rebuilds only what changed.
exec "$CLUSTER_DIR/build-images.sh"
