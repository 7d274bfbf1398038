# shellcheck shell=bash disable=SC2034
# Versions of everything the offline cluster images are built from (sourced).
# Kubernetes 1.34 is the last minor whose kubelet runs on cgroup v1 hosts by default;
# v1.34.0 is the node kind v0.30.0 uses by default, so ctlptl.yaml names the same release.
KIND_VERSION=v0.30.0
KUBE_VERSION=v1.34.0
# What `kubeadm config images list` asks for with KUBE_VERSION (checked by build-node.sh).
ETCD_VERSION=v3.6.4
ETCD_IMAGE_TAG=3.6.4-0
COREDNS_VERSION=v1.12.1
PAUSE_VERSION=3.10.1
CRICTL_VERSION=v1.34.0
DISTRIBUTION_VERSION=v3.0.0
# Debian release of the node rootfs and of the kube-proxy image.
DEBIAN_SUITE=trixie
