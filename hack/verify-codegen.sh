#!/usr/bin/env bash
# Fails when the generated code is stale: regenerates into a copy of the
# source tree and compares it with the checked-in output. The generation
# runs against a fresh, empty module cache (as on a new machine), filled
# through the Go module proxy protocol only (from the local download cache
# first), and fails if it wrote into that cache: `go mod verify` checks
# every module it extracted against its checksum.
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
# Module caches are read-only; make the copy writable to remove it.
trap 'chmod -R u+w "${TMP}" 2>/dev/null; rm -rf "${TMP}"' EXIT

MODCACHE=$(go env GOMODCACHE)
PROXY=$(go env GOPROXY)
export GOMODCACHE="${TMP}/modcache"
export GOPROXY="file://${MODCACHE}/cache/download,${PROXY}"
# The default, made explicit: extracted modules are read-only.
export GOFLAGS="$(go env GOFLAGS) -modcacherw=false"

mkdir "${TMP}/src"
tar -C "${ROOT}" --exclude=./_output --exclude=./.git -cf - . | tar -C "${TMP}/src" -xf -
if ! "${TMP}/src/hack/update-codegen.sh" >"${TMP}/codegen.log" 2>&1; then
	cat "${TMP}/codegen.log" >&2
	echo "hack/update-codegen.sh failed with a fresh module cache" >&2
	exit 1
fi
for dir in pkg hack/api-rules; do
	if ! diff -Naupr "${ROOT}/${dir}" "${TMP}/src/${dir}"; then
		echo "generated code under ${dir} is stale: run hack/update-codegen.sh" >&2
		exit 1
	fi
done
if ! (cd "${TMP}/src" && go mod verify >/dev/null); then
	echo "hack/update-codegen.sh wrote into the Go module cache (${GOMODCACHE}): see go mod verify above" >&2
	exit 1
fi
echo "generated code is up to date, and generating it left the module cache untouched"
