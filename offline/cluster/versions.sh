# shellcheck shell=bash disable=SC2034
# Versions of everything the offline cluster images are built from (sourced).
KIND_VERSION=v0.30.0
# The release of ctlptl.yaml's node image, the one place Kubernetes is pinned.
KUBE_VERSION=$(sed -n 's|.*image: kindest/node:\(v[0-9.]*\)@.*|\1|p' \
  "$(dirname "${BASH_SOURCE[0]}")/../../ctlptl.yaml")
# What `kubeadm config images list` asks for with KUBE_VERSION (checked by build-node.sh).
ETCD_VERSION=v3.6.4
ETCD_IMAGE_TAG=3.6.4-0
COREDNS_VERSION=v1.12.1
PAUSE_VERSION=3.10.1
CRICTL_VERSION=v1.34.0
DISTRIBUTION_VERSION=v3.0.0
# Debian release of the node rootfs and of the kube-proxy image.
DEBIAN_SUITE=trixie
