#!/usr/bin/env bash
# Build the Kubernetes binaries a kind node needs from the k8s.io/kubernetes Go module.
#
# Usage: build-kube.sh OUT_DIR
# Flags follow upstream's hack/lib/golang.sh (-trimpath, -s -w, the release tags, static
# binaries except the kubelet); the version is stamped as hack/lib/version.sh does, with
# the module's release time as build date so rebuilds are reproducible.
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

out=${1:?usage: build-kube.sh OUT_DIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
need go
mod=$WORK_DIR/go/kubernetes
wrapper_module "$mod" k8s.io/kubernetes "$KUBE_VERSION" "v0${KUBE_VERSION#v1}"

release_time=$(cd "$mod" && GOFLAGS=-mod=mod go list -m -json "k8s.io/kubernetes@$KUBE_VERSION" | awk -F'"' '/"Time":/ {print $4}')
minor=$(cut -d. -f2 <<<"$KUBE_VERSION")
ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$release_time"
done
build=(go build -v -mod=mod -trimpath "-tags=selinux,notest,grpcnotrace" "-ldflags=$ldflags" -o "$out/")

cd "$mod"
log "building kubeadm, kubectl and the control-plane binaries ($KUBE_VERSION, static)"
CGO_ENABLED=0 "${build[@]}" \
  k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubectl \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy
log "building kubelet ($KUBE_VERSION, cgo as upstream)"
CGO_ENABLED=1 "${build[@]}" k8s.io/kubernetes/cmd/kubelet
[ "$("$out/kubeadm" version -o short)" = "$KUBE_VERSION" ] || die "kubeadm does not report $KUBE_VERSION"
log "kubernetes binaries in $out"
