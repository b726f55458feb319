package resources

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

// The internal types mirror the upstream objects field for field: they reuse
// the upstream spec and status structs so that serving them never copies or
// reshapes upstream data. Each list carries TotalItems, the exact size of the
// filtered set before paging.
//
// Why these types repeat v1alpha3's: DESIGN.md fixes sample-apiserver's
// layout, internal types here and the served v1alpha3 types (with generated
// deepcopy, defaults and conversion) beside them, and keeps written code
// apart from generated code. The internal types are the hub the registry and
// the query engine work on, so a second served version is one more package
// of conversions, not a change to every declaration. Registering the v1alpha3
// types under the internal version too (the scheme then "converts" by setting
// the kind) was looked at and not done: every declaration in
// pkg/registry/resources, the registry's tests and hack/update-codegen.sh
// would change at once, and the OpenAPI namer, which reads every registration
// of the scheme, would put an "__internal" version into each served model's
// x-kubernetes-group-version-kind unless it got a scheme of its own. The two
// KnownTypes lists are kept in step by install's TestKnownTypesAgree.
//
// Adding a resource: add the object and list types here and in v1alpha3, list
// them in KnownTypes (both packages), run hack/update-codegen.sh, and declare
// the resource in pkg/registry/resources.

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

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Pod is a read-only mirror of a core/v1 Pod.
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

// Service is a read-only mirror of a core/v1 Service.
type Service struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   corev1.ServiceSpec
	Status corev1.ServiceStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ServiceList is a list of Services.
type ServiceList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Service
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ConfigMap is a read-only mirror of a core/v1 ConfigMap.
type ConfigMap struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Immutable  *bool
	Data       map[string]string
	BinaryData map[string][]byte
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ConfigMapList is a list of ConfigMaps.
type ConfigMapList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []ConfigMap
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Secret is a read-only mirror of a core/v1 Secret.
type Secret struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Immutable *bool
	Data      map[string][]byte
	Type      corev1.SecretType
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SecretList is a list of Secrets.
type SecretList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Secret
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ServiceAccount is a read-only mirror of a core/v1 ServiceAccount.
type ServiceAccount struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Secrets                      []corev1.ObjectReference
	ImagePullSecrets             []corev1.LocalObjectReference
	AutomountServiceAccountToken *bool
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ServiceAccountList is a list of ServiceAccounts.
type ServiceAccountList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []ServiceAccount
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PersistentVolumeClaim is a read-only mirror of a core/v1 PersistentVolumeClaim.
type PersistentVolumeClaim struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   corev1.PersistentVolumeClaimSpec
	Status corev1.PersistentVolumeClaimStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PersistentVolumeClaimList is a list of PersistentVolumeClaims.
type PersistentVolumeClaimList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []PersistentVolumeClaim
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Node is a read-only mirror of a core/v1 Node.
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

// Namespace is a read-only mirror of a core/v1 Namespace.
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

// PersistentVolume is a read-only mirror of a core/v1 PersistentVolume.
type PersistentVolume struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   corev1.PersistentVolumeSpec
	Status corev1.PersistentVolumeStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// PersistentVolumeList is a list of PersistentVolumes.
type PersistentVolumeList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []PersistentVolume
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Deployment is a read-only mirror of a apps/v1 Deployment.
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

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StatefulSet is a read-only mirror of a apps/v1 StatefulSet.
type StatefulSet struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   appsv1.StatefulSetSpec
	Status appsv1.StatefulSetStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StatefulSetList is a list of StatefulSets.
type StatefulSetList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []StatefulSet
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DaemonSet is a read-only mirror of a apps/v1 DaemonSet.
type DaemonSet struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   appsv1.DaemonSetSpec
	Status appsv1.DaemonSetStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// DaemonSetList is a list of DaemonSets.
type DaemonSetList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []DaemonSet
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ReplicaSet is a read-only mirror of a apps/v1 ReplicaSet.
type ReplicaSet struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   appsv1.ReplicaSetSpec
	Status appsv1.ReplicaSetStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ReplicaSetList is a list of ReplicaSets.
