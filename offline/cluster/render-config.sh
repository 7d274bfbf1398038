#!/usr/bin/env bash
# Print ctlptl.yaml with locally built images put in, for the air-gapped path.
#
# Usage: render-config.sh NODE_IMAGE REGISTRY_IMAGE [CONFIG]
# The Registry gets `image:` (ctlptl otherwise runs registry:2) and the Cluster gets
# kind's `--image` flag, which replaces the image of every node in the kind config.
# Everything else, names and ports included, stays as the file has it.
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

node=${1?usage: render-config.sh NODE_IMAGE REGISTRY_IMAGE [CONFIG] (either may be "")}
registry=${2?}
config=${3:-$REPO_ROOT/ctlptl.yaml}

awk -v node="$node" -v registry="$registry" '
  { print }
  /^kind: Registry$/ && registry != "" { print "image: " registry; r++ }
  /^kind: Cluster$/ && node != "" { print "kindExtraCreateArguments: [\"--image\", \"" node "\"]"; c++ }
  END { if ((registry != "" && r != 1) || (node != "" && c != 1)) exit 1 }
' "$config" || die "$config must hold one Registry and one Cluster document"
