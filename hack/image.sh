#!/usr/bin/env bash
# `make image` / `make push`: builds static ks-apiserver binaries for each
# platform and packs them with hack/image (go-containerregistry) into one
# multi-platform OCI image, with no Docker and no registry.
#
#   hack/image.sh tarball IMAGE  -> _output/image/ks-apiserver.tar
#   hack/image.sh push IMAGE     -> pushed to IMAGE's registry
#
# Reproducible: -trimpath, no build id, and every time in the image is the
# commit time (SOURCE_DATE_EPOCH), so one commit always gives one digest.
# PLATFORMS (default "linux/amd64 linux/arm64") chooses the platforms; the
# first is the one `docker load` takes.
set -euo pipefail

mode=$1 image=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
out=_output/image
platforms=${PLATFORMS:-linux/amd64 linux/arm64}
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

args=()
for platform in ${platforms}; do
	dir="${out}/${platform/\//-}"
	mkdir -p "${dir}"
	CGO_ENABLED=0 GOOS=${platform%/*} GOARCH=${platform#*/} \
		go build -trimpath -ldflags '-s -w -buildid=' -o "${dir}/ks-apiserver" ./cmd/ks-apiserver
	args+=("${platform}=${dir}/ks-apiserver")
done
(cd hack/image && go build -o "${root}/_output/bin/image" .)
case "${mode}" in
tarball) _output/bin/image -ref "${image}" -revision "${revision}" -out "${out}/ks-apiserver.tar" "${args[@]}" ;;
push) _output/bin/image -ref "${image}" -revision "${revision}" -push "${args[@]}" ;;
*) echo "usage: $0 tarball|push IMAGE" >&2; exit 2 ;;
esac
