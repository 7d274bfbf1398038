#!/usr/bin/env bash
# Build the kind base image (what kind's images/base/Dockerfile makes) from Debian packages.
#
# Usage: build-base.sh IMAGE CRICTL_BINARY KEY
# kind's base pulls debian:bookworm-slim and builds containerd, runc and the CNI plugins
# from git; here the rootfs comes from debootstrap and those three are Debian 13 packages
# (containerd 1.7, whose config format v2 kind's config.toml uses). kind's entrypoint,
# units and config files are taken unchanged from the kind Go module, except where Debian
# installs things elsewhere.
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

image=${1:?usage: build-base.sh IMAGE CRICTL_BINARY KEY}
crictl=${2:?}
key=${3:?}
need go docker jq

# kind's package list, minus nfs-common/open-iscsi (network storage) and fuse-overlayfs
# (rootless), plus what kind builds from source.
packages=systemd,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod
packages+=,libseccomp2,pigz,bash,ca-certificates,curl,jq,procps
packages+=,containerd,runc,containernetworking-plugins

kind_files=$(go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | awk -F'"' '/"Dir":/ {print $4}')/images/base/files
[ -d "$kind_files" ] || die "kind's images/base/files not found in sigs.k8s.io/kind@$KIND_VERSION"

rootfs=$WORK_DIR/base/rootfs
log "debootstrap $DEBIAN_SUITE with containerd, runc, CNI plugins, systemd (minutes)"
debootstrap_rootfs "$rootfs" "$packages"

log "adding kind's files from sigs.k8s.io/kind@$KIND_VERSION"
install -m 0755 "$kind_files"/usr/local/bin/* "$rootfs/usr/local/bin/"
mkdir -p "$rootfs/kind/bin" "$rootfs/etc/containerd" "$rootfs/etc/systemd/system/kubelet.service.d"
install -m 0644 "$kind_files/kind/README.txt" "$rootfs/kind/"
install -m 0755 "$kind_files"/kind/bin/* "$rootfs/kind/bin/"
install -m 0644 "$kind_files/etc/crictl.yaml" "$rootfs/etc/"
install -m 0644 "$kind_files/etc/containerd/config.toml" "$rootfs/etc/containerd/"
install -m 0644 "$kind_files/etc/default/kubelet" "$rootfs/etc/default/"
install -m 0644 "$kind_files"/etc/sysctl.d/* "$rootfs/etc/sysctl.d/"
install -m 0644 "$kind_files"/etc/systemd/system/*.service "$kind_files"/etc/systemd/system/*.slice \
  "$rootfs/etc/systemd/system/"
install -m 0644 "$kind_files"/etc/systemd/system/kubelet.service.d/* "$rootfs/etc/systemd/system/kubelet.service.d/"
install -m 0755 "$crictl" "$rootfs/usr/local/bin/crictl"
mkdir -p "$rootfs/LICENSES"
install -m 0644 "$kind_files"/LICENSES/* "$rootfs/LICENSES/"

log "adapting them to Debian's packages"
# Debian's containerd is /usr/bin/containerd; the fuse-overlayfs snapshotter is not installed.
sed -i 's|^ExecStart=/usr/local/bin/containerd$|ExecStart=/usr/bin/containerd|' \
  "$rootfs/etc/systemd/system/containerd.service"
rm "$rootfs/etc/systemd/system/containerd-fuse-overlayfs.service"
# The sandbox image kubeadm $KUBE_VERSION asks for, which build-node.sh imports.
sed -i "s|sandbox_image = \".*\"|sandbox_image = \"registry.k8s.io/pause:$PAUSE_VERSION\"|" \
  "$rootfs/etc/containerd/config.toml"
grep -q "pause:$PAUSE_VERSION" "$rootfs/etc/containerd/config.toml" || die "sandbox_image not set"
# Pods' OOM scores no lower than containerd's own (kind's entrypoint does this on rootless
# hosts). A no-op where containerd runs at -999; where root lacks CAP_SYS_RESOURCE (some
# VMs) containerd stays at 0 and runc cannot lower a container's score, so it fails with
# "can't get final child's PID from pipe" for every pod unless scores are clamped.
sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' "$rootfs/etc/containerd/config.toml"
grep -q 'restrict_oom_score_adj = true' "$rootfs/etc/containerd/config.toml" || die "restrict_oom_score_adj not set"
# CNI installers write plugins to /opt/cni/bin; Debian's containerd reads /usr/lib/cni.
mkdir -p "$rootfs/opt/cni"
ln -s /usr/lib/cni "$rootfs/opt/cni/bin"
# As kind's Dockerfile: the OCI spec template with kind's product-files hook, no rlimits.
chroot "$rootfs" ctr oci spec |
  jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' |
  jq 'del(.process.rlimits)' >"$rootfs/etc/containerd/cri-base.json"

log "configuring systemd as kind's Dockerfile does"
find "$rootfs/lib/systemd/system/sysinit.target.wants/" -name systemd-tmpfiles-setup.service -delete
rm -f "$rootfs"/lib/systemd/system/multi-user.target.wants/* "$rootfs"/etc/systemd/system/*.wants/* \
  "$rootfs"/lib/systemd/system/local-fs.target.wants/* "$rootfs"/lib/systemd/system/sockets.target.wants/*udev* \
  "$rootfs"/lib/systemd/system/sockets.target.wants/*initctl* "$rootfs"/lib/systemd/system/basic.target.wants/*
echo "ReadKMsg=no" >>"$rootfs/etc/systemd/journald.conf"
ln -sf /lib/systemd/systemd "$rootfs/sbin/init"
chroot "$rootfs" systemctl enable kubelet.service containerd.service undo-mount-hacks.service 2>/dev/null
chroot "$rootfs" systemctl mask systemd-binfmt.service 2>/dev/null
mkdir -p "$rootfs/etc/kubernetes/manifests"

: >"$rootfs/etc/machine-id"

log "building $image"
tar -C "$rootfs" --numeric-owner -cf "$WORK_DIR/base/rootfs.tar" .
rm -rf "$rootfs"
run_logged "$WORK_DIR/logs/build-base-image.log" docker build -f "$CLUSTER_DIR/images/kind-base.Dockerfile" \
  --label "$KEY_LABEL=$key" \
  --label "org.opencontainers.image.description=kind $KIND_VERSION base built from Debian $DEBIAN_SUITE packages" \
  -t "$image" "$WORK_DIR/base"
rm -f "$WORK_DIR/base/rootfs.tar"
log "built $image"