type ReplicaSetList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []ReplicaSet
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Job is a read-only mirror of a batch/v1 Job.
type Job struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   batchv1.JobSpec
	Status batchv1.JobStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// JobList is a list of Jobs.
type JobList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Job
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronJob is a read-only mirror of a batch/v1 CronJob.
type CronJob struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   batchv1.CronJobSpec
	Status batchv1.CronJobStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronJobList is a list of CronJobs.
type CronJobList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []CronJob
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Ingress is a read-only mirror of an networking.k8s.io/v1 Ingress.
type Ingress struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   networkingv1.IngressSpec
	Status networkingv1.IngressStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// IngressList is a list of Ingresss.
type IngressList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Ingress
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NetworkPolicy is a read-only mirror of a networking.k8s.io/v1 NetworkPolicy.
type NetworkPolicy struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec networkingv1.NetworkPolicySpec
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// NetworkPolicyList is a list of NetworkPolicys.
type NetworkPolicyList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []NetworkPolicy
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HorizontalPodAutoscaler is a read-only mirror of a autoscaling/v2 HorizontalPodAutoscaler.
type HorizontalPodAutoscaler struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   autoscalingv2.HorizontalPodAutoscalerSpec
	Status autoscalingv2.HorizontalPodAutoscalerStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// HorizontalPodAutoscalerList is a list of HorizontalPodAutoscalers.
type HorizontalPodAutoscalerList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []HorizontalPodAutoscaler
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StorageClass is a read-only mirror of a storage.k8s.io/v1 StorageClass.
type StorageClass struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Provisioner          string
	Parameters           map[string]string
	ReclaimPolicy        *corev1.PersistentVolumeReclaimPolicy
	MountOptions         []string
	AllowVolumeExpansion *bool
	VolumeBindingMode    *storagev1.VolumeBindingMode
	AllowedTopologies    []corev1.TopologySelectorTerm
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StorageClassList is a list of StorageClasss.
type StorageClassList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []StorageClass
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Role is a read-only mirror of a rbac.authorization.k8s.io/v1 Role.
type Role struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Rules []rbacv1.PolicyRule
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RoleList is a list of Roles.
type RoleList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []Role
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RoleBinding is a read-only mirror of a rbac.authorization.k8s.io/v1 RoleBinding.
type RoleBinding struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Subjects []rbacv1.Subject
	RoleRef  rbacv1.RoleRef
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// RoleBindingList is a list of RoleBindings.
type RoleBindingList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []RoleBinding
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRole is a read-only mirror of a rbac.authorization.k8s.io/v1 ClusterRole.
type ClusterRole struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Rules           []rbacv1.PolicyRule
	AggregationRule *rbacv1.AggregationRule
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRoleList is a list of ClusterRoles.
type ClusterRoleList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []ClusterRole
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRoleBinding is a read-only mirror of a rbac.authorization.k8s.io/v1 ClusterRoleBinding.
type ClusterRoleBinding struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Subjects []rbacv1.Subject
	RoleRef  rbacv1.RoleRef
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ClusterRoleBindingList is a list of ClusterRoleBindings.
type ClusterRoleBindingList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []ClusterRoleBinding
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CustomResourceDefinition is a read-only mirror of a apiextensions.k8s.io/v1 CustomResourceDefinition.
type CustomResourceDefinition struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   apiextensionsv1.CustomResourceDefinitionSpec
	Status apiextensionsv1.CustomResourceDefinitionStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CustomResourceDefinitionList is a list of CustomResourceDefinitions.
type CustomResourceDefinitionList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []CustomResourceDefinition
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// User is a read-only mirror of an iam.kubesphere.io/v1beta1 User.
type User struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   UserSpec
	Status iamv1beta1.UserStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// UserList is a list of Users.
type UserList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []User
}

// UserSpec is the served part of a User's spec: everything but the password,
// which by construction cannot be served in any form.
type UserSpec struct {
	Email       string
	Lang        string
	Description string
	DisplayName string
	Groups      []string
}
