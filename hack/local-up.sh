#!/usr/bin/env bash
# `make run`: builds what is needed, then runs etcd, kube-apiserver,
# kube-controller-manager and ks-apiserver on loopback with demo data until Ctrl-C or SIGTERM.
# Ports: KS_ETCD_PORT (2379), KS_ETCD_PEER_PORT (2380),
# KS_KUBE_APISERVER_PORT (6443), KS_APISERVER_PORT (9443).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
hack/tools/build.sh >/dev/null
hack/cluster/build.sh kube-controller-manager >/dev/null
go build -o _output/bin/ks-apiserver ./cmd/ks-apiserver
go build -o _output/bin/local-up ./hack/localup
exec _output/bin/local-up -root "${root}"
