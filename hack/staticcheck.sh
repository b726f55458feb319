#!/usr/bin/env bash
# Runs staticcheck (honnef.co/go/tools, default checks) on the main module.
# The binary is built from the Go module proxy at the version pinned in
# hack/tools/staticcheck/go.mod and cached outside the clone like the
# control-plane binaries (hack/tools/build.sh), keyed by that go.mod and
# go.sum; KS_TOOLS_CACHE moves the cache. Arguments replace the packages
# checked: every package but the generated ones (pkg/generated), which are
# not edited here.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mod="${root}/hack/tools/staticcheck"
key=$(cat "${mod}/go.mod" "${mod}/go.sum" | sha256sum | cut -c1-16)
cache="${KS_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/ks-apiserver-tools}/staticcheck-${key}"
mkdir -p "${cache}"
if [[ ! -x "${cache}/staticcheck" ]]; then
	echo "building staticcheck (once per version)..." >&2
	(cd "${mod}" && go build -o "${cache}/staticcheck.tmp.$$" honnef.co/go/tools/cmd/staticcheck)
	mv "${cache}/staticcheck.tmp.$$" "${cache}/staticcheck"
fi
cd "${root}"
if [[ $# -eq 0 ]]; then
	mapfile -t packages < <(go list ./... | grep -v '/pkg/generated/')
	set -- "${packages[@]}"
fi
"${cache}/staticcheck" "$@"
