#!/usr/bin/env bash
# The Tiltfile's deploy step: a real Helm release (so `helm test` has one to test), with the
# image Tilt built injected. Tilt passes the image as TILT_IMAGE_0 and reads the deployed
# objects, as YAML, from stdout.
#   helm-release.sh apply  RELEASE NAMESPACE [helm flags...]
#   helm-release.sh delete RELEASE NAMESPACE
# With PULL_SECRET (and KUBE_CONTEXT) set, apply makes the release's Deployment the owner of
# that pull secret (dev-namespace.py wrote it), so deleting the release deletes it too.
set -euo pipefail
action=$1 release=$2 namespace=$3
shift 3
root="$(cd "$(dirname "$0")/../.." && pwd)"
chart="$root/charts/$release"  # the chart folder is named after the release

case $action in
  apply)
    image=${TILT_IMAGE_0:?Tilt sets TILT_IMAGE_0 to the image it built}
    # registry:port/name:tag -> repository registry:port/name, tag tag
    helm upgrade --install "$release" "$chart" --namespace "$namespace" --create-namespace \
      --set "image.repository=${image%:*}" --set "image.tag=${image##*:}" "$@" >&2
    if [[ -n ${PULL_SECRET:-} ]]; then
      python3 "$root/scripts/cluster/dev-namespace.py" --adopt \
        --context "${KUBE_CONTEXT:?set with PULL_SECRET}" --namespace "$namespace" \
        --pull-secret "$PULL_SECRET" --owner "release/$release" >&2
    fi
    helm get manifest "$release" --namespace "$namespace" |
      kubectl get --namespace "$namespace" --output yaml --filename -
    ;;
  delete)
    helm uninstall "$release" --namespace "$namespace" --ignore-not-found
    ;;
  *)
    echo "usage: $0 apply|delete RELEASE NAMESPACE [helm flags...]" >&2
    exit 2
    ;;
esac
