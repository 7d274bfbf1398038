#!/usr/bin/env bash
# Build every image `ctlptl apply -f ctlptl.yaml` needs from package registries only (the
# air-gapped path): the kind node image, with the control-plane images kubeadm asks for
# already inside, and the local registry image. No container registry is contacted.
#
# Each image is labelled with a key of the versions and files it is built from; an image
# whose key matches is kept, so a second run takes seconds. CLUSTER_REBUILD=1 rebuilds.
# Binaries and logs go to $CLUSTER_WORK_DIR (default .tools/cluster); Go's own caches
# make rebuilds of the binaries incremental.
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

need go docker gcc jq
bin=$WORK_DIR/bin
logs=$WORK_DIR/logs
mkdir -p "$bin" "$logs"
rebuild=${CLUSTER_REBUILD:-}
images=$CLUSTER_DIR/images

current() { [ -z "$rebuild" ] && image_current "$1" "$2"; }

# What each step takes when nothing is cached, on 2 cores (Go's caches make reruns minutes).
declare -A COLD=([kubernetes]="12 min" [etcd]="1 min" [coredns]="3 min" [crictl]="1 min"
  [registry]="2 min" [base]="1 min" [node]="1 min")

# step NAME COMMAND...: run a build step with its output in $logs/NAME.log and its time.
step() {
  local name=$1 start=$SECONDS; shift
  log "$name ... (cold: ${COLD[$name]:-under a minute}; log: $logs/$name.log)"
  run_logged "$logs/$name.log" "$@"
  log "$name done in $((SECONDS - start)) s"
}

# binaries NAME KEY COMMAND...: build binaries once per key (a stamp file in $bin).
[ -z "$rebuild" ] || rm -f "$bin"/.*.key
binaries() {
  local name=$1 key=$2; shift 2
  [ "$(cat "$bin/.$name.key" 2>/dev/null)" = "$key" ] && return
  step "$name" "$@"
  echo "$key" >"$bin/.$name.key"
}
kube_bins() { binaries kubernetes "$kube_key" "$CLUSTER_DIR/build-kube.sh" "$bin"; }
component_bin() { binaries "$1" "$(component_key "$1")" "$CLUSTER_DIR/build-go-components.sh" "$bin" "$1"; }

# rebuilt IMAGE OLD_ID: drop the image a rebuild replaced (it would linger untagged).
rebuilt() {
  local now
  now=$(docker image inspect -f '{{.Id}}' "$1")
  [ -z "$2" ] || [ "$2" = "$now" ] || docker rmi "$2" >/dev/null 2>&1 || true
}
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# image IMAGE KEY DOCKERFILE [--build-arg=A=V] FILE...: docker build images/DOCKERFILE,
# the FILEs plus a minimal rootfs (passwd, group, /tmp) as context.
image() {
  local ref=$1 key=$2 dockerfile=$3; shift 3
  local ctx=$WORK_DIR/context args=() old
  while [[ ${1:-} == --build-arg=* ]]; do args+=("$1"); shift; done
  rm -rf "$ctx" && mkdir -p "$ctx/rootfs/etc" "$ctx/rootfs/tmp"
  chmod 1777 "$ctx/rootfs/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/rootfs/etc/group"
  cp "$@" "$ctx/"
  old=$(image_id "$ref")
  step "image-$(basename "${ref%%:*}")" docker build -f "$images/$dockerfile" "${args[@]}" \
    --label "$KEY_LABEL=$key" -t "$ref" "$ctx"
  rebuilt "$ref" "$old"
  rm -rf "$ctx"
}

# What each artifact is built from: versions, and the files that define the build.
kube_key=$(build_key "$KUBE_VERSION" "$CLUSTER_DIR/build-kube.sh" "$CLUSTER_DIR/lib.sh")
component_key() {
  local version
  case $1 in
    etcd) version=$ETCD_VERSION ;; coredns) version=$COREDNS_VERSION ;;
    crictl) version=$CRICTL_VERSION ;; registry) version=$DISTRIBUTION_VERSION ;;
  esac
  build_key "$1 $version" "$CLUSTER_DIR/build-go-components.sh" "$CLUSTER_DIR/lib.sh"
}

node_images=()  # what build-node.sh imports, for the node's key
log "kind $KIND_VERSION node for Kubernetes $KUBE_VERSION on Debian $DEBIAN_SUITE; registry $DISTRIBUTION_VERSION"

# Control-plane images, named as kubeadm asks for them.
for component in kube-apiserver kube-controller-manager kube-scheduler; do
  ref=registry.k8s.io/$component:$KUBE_VERSION
  node_images+=("$ref")
  key=$(build_key "$kube_key" "$images/static.Dockerfile" "$CLUSTER_DIR/build-images.sh")
  current "$ref" "$key" && continue
  kube_bins
  image "$ref" "$key" static.Dockerfile "--build-arg=BINARY=$component" "$bin/$component"
done

