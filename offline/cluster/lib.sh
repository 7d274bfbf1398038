# shellcheck shell=bash disable=SC2034  # variables for the scripts that source this
# Shared helpers for the cluster scripts (sourced, not run).

CLUSTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$CLUSTER_DIR/../.." && pwd)
# shellcheck source=offline/host/lib.sh
. "$REPO_ROOT/offline/host/lib.sh"
# shellcheck source=offline/cluster/versions.sh
. "$CLUSTER_DIR/versions.sh"

# Intermediate build outputs (binaries, rootfs tarballs, logs); images are the real cache.
WORK_DIR=${CLUSTER_WORK_DIR:-$REPO_ROOT/.tools/cluster}
# Label carrying the build key of every image these scripts make.
KEY_LABEL=dev.fastapi-service.build-key
# Names of the images these scripts build.
NODE_IMAGE=${CLUSTER_NODE_IMAGE:-fastapi-service/kind-node:$KUBE_VERSION}
BASE_IMAGE=fastapi-service/kind-base:$DEBIAN_SUITE-$KIND_VERSION
REGISTRY_IMAGE=${CLUSTER_REGISTRY_IMAGE:-fastapi-service/registry:${DISTRIBUTION_VERSION#v}}

SECONDS_AT_START=${SECONDS_AT_START:-$(date +%s)}
export SECONDS_AT_START

elapsed() {
  local s=$(($(date +%s) - SECONDS_AT_START))
  printf '%d:%02d' $((s / 60)) $((s % 60))
}
log() { printf '[%s %s] %s\n' "$(elapsed)" "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A tool the project pins (make tools puts them in .tools/bin, first on PATH).
need() {
  local t
  for t; do
    command -v "$t" >/dev/null || die "$t not found on PATH: run \`make tools\`"
  done
}

# A short hash of version strings and files: what an image was built from.
build_key() {
  local inputs=() arg
  for arg; do
    if [ -f "$arg" ]; then inputs+=("${arg##*/}=$(sha256sum <"$arg")"); else inputs+=("$arg"); fi
  done
  printf '%s\n' "${inputs[@]}" | sha256sum | cut -c1-16
}

# True when IMAGE exists and was built from KEY.
image_current() {
  local have
  have=$(docker image inspect -f "{{ index .Config.Labels \"$KEY_LABEL\" }}" "$1" 2>/dev/null) || return 1
  [ "$have" = "$2" ]
}

# Run a long command with its output in a log file. Every HEARTBEAT_SECONDS it prints the
# time so far and the log's last line (with `go build -v`, the package compiling), so a
# long build never looks stuck; shows the log's tail when it fails.
HEARTBEAT_SECONDS=${HEARTBEAT_SECONDS:-30}
run_logged() {
  local logfile=$1 pid started=$SECONDS waited=0 status=0; shift
  mkdir -p "$(dirname "$logfile")"
  "$@" >"$logfile" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( ++waited % HEARTBEAT_SECONDS == 0 )) && kill -0 "$pid" 2>/dev/null; then
      log "  ... $((SECONDS - started)) s: $(tail -n 1 "$logfile" | cut -c1-120)"
    fi
  done
  wait "$pid" || status=$?
  if [ "$status" != 0 ]; then
    tail -n 30 "$logfile" >&2
    die "failed (exit $status): $* (full log: $logfile)"
  fi
}

# Write a Go module in DIR that builds MODULE@VERSION's commands from published modules:
# MODULE's go.mod points its in-repo modules at local directories (./staging/..., ../api),
# which `go build MODULE/cmd/...` ignores, so each becomes the published SIBLING_VERSION.
wrapper_module() {
  local dir=$1 module=$2 version=$3 sibling_version=$4 gomod
  gomod=$(go mod download -json "$module@$version" | awk -F'"' '/"GoMod":/ {print $4}')
  [ -f "$gomod" ] || die "cannot download $module@$version"
  mkdir -p "$dir"
  {
    echo "module fastapi-service.local/build"
    grep -E '^(go|godebug) ' "$gomod"
    echo "require $module $version"
    # Only modules upstream requires: etcd also "replaces" forbidden paths to poison them.
    awk -v v="$sibling_version" '
      /^(require|replace) *\(/ { block = $1; next }
      block && /^\)/ { block = ""; next }
      { line = $0; if (!block && $1 ~ /^(require|replace)$/) { kind = $1; sub(/^[a-z]+ +/, "", line) } else kind = block }
      kind == "require" { split(line, f, " "); required[f[1]] = 1 }
      kind == "replace" && line ~ /=> *\.\.?\// { split(line, f, " "); local[f[1]] = 1 }
      END { for (m in local) if (m in required) print "replace " m " => " m " " v }
    ' "$gomod" | sort
  } >"$dir/go.mod"
  : >"$dir/go.sum"
}

# Build PACKAGE of MODULE@VERSION into OUT (a file) from a wrapper module, static, the
# way the upstream Makefiles do (-trimpath, -s -w); extra `go build` flags follow.
go_build_static() {
  local out=$1 module=$2 version=$3 package=$4; shift 4
  local mod=$WORK_DIR/go/${module//\//_}
  wrapper_module "$mod" "$module" "$version" "$version"
  (cd "$mod" && CGO_ENABLED=0 go build -v -mod=mod -trimpath -ldflags="-s -w" "$@" -o "$out" "$package")
}

# A minimal Debian $DEBIAN_SUITE root filesystem in DIR with PACKAGES (comma-separated).
# From DEBIAN_MIRROR, else the host's own apt mirror; packages stay in $WORK_DIR/debs.
debootstrap_rootfs() {
  local dir=$1 packages=$2 name
  name=$(basename "$dir")
  need debootstrap
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  rm -rf "$dir"
  mkdir -p "$dir" "$WORK_DIR/debs"
  run_logged "$WORK_DIR/logs/debootstrap-$name.log" debootstrap --variant=minbase \
    --cache-dir="$WORK_DIR/debs" --include="$packages" "$DEBIAN_SUITE" "$dir" "${DEBIAN_MIRROR:-$(debian_mirror)}"
  # What a slim image does not carry (kind's clean-install removes the same).
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/* \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/* "$dir"/var/cache/debconf/*-old
}

# ctlptl v0.9's Docker client speaks API 1.44+ only and does not negotiate lower; older
# engines (Debian 12's docker.io 20.10 serves 1.41) answer "client version is too new".
# Pinning the client to the engine's version works for what ctlptl does.
docker_api_compat() {
  local server
  [ -z "${DOCKER_API_VERSION:-}" ] || return 0
  server=$(docker version --format '{{.Server.APIVersion}}' 2>/dev/null) || return 0
  if [ "$(printf '%s\n' "$server" 1.44 | sort -V | head -n1)" != 1.44 ]; then
    export DOCKER_API_VERSION=$server
    log "Docker engine API $server is older than 1.44: DOCKER_API_VERSION=$server for ctlptl"
  fi
}
