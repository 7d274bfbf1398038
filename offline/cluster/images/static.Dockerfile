# One static Go binary on an empty base: kube-apiserver, kube-controller-manager,
# kube-scheduler and etcd. Upstream uses distroless/static; this gives the same passwd
# entries (root, nonroot 65532) and a writable /tmp. kubeadm's manifests name the command.
FROM scratch
COPY rootfs/ /
ARG BINARY
COPY ${BINARY} /usr/local/bin/${BINARY}
ENV PATH=/usr/local/bin:/usr/bin:/bin
