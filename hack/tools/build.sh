#!/usr/bin/env bash
# Builds the real control-plane binaries the tests and `make run` use
# (kube-apiserver, etcd, kubectl) from Go modules pinned in hack/tools/go.mod,
# into _output/bin, unless they are already there.
#
# Built binaries are kept in a cache outside the clone, keyed by the tools
# module's go.mod and go.sum, so a fresh clone on the same machine reuses them
# instead of spending minutes rebuilding kube-apiserver. KS_TOOLS_CACHE moves
# that cache. KUBEBUILDER_ASSETS, when it names a folder holding
# kube-apiserver and etcd, is used instead of building those two.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin="${root}/_output/bin"
key=$(cat "${root}/hack/tools/go.mod" "${root}/hack/tools/go.sum" "${root}/hack/tools/kubectl/main.go" | sha256sum | cut -c1-16)
cache="${KS_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/ks-apiserver-tools}/${key}"
mkdir -p "${bin}" "${cache}"

build() { # build NAME PACKAGE
	local name=$1 pkg=$2
	[[ -x "${bin}/${name}" ]] && return
	if [[ ! -x "${cache}/${name}" ]]; then
		echo "building ${name} from ${pkg} (the first build takes a few minutes)..." >&2
		(cd "${root}/hack/tools" && go build -o "${cache}/${name}.tmp.$$" "${pkg}")
		mv "${cache}/${name}.tmp.$$" "${cache}/${name}"
	fi
	cp "${cache}/${name}" "${bin}/${name}.tmp.$$"
	mv "${bin}/${name}.tmp.$$" "${bin}/${name}"
}

if [[ -n "${KUBEBUILDER_ASSETS:-}" && -x "${KUBEBUILDER_ASSETS}/kube-apiserver" && -x "${KUBEBUILDER_ASSETS}/etcd" ]]; then
	for name in kube-apiserver etcd; do
		ln -sf "${KUBEBUILDER_ASSETS}/${name}" "${bin}/${name}"
	done
else
	build etcd go.etcd.io/etcd/server/v3
	build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
fi
build kubectl ./kubectl
echo "${bin}"
