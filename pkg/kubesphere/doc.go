// Package kubesphere holds KubeSphere 3.3's rules over Kubernetes types that
// the resource declarations (pkg/registry/resources) plug into the generic
// query engine: status and phase vocabularies, pod, workload, job and node
// statuses, sort keys, the groups the pods and PVC indexes keep, and the
// computed annotations of nodes, PVCs and storage classes. pkg/query itself
// knows no Kubernetes type.
package kubesphere
