package v1alpha3

import (
	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The served objects mirror the upstream ones field for field (with the same
// JSON names), so they look like the upstream objects with apiVersion
// resources.kubesphere.io/v1alpha3. Lists carry totalItems, the exact number
// of objects matching the request across all pages.

// KnownTypes lists every object and list type of the group.
func KnownTypes() []runtime.Object {
	return []runtime.Object{
		&Pod{}, &PodList{},
		&Service{}, &ServiceList{},
		&ConfigMap{}, &ConfigMapList{},
		&Secret{}, &SecretList{},
		&ServiceAccount{}, &ServiceAccountList{},
		&PersistentVolumeClaim{}, &PersistentVolumeClaimList{},
		&Node{}, &NodeList{},
		&Namespace{}, &NamespaceList{},
		&PersistentVolume{}, &PersistentVolumeList{},
		&Deployment{}, &DeploymentList{},
		&StatefulSet{}, &StatefulSetList{},
		&DaemonSet{}, &DaemonSetList{},
		&ReplicaSet{}, &ReplicaSetList{},
		&Job{}, &JobList{},
		&CronJob{}, &CronJobList{},
		&Ingress{}, &IngressList{},
		&NetworkPolicy{}, &NetworkPolicyList{},
		&HorizontalPodAutoscaler{}, &HorizontalPodAutoscalerList{},
		&StorageClass{}, &StorageClassList{},
		&Role{}, &RoleList{},
		&RoleBinding{}, &RoleBindingList{},
		&ClusterRole{}, &ClusterRoleList{},
		&ClusterRoleBinding{}, &ClusterRoleBindingList{},
		&CustomResourceDefinition{}, &CustomResourceDefinitionList{},
		&User{}, &UserList{},
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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream Pod.
	// +optional
	Spec corev1.PodSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream Pod.
	// +optional
	Status corev1.PodStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PodList is a list of Pods.
type PodList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Pods.
	Items []Pod `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Service is a read-only mirror of a core/v1 Service.
type Service struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Service (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream Service.
	// +optional
	Spec corev1.ServiceSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream Service.
	// +optional
	Status corev1.ServiceStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ServiceList is a list of Services.
type ServiceList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Services.
	Items []Service `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ConfigMap is a read-only mirror of a core/v1 ConfigMap.
type ConfigMap struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream ConfigMap (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Immutable is true when the data cannot be changed.
	// +optional
	Immutable *bool `json:"immutable,omitempty" protobuf:"varint,2,opt,name=immutable"`
	// Data holds the UTF-8 entries.
	// +optional
	Data map[string]string `json:"data,omitempty" protobuf:"bytes,3,rep,name=data"`
	// BinaryData holds the binary entries.
	// +optional
	BinaryData map[string][]byte `json:"binaryData,omitempty" protobuf:"bytes,4,rep,name=binaryData"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ConfigMapList is a list of ConfigMaps.
type ConfigMapList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching ConfigMaps.
	Items []ConfigMap `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Secret is a read-only mirror of a core/v1 Secret.
type Secret struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Secret (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Immutable is true when the data cannot be changed.
	// +optional
	Immutable *bool `json:"immutable,omitempty" protobuf:"varint,2,opt,name=immutable"`
	// Data holds the secret entries.
	// +optional
	Data map[string][]byte `json:"data,omitempty" protobuf:"bytes,3,rep,name=data"`
	// Type is the secret type.
	// +optional
	Type corev1.SecretType `json:"type,omitempty" protobuf:"bytes,4,opt,name=type,casttype=k8s.io/api/core/v1.SecretType"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SecretList is a list of Secrets.
type SecretList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Secrets.
	Items []Secret `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ServiceAccount is a read-only mirror of a core/v1 ServiceAccount.
type ServiceAccount struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream ServiceAccount (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Secrets lists secrets of the service account.
	// +optional
	Secrets []corev1.ObjectReference `json:"secrets,omitempty" protobuf:"bytes,2,rep,name=secrets"`
	// ImagePullSecrets lists registry credentials for its pods.
	// +optional
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty" protobuf:"bytes,3,rep,name=imagePullSecrets"`
	// AutomountServiceAccountToken says whether pods mount a token by default.
	// +optional
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty" protobuf:"varint,4,opt,name=automountServiceAccountToken"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ServiceAccountList is a list of ServiceAccounts.
type ServiceAccountList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching ServiceAccounts.
	Items []ServiceAccount `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PersistentVolumeClaim is a read-only mirror of a core/v1 PersistentVolumeClaim.
type PersistentVolumeClaim struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream PersistentVolumeClaim (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream PersistentVolumeClaim.
	// +optional
	Spec corev1.PersistentVolumeClaimSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream PersistentVolumeClaim.
	// +optional
	Status corev1.PersistentVolumeClaimStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PersistentVolumeClaimList is a list of PersistentVolumeClaims.
type PersistentVolumeClaimList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching PersistentVolumeClaims.
	Items []PersistentVolumeClaim `json:"items" protobuf:"bytes,3,rep,name=items"`
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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream Node.
	// +optional
	Spec corev1.NodeSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream Node.
	// +optional
	Status corev1.NodeStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NodeList is a list of Nodes.
type NodeList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Nodes.
	Items []Node `json:"items" protobuf:"bytes,3,rep,name=items"`
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
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream Namespace.
	// +optional
	Spec corev1.NamespaceSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream Namespace.
	// +optional
	Status corev1.NamespaceStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NamespaceList is a list of Namespaces.
type NamespaceList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Namespaces.
	Items []Namespace `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PersistentVolume is a read-only mirror of a core/v1 PersistentVolume.
type PersistentVolume struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream PersistentVolume (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream PersistentVolume.
	// +optional
	Spec corev1.PersistentVolumeSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream PersistentVolume.
	// +optional
	Status corev1.PersistentVolumeStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PersistentVolumeList is a list of PersistentVolumes.
type PersistentVolumeList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching PersistentVolumes.
	Items []PersistentVolume `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Deployment is a read-only mirror of a apps/v1 Deployment.
type Deployment struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Deployment (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream Deployment.
	// +optional
	Spec appsv1.DeploymentSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream Deployment.
	// +optional
	Status appsv1.DeploymentStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DeploymentList is a list of Deployments.
type DeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Deployments.
	Items []Deployment `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StatefulSet is a read-only mirror of a apps/v1 StatefulSet.
type StatefulSet struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream StatefulSet (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream StatefulSet.
	// +optional
	Spec appsv1.StatefulSetSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream StatefulSet.
	// +optional
	Status appsv1.StatefulSetStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StatefulSetList is a list of StatefulSets.
type StatefulSetList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching StatefulSets.
	Items []StatefulSet `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DaemonSet is a read-only mirror of a apps/v1 DaemonSet.
type DaemonSet struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream DaemonSet (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream DaemonSet.
	// +optional
	Spec appsv1.DaemonSetSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream DaemonSet.
	// +optional
	Status appsv1.DaemonSetStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DaemonSetList is a list of DaemonSets.
type DaemonSetList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching DaemonSets.
	Items []DaemonSet `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ReplicaSet is a read-only mirror of a apps/v1 ReplicaSet.
type ReplicaSet struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream ReplicaSet (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream ReplicaSet.
	// +optional
	Spec appsv1.ReplicaSetSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream ReplicaSet.
	// +optional
	Status appsv1.ReplicaSetStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ReplicaSetList is a list of ReplicaSets.
type ReplicaSetList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching ReplicaSets.
	Items []ReplicaSet `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Job is a read-only mirror of a batch/v1 Job.
type Job struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Job (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream Job.
	// +optional
	Spec batchv1.JobSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream Job.
	// +optional
	Status batchv1.JobStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// JobList is a list of Jobs.
type JobList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Jobs.
	Items []Job `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronJob is a read-only mirror of a batch/v1 CronJob.
type CronJob struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream CronJob (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream CronJob.
	// +optional
	Spec batchv1.CronJobSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream CronJob.
	// +optional
	Status batchv1.CronJobStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronJobList is a list of CronJobs.
type CronJobList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching CronJobs.
	Items []CronJob `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Ingress is a read-only mirror of an networking.k8s.io/v1 Ingress.
type Ingress struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Ingress (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream Ingress.
	// +optional
	Spec networkingv1.IngressSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream Ingress.
	// +optional
	Status networkingv1.IngressStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// IngressList is a list of Ingresss.
type IngressList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Ingresss.
	Items []Ingress `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NetworkPolicy is a read-only mirror of a networking.k8s.io/v1 NetworkPolicy.
type NetworkPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream NetworkPolicy (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream NetworkPolicy.
	// +optional
	Spec networkingv1.NetworkPolicySpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NetworkPolicyList is a list of NetworkPolicys.
type NetworkPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching NetworkPolicys.
	Items []NetworkPolicy `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HorizontalPodAutoscaler is a read-only mirror of a autoscaling/v2 HorizontalPodAutoscaler.
type HorizontalPodAutoscaler struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream HorizontalPodAutoscaler (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream HorizontalPodAutoscaler.
	// +optional
	Spec autoscalingv2.HorizontalPodAutoscalerSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream HorizontalPodAutoscaler.
	// +optional
	Status autoscalingv2.HorizontalPodAutoscalerStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HorizontalPodAutoscalerList is a list of HorizontalPodAutoscalers.
type HorizontalPodAutoscalerList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching HorizontalPodAutoscalers.
	Items []HorizontalPodAutoscaler `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StorageClass is a read-only mirror of a storage.k8s.io/v1 StorageClass.
type StorageClass struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream StorageClass (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Provisioner is the volume plugin that provisions the volumes.
	Provisioner string `json:"provisioner" protobuf:"bytes,2,opt,name=provisioner"`
	// Parameters are passed to the provisioner.
	// +optional
	Parameters map[string]string `json:"parameters,omitempty" protobuf:"bytes,3,rep,name=parameters"`
	// ReclaimPolicy of the provisioned volumes.
	// +optional
	ReclaimPolicy *corev1.PersistentVolumeReclaimPolicy `json:"reclaimPolicy,omitempty" protobuf:"bytes,4,opt,name=reclaimPolicy,casttype=k8s.io/api/core/v1.PersistentVolumeReclaimPolicy"`
	// MountOptions of the provisioned volumes.
	// +optional
	MountOptions []string `json:"mountOptions,omitempty" protobuf:"bytes,5,rep,name=mountOptions"`
	// AllowVolumeExpansion says whether volumes may grow.
	// +optional
	AllowVolumeExpansion *bool `json:"allowVolumeExpansion,omitempty" protobuf:"varint,6,opt,name=allowVolumeExpansion"`
	// VolumeBindingMode says when volumes are bound.
	// +optional
	VolumeBindingMode *storagev1.VolumeBindingMode `json:"volumeBindingMode,omitempty" protobuf:"bytes,7,opt,name=volumeBindingMode,casttype=k8s.io/api/storage/v1.VolumeBindingMode"`
	// AllowedTopologies restricts where volumes are provisioned.
	// +optional
	AllowedTopologies []corev1.TopologySelectorTerm `json:"allowedTopologies,omitempty" protobuf:"bytes,8,rep,name=allowedTopologies"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StorageClassList is a list of StorageClasss.
type StorageClassList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching StorageClasss.
	Items []StorageClass `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Role is a read-only mirror of a rbac.authorization.k8s.io/v1 Role.
type Role struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream Role (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Rules of the role.
	Rules []rbacv1.PolicyRule `json:"rules" protobuf:"bytes,2,rep,name=rules"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RoleList is a list of Roles.
type RoleList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Roles.
	Items []Role `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RoleBinding is a read-only mirror of a rbac.authorization.k8s.io/v1 RoleBinding.
type RoleBinding struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream RoleBinding (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Subjects the role is bound to.
	// +optional
	Subjects []rbacv1.Subject `json:"subjects,omitempty" protobuf:"bytes,2,rep,name=subjects"`
	// RoleRef is the bound role.
	RoleRef rbacv1.RoleRef `json:"roleRef" protobuf:"bytes,3,opt,name=roleRef"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RoleBindingList is a list of RoleBindings.
type RoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching RoleBindings.
	Items []RoleBinding `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRole is a read-only mirror of a rbac.authorization.k8s.io/v1 ClusterRole.
type ClusterRole struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream ClusterRole (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Rules of the role.
	Rules []rbacv1.PolicyRule `json:"rules" protobuf:"bytes,2,rep,name=rules"`
	// AggregationRule selects the roles aggregated into this one.
	// +optional
	AggregationRule *rbacv1.AggregationRule `json:"aggregationRule,omitempty" protobuf:"bytes,3,opt,name=aggregationRule"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRoleList is a list of ClusterRoles.
type ClusterRoleList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching ClusterRoles.
	Items []ClusterRole `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRoleBinding is a read-only mirror of a rbac.authorization.k8s.io/v1 ClusterRoleBinding.
type ClusterRoleBinding struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream ClusterRoleBinding (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Subjects the role is bound to.
	// +optional
	Subjects []rbacv1.Subject `json:"subjects,omitempty" protobuf:"bytes,2,rep,name=subjects"`
	// RoleRef is the bound role.
	RoleRef rbacv1.RoleRef `json:"roleRef" protobuf:"bytes,3,opt,name=roleRef"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRoleBindingList is a list of ClusterRoleBindings.
type ClusterRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching ClusterRoleBindings.
	Items []ClusterRoleBinding `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CustomResourceDefinition is a read-only mirror of a apiextensions.k8s.io/v1 CustomResourceDefinition.
type CustomResourceDefinition struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream CustomResourceDefinition (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream CustomResourceDefinition.
	// +optional
	Spec apiextensionsv1.CustomResourceDefinitionSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream CustomResourceDefinition.
	// +optional
	Status apiextensionsv1.CustomResourceDefinitionStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CustomResourceDefinitionList is a list of CustomResourceDefinitions.
type CustomResourceDefinitionList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching CustomResourceDefinitions.
	Items []CustomResourceDefinition `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// +genclient
// +genclient:nonNamespaced
// +genclient:onlyVerbs=get,list,watch
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// User is a read-only mirror of an iam.kubesphere.io/v1beta1 User.
type User struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, as on the upstream User (managedFields are not served).
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Spec of the upstream User, without its password.
	// +optional
	Spec UserSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status of the upstream User.
	// +optional
	Status iamv1beta1.UserStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// UserList is a list of Users.
type UserList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TotalItems is the exact number of objects matching the request's filters, across all pages.
	TotalItems int64 `json:"totalItems" protobuf:"varint,2,opt,name=totalItems"`
	// Items is the page of matching Users.
	Items []User `json:"items" protobuf:"bytes,3,rep,name=items"`
}

// UserSpec is the served part of a User's spec: everything but the password,
// which by construction cannot be served in any form.
type UserSpec struct {
	// Email is the unique email address of the user.
	Email string `json:"email" protobuf:"bytes,1,opt,name=email"`
	// Lang is the preferred language of the user interface.
	// +optional
	Lang string `json:"lang,omitempty" protobuf:"bytes,2,opt,name=lang"`
	// Description is free text about the user.
	// +optional
	Description string `json:"description,omitempty" protobuf:"bytes,3,opt,name=description"`
	// DisplayName is the name shown for the user.
	// +optional
	DisplayName string `json:"displayName,omitempty" protobuf:"bytes,4,opt,name=displayName"`
	// Groups the user belongs to.
	// +optional
	Groups []string `json:"groups,omitempty" protobuf:"bytes,5,rep,name=groups"`
}
