//go:build tools

// Package tools pins the test binaries (kube-apiserver, etcd, kubectl) that
// hack/tools/build.sh builds from Go modules; the main module never depends on
// k8s.io/kubernetes.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
