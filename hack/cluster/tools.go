//go:build tools

// Package tools pins the node and controller binaries of the real single-node
// cluster (kubelet, kube-controller-manager, kube-scheduler, kube-proxy) at the
// same k8s.io/kubernetes version as hack/tools; it is a module of its own so
// that adding them does not change hack/tools' cache key.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
