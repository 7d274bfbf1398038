# kind's node base image (sigs.k8s.io/kind images/base), from a Debian rootfs made by
# offline/cluster/build-base.sh instead of debian:bookworm-slim plus git checkouts.
FROM scratch
ADD rootfs.tar /
# systemd's container interface (https://systemd.io/CONTAINER_INTERFACE/), as kind's base.
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
