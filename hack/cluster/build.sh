#!/usr/bin/env bash
# Builds the cluster binaries kube-controller-manager, kube-scheduler, kubelet
# and kube-proxy v1.37.2 from the Go modules pinned in hack/cluster/go.mod into
# _output/bin, unless they are already there. Usage: build.sh [NAME...]
# (default: all four; `make run` asks only for kube-controller-manager).
#
# Like hack/tools/build.sh, built binaries are cached outside the clone, keyed
# by this module's go.mod and go.sum (KS_TOOLS_CACHE moves the cache). The
# first build of all four takes about 10 minutes on two cores.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin="${root}/_output/bin"
key=$(cat "${root}/hack/cluster/go.mod" "${root}/hack/cluster/go.sum" | sha256sum | cut -c1-16)
cache="${KS_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/ks-apiserver-tools}/cluster-${key}"
mkdir -p "${bin}" "${cache}"

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(kube-controller-manager kube-scheduler kubelet kube-proxy)

# One `go build` for every missing binary shares the compile of their common packages.
missing=()
for name in "${names[@]}"; do
	[[ -x "${cache}/${name}" ]] || missing+=("${name}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "building ${missing[*]} from k8s.io/kubernetes (the first build takes several minutes)..." >&2
	tmp=$(mktemp -d "${cache}/build.XXXXXX")
	trap 'rm -rf "${tmp}"' EXIT
	v=k8s.io/component-base/version
	# The version stamp lets the kubelet register as v1.37.2 instead of v0.0.0.
	# No -trimpath or CGO_ENABLED=0: the same flags as hack/tools/build.sh, so
	# the packages kube-apiserver shares with these come from Go's build cache.
	ldflags="-s -w -X ${v}.gitVersion=v1.37.2 -X ${v}.gitMajor=1 -X ${v}.gitMinor=37 -X ${v}.gitTreeState=clean"
	pkgs=()
	for name in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/${name}"); done
	(cd "${root}/hack/cluster" && go build -ldflags "${ldflags}" -o "${tmp}/" "${pkgs[@]}")
	for name in "${missing[@]}"; do mv "${tmp}/${name}" "${cache}/${name}"; done
fi
for name in "${names[@]}"; do
	[[ -x "${bin}/${name}" ]] && cmp -s "${cache}/${name}" "${bin}/${name}" && continue
	cp "${cache}/${name}" "${bin}/${name}.tmp.$$"
	mv "${bin}/${name}.tmp.$$" "${bin}/${name}"
done
echo "${bin}"
