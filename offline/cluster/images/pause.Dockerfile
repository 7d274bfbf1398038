# The pod sandbox, as kubernetes/build/pause/Dockerfile builds it.
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
