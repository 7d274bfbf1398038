#!/usr/bin/env bash
# Turn the base image into a kind node image, as `kind build node-image` does, without
# pulling anything: Kubernetes binaries into /usr/bin, the images kubeadm asks for
# imported into the node's containerd, the CNI and storage manifests under /kind.
#
# Usage: build-node.sh NODE_IMAGE BASE_IMAGE BIN_DIR KEY
# BIN_DIR holds kubeadm, kubelet and kubectl; the component images must already exist
# locally under the names `kubeadm config images list` prints.
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

image=${1:?usage: build-node.sh NODE_IMAGE BASE_IMAGE BIN_DIR KEY}
base=${2:?}
bin=${3:?}
key=${4:?}
need docker

container=$(docker run -d --entrypoint=sleep --security-opt seccomp=unconfined "$base" infinity)
trap 'docker rm -f -v "$container" >/dev/null' EXIT
in_node() { docker exec -i "$container" "$@"; }

log "adding kubeadm, kubelet, kubectl $KUBE_VERSION"
for binary in kubeadm kubelet kubectl; do
  docker cp "$bin/$binary" "$container:/usr/bin/$binary"
  in_node chown root:root "/usr/bin/$binary"
done
echo "$KUBE_VERSION" | in_node tee /kind/version >/dev/null
in_node mkdir -p /kind/manifests /etc/cni/net.d
docker cp "$CLUSTER_DIR/node/default-cni.yaml" "$container:/kind/manifests/default-cni.yaml"
docker cp "$CLUSTER_DIR/node/default-storage.yaml" "$container:/kind/manifests/default-storage.yaml"
docker cp "$CLUSTER_DIR/node/99-static-ptp.conflist" "$container:/etc/cni/net.d/99-static-ptp.conflist"

mapfile -t images < <(in_node kubeadm config images list --kubernetes-version "$KUBE_VERSION")
sandbox=$(in_node sed -n 's/^ *sandbox_image = "\(.*\)"/\1/p' /etc/containerd/config.toml)
[[ " ${images[*]} " == *" $sandbox "* ]] || die "containerd's sandbox_image $sandbox is not what kubeadm asks for"
for ref in "${images[@]}"; do
  docker image inspect "$ref" >/dev/null 2>&1 || die "kubeadm needs $ref, which was not built"
done

log "importing ${#images[@]} images into the node's containerd"
in_node sh -c 'containerd >/var/log/containerd-build.log 2>&1 &'
for _ in $(seq 1 30); do
  in_node ctr version >/dev/null 2>&1 && break
  sleep 1
done
for ref in "${images[@]}"; do
  # As kind's importer: pinned (never garbage-collected), unpacked on first use.
  docker save "$ref" | in_node ctr --namespace=k8s.io images import \
    --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests - >/dev/null
done
in_node ctr --namespace=k8s.io images list -q | grep -v '^sha256:' >&2
in_node pkill containerd
for _ in $(seq 1 30); do
  in_node pgrep -x containerd >/dev/null || break
  sleep 1
done
in_node rm -f /var/log/containerd-build.log

log "committing $image"
docker commit \
  --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
  --change 'CMD []' \
  --change 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' \
  --change "LABEL $KEY_LABEL=$key" \
  --change "LABEL dev.fastapi-service.standin=true" \
  --change "LABEL org.opencontainers.image.description=\"kind node $KUBE_VERSION built from package registries\"" \
  "$container" "$image" >/dev/null
log "built $image"
