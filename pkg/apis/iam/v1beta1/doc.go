// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:openapi-model-package=io.kubesphere.iam.v1beta1
// +groupName=iam.kubesphere.io

// Package v1beta1 holds this project's own custom resources in
// iam.kubesphere.io: users (and, with the OAuth server, its sessions and login
// records). They are CustomResourceDefinitions in kube-apiserver
// (artifacts/deploy/crds), not served by ks-apiserver.
package v1beta1
