#!/usr/bin/env bash
# Delete the cluster and the registry of ctlptl.yaml (the node and registry containers).
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

need ctlptl kind docker
docker_api_compat
ctlptl delete -f "$REPO_ROOT/ctlptl.yaml" --ignore-not-found
log "deleted"
