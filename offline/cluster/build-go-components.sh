#!/usr/bin/env bash
# Build Go components other than Kubernetes itself into OUT_DIR, each from its module.
#
# Usage: build-go-components.sh OUT_DIR NAME...   (NAME: etcd coredns crictl registry)
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

out=${1:?usage: build-go-components.sh OUT_DIR NAME...}
mkdir -p "$out" && out=$(cd "$out" && pwd)
shift
need go

for name; do
  log "building $name"
  case $name in
    etcd)
      # etcd's server module is its main package; its go.mod points at ../api and friends.
      go_build_static "$out/etcd" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3
      grep -q "etcd Version: ${ETCD_VERSION#v}" <<<"$("$out/etcd" --version)" || die "etcd is not $ETCD_VERSION"
      ;;
    coredns)
      go_build_static "$out/coredns" github.com/coredns/coredns "$COREDNS_VERSION" github.com/coredns/coredns
      ;;
    crictl)
      go_build_static "$out/crictl" sigs.k8s.io/cri-tools "$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl \
        -ldflags="-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION"
      ;;
    registry)
      pkg=github.com/distribution/distribution/v3
      go_build_static "$out/registry" "$pkg" "$DISTRIBUTION_VERSION" "$pkg/cmd/registry" \
        -ldflags="-s -w -X $pkg/version.version=${DISTRIBUTION_VERSION#v} -X $pkg/version.mainpkg=$pkg"
      ;;
    *) die "unknown component $name" ;;
  esac
done
