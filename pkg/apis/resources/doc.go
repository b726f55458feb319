// +k8s:deepcopy-gen=package
// +groupName=resources.kubesphere.io

// Package resources holds the internal (hub) types of the
// resources.kubesphere.io API group: read-only mirrors of cluster resources.
package resources
