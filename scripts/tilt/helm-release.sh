#!/usr/bin/env bash
# The Tiltfile's deploy step: a real Helm release (so `helm test` has one to test), with the
# image Tilt built injected. Tilt passes the image as TILT_IMAGE_0 and reads the deployed
# objects, as YAML, from stdout.
#   helm-release.sh apply  RELEASE NAMESPACE [helm flags...]
#   helm-release.sh delete RELEASE NAMESPACE
set -euo pipefail
action=$1 release=$2 namespace=$3
shift 3
chart="$(cd "$(dirname "$0")/../.." && pwd)/charts/fastapi-service"

case $action in
  apply)
    image=${TILT_IMAGE_0:?Tilt sets TILT_IMAGE_0 to the image it built}
    # registry:port/name:tag -> repository registry:port/name, tag tag
    helm upgrade --install "$release" "$chart" --namespace "$namespace" --create-namespace \
      --set "image.repository=${image%:*}" --set "image.tag=${image##*:}" "$@" >&2
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
