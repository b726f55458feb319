#!/usr/bin/env bash
# Builds the real control-plane binaries the tests and `make run` use
# (kube-apiserver, etcd, kubectl) from Go modules into _output/bin, unless
# they are already there. KUBEBUILDER_ASSETS, when set to a folder holding
# kube-apiserver and etcd, is used instead of building those two.
# Prints the folder holding the binaries on its last line.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin="${root}/_output/bin"
mkdir -p "${bin}"

build() { # build NAME PACKAGE
	local name=$1 pkg=$2
	if [[ -x "${bin}/${name}" ]]; then
		return
	fi
	echo "building ${name} from ${pkg} (first time takes a few minutes)..." >&2
	(cd "${root}/hack/tools" && go build -o "${bin}/${name}.tmp" "${pkg}")
	mv "${bin}/${name}.tmp" "${bin}/${name}"
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
