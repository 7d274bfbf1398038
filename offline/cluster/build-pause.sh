#!/usr/bin/env bash
# Build the pod sandbox binary from pause.c in the k8s.io/kubernetes module (as
# build/pause/Makefile does: a static C program, no Go).
#
# Usage: build-pause.sh OUT_FILE
set -euo pipefail
# shellcheck source=offline/cluster/lib.sh
. "$(dirname "$0")/lib.sh"

out=${1:?usage: build-pause.sh OUT_FILE}
need go gcc
src=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | awk -F'"' '/"Dir":/ {print $4}')/build/pause/linux/pause.c
[ -f "$src" ] || die "pause.c not found in k8s.io/kubernetes@$KUBE_VERSION"
mkdir -p "$(dirname "$out")"
gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION" -o "$out" "$src"
strip "$out"
log "pause $PAUSE_VERSION in $out"