ref=registry.k8s.io/kube-proxy:$KUBE_VERSION
node_images+=("$ref")
key=$(build_key "$kube_key" "$DEBIAN_SUITE" "$images/kube-proxy.Dockerfile" "$images/iptables-wrapper" "$CLUSTER_DIR/build-images.sh")
if ! current "$ref" "$key"; then
  kube_bins
  log "debootstrap $DEBIAN_SUITE for kube-proxy (iptables, nftables, ipset, conntrack)"
  debootstrap_rootfs "$WORK_DIR/kube-proxy-rootfs" iptables,nftables,ipset,conntrack,kmod
  tar -C "$WORK_DIR/kube-proxy-rootfs" --numeric-owner -cf "$WORK_DIR/rootfs.tar" .
  rm -rf "$WORK_DIR/kube-proxy-rootfs"
  image "$ref" "$key" kube-proxy.Dockerfile "$bin/kube-proxy" "$images/iptables-wrapper" "$WORK_DIR/rootfs.tar"
  rm -f "$WORK_DIR/rootfs.tar"
fi

ref=registry.k8s.io/etcd:$ETCD_IMAGE_TAG
node_images+=("$ref")
key=$(build_key "$(component_key etcd)" "$images/static.Dockerfile" "$CLUSTER_DIR/build-images.sh")
if ! current "$ref" "$key"; then
  component_bin etcd
  image "$ref" "$key" static.Dockerfile --build-arg=BINARY=etcd "$bin/etcd"
fi

ref=registry.k8s.io/coredns/coredns:$COREDNS_VERSION
node_images+=("$ref")
key=$(build_key "$(component_key coredns)" "$images/coredns.Dockerfile" "$CLUSTER_DIR/build-images.sh")
if ! current "$ref" "$key"; then
  component_bin coredns
  need setcap
  install -m 0755 "$bin/coredns" "$WORK_DIR/coredns"
  setcap cap_net_bind_service=+ep "$WORK_DIR/coredns"
  tar -C "$WORK_DIR" --xattrs --xattrs-include=security.capability -cf "$WORK_DIR/coredns.tar" coredns
  image "$ref" "$key" coredns.Dockerfile "$WORK_DIR/coredns.tar"
  rm -f "$WORK_DIR/coredns" "$WORK_DIR/coredns.tar"
fi

ref=registry.k8s.io/pause:$PAUSE_VERSION
node_images+=("$ref")
key=$(build_key "$PAUSE_VERSION $KUBE_VERSION" "$CLUSTER_DIR/build-pause.sh" "$images/pause.Dockerfile" "$CLUSTER_DIR/build-images.sh")
if ! current "$ref" "$key"; then
  step pause "$CLUSTER_DIR/build-pause.sh" "$bin/pause"
  image "$ref" "$key" pause.Dockerfile "$bin/pause"
fi

# The node: kind's base, then the binaries and the images above inside it.
base_key=$(build_key "$KIND_VERSION $DEBIAN_SUITE $PAUSE_VERSION" "$(component_key crictl)" \
  "$CLUSTER_DIR/build-base.sh" "$images/kind-base.Dockerfile")
if ! current "$BASE_IMAGE" "$base_key"; then
  component_bin crictl
  old=$(image_id "$BASE_IMAGE")
  step base "$CLUSTER_DIR/build-base.sh" "$BASE_IMAGE" "$bin/crictl" "$base_key"
  rebuilt "$BASE_IMAGE" "$old"
fi

node_inputs=("$base_key" "$kube_key")
for ref in "${node_images[@]}"; do
  node_inputs+=("$ref=$(docker image inspect -f '{{.Id}}' "$ref")")
done
node_key=$(build_key "${node_inputs[@]}" "$CLUSTER_DIR/build-node.sh" "$CLUSTER_DIR"/node/*)
if ! current "$NODE_IMAGE" "$node_key"; then
  kube_bins
  old=$(image_id "$NODE_IMAGE")
  step node "$CLUSTER_DIR/build-node.sh" "$NODE_IMAGE" "$BASE_IMAGE" "$bin" "$node_key"
  rebuilt "$NODE_IMAGE" "$old"
fi

# The registry ctlptl starts (registry:2 for users with internet).
ref=$REGISTRY_IMAGE
key=$(build_key "$(component_key registry)" "$images/registry.Dockerfile" "$CLUSTER_DIR/build-images.sh")
if ! current "$ref" "$key"; then
  component_bin registry
  config=$(go mod download -json "github.com/distribution/distribution/v3@$DISTRIBUTION_VERSION" |
    awk -F'"' '/"Dir":/ {print $4}')/cmd/registry/config-dev.yml
  cp "$config" "$WORK_DIR/config.yml" && chmod 0644 "$WORK_DIR/config.yml"
  image "$ref" "$key" registry.Dockerfile "$bin/registry" "$WORK_DIR/config.yml"
  rm -f "$WORK_DIR/config.yml"
fi

for ref in "$NODE_IMAGE" "$REGISTRY_IMAGE"; do
  log "ready: $ref ($(docker image inspect -f '{{.Size}}' "$ref" | awk '{printf "%.0f MB", $1 / 1e6}'))"
done
log "done; \`offline/cluster/up.sh\` (make cluster-up) uses these images"
