# kube-proxy with the tools it runs (iptables legacy and nft, ipset, conntrack, nft, kmod),
# from a Debian rootfs as upstream's distroless-iptables base, with its iptables wrapper.
FROM scratch
ADD rootfs.tar /
COPY kube-proxy /usr/local/bin/kube-proxy
COPY iptables-wrapper /usr/sbin/iptables-wrapper
# Every iptables command goes through the wrapper until it has picked the node's mode.
RUN for cmd in iptables ip6tables; do \
      update-alternatives --install /usr/sbin/$cmd $cmd /usr/sbin/iptables-wrapper 100 \
        --slave /usr/sbin/$cmd-restore $cmd-restore /usr/sbin/iptables-wrapper \
        --slave /usr/sbin/$cmd-save $cmd-save /usr/sbin/iptables-wrapper; \
    done
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
