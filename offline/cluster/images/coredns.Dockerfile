# CoreDNS as upstream's image runs it: as nonroot, binding port 53 through the file
# capability cap_net_bind_service (build-images.sh sets it; ADD keeps the tar's xattrs).
# kubeadm's Deployment passes only the arguments.
FROM scratch
COPY rootfs/ /
ADD coredns.tar /
USER 65532:65532
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
