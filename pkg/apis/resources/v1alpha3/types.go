package v1alpha3

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// KnownTypes lists every object and list type of the version.
func KnownTypes() []runtime.Object {
	return []runtime.Object{
		&Pod{}, &PodList{},
		&Namespace{}, &NamespaceList{},
		&Node{}, &NodeList{},
		&Deployment{}, &DeploymentList{},
	}
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Pod is a read-only mirror of a core/v1 Pod.
type Pod struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Pod (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec of the upstream Pod.
	// +optional
	Spec corev1.PodSpec `json:"spec,omitempty"`
	// Status of the upstream Pod.
	// +optional
	Status corev1.PodStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PodList is a list of Pods.
type PodList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems"`
	// Items is the page of matching Pods.
	Items []Pod `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Namespace is a read-only mirror of a core/v1 Namespace.
type Namespace struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Namespace (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec of the upstream Namespace.
	// +optional
	Spec corev1.NamespaceSpec `json:"spec,omitempty"`
	// Status of the upstream Namespace.
	// +optional
	Status corev1.NamespaceStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NamespaceList is a list of Namespaces.
type NamespaceList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems"`
	// Items is the page of matching Namespaces.
	Items []Namespace `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Node is a read-only mirror of a core/v1 Node.
type Node struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Node (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec of the upstream Node.
	// +optional
	Spec corev1.NodeSpec `json:"spec,omitempty"`
	// Status of the upstream Node.
	// +optional
	Status corev1.NodeStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NodeList is a list of Nodes.
type NodeList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems"`
	// Items is the page of matching Nodes.
	Items []Node `json:"items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Deployment is a read-only mirror of an apps/v1 Deployment.
type Deployment struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Deployment (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec of the upstream Deployment.
	// +optional
	Spec appsv1.DeploymentSpec `json:"spec,omitempty"`
	// Status of the upstream Deployment.
	// +optional
	Status appsv1.DeploymentStatus `json:"status,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DeploymentList is a list of Deployments.
type DeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems"`
	// Items is the page of matching Deployments.
	Items []Deployment `json:"items"`
}
