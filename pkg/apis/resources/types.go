package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The internal types mirror the upstream objects field for field: they reuse
// the upstream spec and status structs so that serving them never copies or
// reshapes upstream data. Each list carries TotalItems, the exact size of the
// filtered set before paging.
//
// Adding a resource: add the object and list types here and in v1alpha3, list
// them in KnownTypes (both packages), run hack/update-codegen.sh, and declare
// the resource in pkg/registry/resources.

// KnownTypes lists every object and list type of the group.
func KnownTypes() []runtime.Object {
	return []runtime.Object{
		&Pod{}, &PodList{},
		&Namespace{}, &NamespaceList{},
		&Node{}, &NodeList{},
		&Deployment{}, &DeploymentList{},
	}
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Pod mirrors a core/v1 Pod.
type Pod struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   corev1.PodSpec
	Status corev1.PodStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PodList is a list of Pods.
type PodList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Pod
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Namespace mirrors a core/v1 Namespace.
type Namespace struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   corev1.NamespaceSpec
	Status corev1.NamespaceStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NamespaceList is a list of Namespaces.
type NamespaceList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Namespace
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Node mirrors a core/v1 Node.
type Node struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   corev1.NodeSpec
	Status corev1.NodeStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NodeList is a list of Nodes.
type NodeList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Node
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Deployment mirrors an apps/v1 Deployment.
type Deployment struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   appsv1.DeploymentSpec
	Status appsv1.DeploymentStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DeploymentList is a list of Deployments.
type DeploymentList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Deployment
}
