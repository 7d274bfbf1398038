#!/usr/bin/env bash
# Create (or update) the cluster and registry of ctlptl.yaml, then wait for the node.
#
# With internet this is `ctlptl apply -f ctlptl.yaml`. When the images of
# `make cluster-images` exist locally (or CLUSTER_NODE_IMAGE / CLUSTER_REGISTRY_IMAGE
# name others), ctlptl gets a copy of the file with those images put in, so nothing is
# pulled; ctlptl.yaml itself is never edited. CLUSTER_IMAGES=upstream ignores local images.
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

config=$REPO_ROOT/ctlptl.yaml
need ctlptl kind kubectl docker
"$REPO_ROOT/offline/host/ensure-docker.sh"
docker_api_compat

local_image() {
  [ "${CLUSTER_IMAGES:-}" != upstream ] && docker image inspect "$1" >/dev/null 2>&1 && echo "$1"
  return 0
}
node=$(local_image "$NODE_IMAGE")
registry=$(local_image "$REGISTRY_IMAGE")
[ -n "${CLUSTER_NODE_IMAGE:-}" ] && [ -z "$node" ] && die "CLUSTER_NODE_IMAGE=$CLUSTER_NODE_IMAGE is not a local image"

if [ -n "$node$registry" ]; then
  log "using local images: ${node:-the default node image}, ${registry:-registry:2}"
  "$CLUSTER_DIR/render-config.sh" "$node" "$registry" "$config" | ctlptl apply -f -
else
  log "no local images: pulling kind's node and registry:2 (\`make cluster-images\` builds them offline)"
  ctlptl apply -f "$config"
fi

context=$(awk '/^kind: Cluster$/ {c = 1} c && /^name: / {print $2; exit}' "$config")
log "waiting for the node of $context to be Ready"
kubectl --context "$context" wait --for=condition=Ready node --all --timeout=300s >/dev/null
kubectl --context "$context" -n kube-system rollout status deployment/coredns --timeout=300s >/dev/null
log "cluster $context ready (kube context $context)"
