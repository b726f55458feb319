#!/usr/bin/env bash
# Fails when the generated code is stale: regenerates into a copy of the
# source tree and compares it with the checked-in output.
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "${TMP}"' EXIT

tar -C "${ROOT}" --exclude=./_output --exclude=./.git -cf - . | tar -C "${TMP}" -xf -
"${TMP}/hack/update-codegen.sh" >/dev/null
for dir in pkg hack/api-rules; do
	if ! diff -Naupr "${ROOT}/${dir}" "${TMP}/${dir}"; then
		echo "generated code under ${dir} is stale: run hack/update-codegen.sh" >&2
		exit 1
	fi
done
echo "generated code is up to date"
