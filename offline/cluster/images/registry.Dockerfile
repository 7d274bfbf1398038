# The distribution registry as its upstream image (registry:3) runs it: the same config
# file and layout, on an empty base instead of alpine. ctlptl runs it with no command.
# No VOLUME for /var/lib/registry: `ctlptl delete` removes the container but not its
# volumes, so the pushed images go with the container instead of leaking a volume.
FROM scratch
LABEL dev.fastapi-service.standin=true
COPY rootfs/ /
COPY registry /bin/registry
COPY config.yml /etc/distribution/config.yml
ENV PATH=/bin
EXPOSE 5000
ENTRYPOINT ["registry"]
CMD ["serve", "/etc/distribution/config.yml"]
