// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:protobuf-gen=package
// +k8s:conversion-gen=github.com/ks-apiserver/ks-apiserver/pkg/apis/resources
// +k8s:defaulter-gen=TypeMeta
// +k8s:openapi-model-package=io.kubesphere.resources.v1alpha3
// +groupName=resources.kubesphere.io

// Package v1alpha3 is the served version of resources.kubesphere.io: read-only
// mirrors of cluster resources, listed with KubeSphere's query extensions.
package v1alpha3
