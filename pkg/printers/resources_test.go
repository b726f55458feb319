package printers

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// rowCase is one object and the exact row kube-apiserver prints for it.
type rowCase struct {
	name string
	obj  runtime.Object
	want []any
}

// checkRows prints every case through the table of gvr and compares rows,
// cell types included.
func checkRows(t *testing.T, gvr schema.GroupVersionResource, cases []rowCase) {
	t.Helper()
	table, ok := For(gvr)
	if !ok {
		t.Fatalf("For(%v) found no table", gvr)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := table.Cells(c.obj, now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("row:\n got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestServiceRows(t *testing.T) {
	svc := func(name string, spec corev1.ServiceSpec, lb ...corev1.LoadBalancerIngress) *corev1.Service {
		return &corev1.Service{
			ObjectMeta: meta(name, 45*24*time.Hour),
			Spec:       spec,
			Status:     corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: lb}},
		}
	}
	checkRows(t, corev1.SchemeGroupVersion.WithResource("services"), []rowCase{
		{
			name: "cluster IP",
			obj: svc("kube-dns", corev1.ServiceSpec{
				Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"},
				Ports: []corev1.ServicePort{
					{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
					{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP},
					{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP},
				},
				Selector: map[string]string{"k8s-app": "kube-dns"},
			}),
			want: []any{"kube-dns", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP,9153/TCP", "45d", "k8s-app=kube-dns"},
		},
		{
			name: "headless",
			obj: svc("db", corev1.ServiceSpec{
				Type: corev1.ServiceTypeClusterIP, ClusterIP: "None", ClusterIPs: []string{"None"},
				Ports:    []corev1.ServicePort{{Port: 5432, Protocol: corev1.ProtocolTCP}},
				Selector: map[string]string{"app": "db", "tier": "data"},
			}),
			want: []any{"db", "ClusterIP", "None", "<none>", "5432/TCP", "45d", "app=db,tier=data"},
		},
		{
			name: "node port with external IPs",
			obj: svc("web", corev1.ServiceSpec{
				Type: corev1.ServiceTypeNodePort, ClusterIPs: []string{"10.96.10.1", "fd00::a"},
				ExternalIPs: []string{"192.0.2.10", "192.0.2.11"},
				Ports: []corev1.ServicePort{
					{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP},
					{Port: 443, NodePort: 30443, Protocol: corev1.ProtocolTCP},
				},
				Selector: map[string]string{"app": "web"},
			}),
			want: []any{"web", "NodePort", "10.96.10.1", "192.0.2.10,192.0.2.11", "80:30080/TCP,443:30443/TCP", "45d", "app=web"},
		},
		{
			name: "load balancer pending",
			obj: svc("lb", corev1.ServiceSpec{
				Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.20.2"},
				Ports: []corev1.ServicePort{{Port: 443, NodePort: 31443, Protocol: corev1.ProtocolTCP}},
			}),
			want: []any{"lb", "LoadBalancer", "10.96.20.2", "<pending>", "443:31443/TCP", "45d", "<none>"},
		},
		{
			name: "load balancer with ingress points, unclipped",
			obj: svc("lb", corev1.ServiceSpec{
				Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.20.2"},
				Ports: []corev1.ServicePort{{Port: 443, NodePort: 31443, Protocol: corev1.ProtocolTCP}},
			},
				corev1.LoadBalancerIngress{Hostname: "a1b2c3.elb.us-east-1.amazonaws.com"},
				corev1.LoadBalancerIngress{IP: "203.0.113.9", Hostname: "ignored.example.com"},
				corev1.LoadBalancerIngress{IP: "203.0.113.9"},
			),
			want: []any{"lb", "LoadBalancer", "10.96.20.2", "203.0.113.9,a1b2c3.elb.us-east-1.amazonaws.com", "443:31443/TCP", "45d", "<none>"},
		},
		{
			name: "load balancer plus external IPs",
			obj: svc("lb", corev1.ServiceSpec{
				Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.20.2"}, ExternalIPs: []string{"192.0.2.1"},
				Ports: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}},
			}, corev1.LoadBalancerIngress{IP: "203.0.113.9"}),
			want: []any{"lb", "LoadBalancer", "10.96.20.2", "203.0.113.9,192.0.2.1", "80/TCP", "45d", "<none>"},
		},
		{
			name: "external name",
			obj: svc("ext", corev1.ServiceSpec{
				Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com",
			}),
			want: []any{"ext", "ExternalName", "<none>", "db.example.com", "<none>", "45d", "<none>"},
		},
	})
}

func TestConfigMapSecretServiceAccountNamespaceRows(t *testing.T) {
	core := corev1.SchemeGroupVersion
	checkRows(t, core.WithResource("configmaps"), []rowCase{{
		name: "data and binary data",
		obj: &corev1.ConfigMap{
			ObjectMeta: meta("kube-root-ca.crt", 10*time.Minute),
			Data:       map[string]string{"ca.crt": "...", "extra": "x"},
			BinaryData: map[string][]byte{"blob": {1}},
		},
		want: []any{"kube-root-ca.crt", int64(3), "10m"},
	}, {
		name: "empty",
		obj:  &corev1.ConfigMap{ObjectMeta: meta("empty", 10*time.Minute)},
		want: []any{"empty", int64(0), "10m"},
	}})
	checkRows(t, core.WithResource("secrets"), []rowCase{{
		name: "tls",
		obj: &corev1.Secret{
			ObjectMeta: meta("web-tls", 200*24*time.Hour),
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{"tls.crt": {1}, "tls.key": {2}},
		},
		want: []any{"web-tls", "kubernetes.io/tls", int64(2), "200d"},
	}, {
		name: "string data merges into data",
		obj: &corev1.Secret{
			ObjectMeta: meta("creds", time.Hour),
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"user": []byte("a")},
			StringData: map[string]string{"user": "b", "password": "c"},
		},
		want: []any{"creds", "Opaque", int64(2), "60m"},
	}})
	checkRows(t, core.WithResource("serviceaccounts"), []rowCase{{
		name: "default",
		obj:  &corev1.ServiceAccount{ObjectMeta: meta("default", 3*365*24*time.Hour)},
		want: []any{"default", "3y"},
	}})
	checkRows(t, core.WithResource("namespaces"), []rowCase{{
		name: "active",
		obj:  &corev1.Namespace{ObjectMeta: meta("kube-system", 30*time.Hour), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
		want: []any{"kube-system", "Active", "30h"},
	}, {
		name: "terminating",
		obj:  &corev1.Namespace{ObjectMeta: meta("old", 30*time.Hour), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
		want: []any{"old", "Terminating", "30h"},
	}, {
		name: "no creation time",
		obj:  &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "new"}},
		want: []any{"new", "", "<unknown>"},
	}})
}

func TestPersistentVolumeClaimRows(t *testing.T) {
	fs, block := corev1.PersistentVolumeFilesystem, corev1.PersistentVolumeBlock
	checkRows(t, corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"), []rowCase{{
		name: "bound",
		obj: &corev1.PersistentVolumeClaim{
			ObjectMeta: meta("data-db-0", 2*time.Hour),
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:               []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:                 corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("8Gi")}},
				VolumeName:                "pvc-1b2c",
				StorageClassName:          ptr.To("standard"),
				VolumeAttributesClassName: ptr.To("gold"),
				VolumeMode:                &fs,
			},
			Status: corev1.PersistentVolumeClaimStatus{
				Phase:       corev1.ClaimBound,
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod, corev1.ReadWriteOnce, corev1.ReadWriteOnce},
				Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
			},
		},
		want: []any{"data-db-0", "Bound", "pvc-1b2c", "10Gi", "RWO,RWOP", "standard", "gold", "120m", "Filesystem"},
	}, {
		name: "pending, class from the beta annotation",
		obj: &corev1.PersistentVolumeClaim{
			ObjectMeta: func() metav1.ObjectMeta {
				m := meta("scratch", 5*time.Minute)
				m.Annotations = map[string]string{"volume.beta.kubernetes.io/storage-class": "legacy"}
				return m
			}(),
			Spec: corev1.PersistentVolumeClaimSpec{
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				StorageClassName: ptr.To("standard"),
				VolumeMode:       &block,
			},
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
		},
		want: []any{"scratch", "Pending", "", "", "", "legacy", "<unset>", "5m", "Block"},
	}, {
		name: "terminating, no class, no mode",
		obj: &corev1.PersistentVolumeClaim{
			ObjectMeta: func() metav1.ObjectMeta {
				m := meta("gone", 5*time.Minute)
				m.DeletionTimestamp = agoPtr(time.Second)
				return m
			}(),
			Spec:   corev1.PersistentVolumeClaimSpec{VolumeName: "pv-9"},
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound},
		},
		want: []any{"gone", "Terminating", "pv-9", "0", "", "", "<unset>", "5m", "<unset>"},
	}})
}

func TestPersistentVolumeRows(t *testing.T) {
	block := corev1.PersistentVolumeBlock
	checkRows(t, corev1.SchemeGroupVersion.WithResource("persistentvolumes"), []rowCase{{
		name: "bound",
		obj: &corev1.PersistentVolume{
			ObjectMeta: meta("pvc-1b2c", 6*24*time.Hour),
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany, corev1.ReadOnlyMany, corev1.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
				ClaimRef:                      &corev1.ObjectReference{Namespace: "default", Name: "data-db-0"},
				StorageClassName:              "standard",
				VolumeAttributesClassName:     ptr.To("gold"),
				VolumeMode:                    &block,
			},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound},
		},
		want: []any{"pvc-1b2c", "10Gi", "RWO,ROX,RWX", "Delete", "Bound", "default/data-db-0", "standard", "gold", "", "6d", "Block"},
	}, {
		name: "failed, released, beta class annotation",
		obj: &corev1.PersistentVolume{
			ObjectMeta: func() metav1.ObjectMeta {
				m := meta("nfs-1", 50*time.Hour)
				m.Annotations = map[string]string{"volume.beta.kubernetes.io/storage-class": ""}
				return m
			}(),
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("500M")},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRecycle,
				StorageClassName:              "nfs",
			},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeFailed, Reason: "RecyclerFailed"},
		},
		want: []any{"nfs-1", "500M", "RWX", "Recycle", "Failed", "", "", "<unset>", "RecyclerFailed", "2d2h", "<unset>"},
	}, {
		name: "terminating, no capacity",
		obj: &corev1.PersistentVolume{
			ObjectMeta: func() metav1.ObjectMeta {
				m := meta("pv-x", time.Hour)
				m.DeletionTimestamp = agoPtr(time.Second)
				return m
			}(),
			Spec:   corev1.PersistentVolumeSpec{PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable},
		},
		want: []any{"pv-x", "0", "", "Retain", "Terminating", "", "", "<unset>", "", "60m", "<unset>"},
	}})
}

func TestNodeRows(t *testing.T) {
	info := corev1.NodeSystemInfo{
		KubeletVersion:          "v1.37.2",
		OSImage:                 "Ubuntu 24.04.2 LTS",
		KernelVersion:           "6.8.0-60-generic",
		Architecture:            "arm64",
		ContainerRuntimeVersion: "containerd://2.1.1",
	}
	addresses := []corev1.NodeAddress{
		{Type: corev1.NodeHostName, Address: "cp-1"},
		{Type: corev1.NodeInternalIP, Address: "172.18.0.2"},
		{Type: corev1.NodeInternalIP, Address: "fc00:f853::2"},
		{Type: corev1.NodeExternalIP, Address: "198.51.100.2"},
	}
	nodeCondition := func(t corev1.NodeConditionType, s corev1.ConditionStatus) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s}
	}
	checkRows(t, corev1.SchemeGroupVersion.WithResource("nodes"), []rowCase{{
		name: "ready control plane, cordoned",
		obj: &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name: "cp-1", CreationTimestamp: ago(20 * 24 * time.Hour),
				Labels: map[string]string{
					"node-role.kubernetes.io/control-plane": "",
					"node-role.kubernetes.io/etcd":          "true",
					"kubernetes.io/role":                    "master",
					"node-role.kubernetes.io/":              "",
					"kubernetes.io/hostname":                "cp-1",
				},
			},
			Spec: corev1.NodeSpec{Unschedulable: true},
			Status: corev1.NodeStatus{
				Conditions: []corev1.NodeCondition{
					nodeCondition(corev1.NodeMemoryPressure, corev1.ConditionFalse),
					nodeCondition(corev1.NodeReady, corev1.ConditionTrue),
				},
				Addresses: addresses,
				NodeInfo:  info,
			},
		},
		want: []any{"cp-1", "Ready,SchedulingDisabled", "control-plane,etcd,master", "20d", "v1.37.2",
			"172.18.0.2", "198.51.100.2", "Ubuntu 24.04.2 LTS", "6.8.0-60-generic (arm64)", "containerd://2.1.1"},
	}, {
		name: "not ready worker",
		obj: &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name: "worker-1", CreationTimestamp: ago(20 * 24 * time.Hour),
				Labels: map[string]string{"node-role.kubernetes.io/worker": "", "kubernetes.io/role": "worker"},
			},
			Status: corev1.NodeStatus{
				Conditions: []corev1.NodeCondition{nodeCondition(corev1.NodeReady, corev1.ConditionUnknown)},
				Addresses:  addresses[:2],
				NodeInfo:   info,
			},
		},
		want: []any{"worker-1", "NotReady", "worker", "20d", "v1.37.2",
			"172.18.0.2", "<none>", "Ubuntu 24.04.2 LTS", "6.8.0-60-generic (arm64)", "containerd://2.1.1"},
	}, {
		name: "never reported",
		obj: &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "new", CreationTimestamp: ago(3 * time.Second), Labels: map[string]string{"kubernetes.io/role": ""}},
		},
		want: []any{"new", "Unknown", "<none>", "3s", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"},
	}, {
		name: "never reported, cordoned",
		obj: &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "new", CreationTimestamp: ago(3 * time.Second)},
			Spec:       corev1.NodeSpec{Unschedulable: true},
			Status:     corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{Architecture: "amd64"}},
		},
		want: []any{"new", "Unknown,SchedulingDisabled", "<none>", "3s", "", "<none>", "<none>", "<unknown>", "<unknown> (amd64)", "<unknown>"},
	}})
}

// template is a pod template with the given containers and labels.
func template(labels map[string]string, names ...string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: containers(names...)},
	}
}

func TestWorkloadRows(t *testing.T) {
	apps := appsv1.SchemeGroupVersion
	web := map[string]string{"app": "web"}
	selector := &metav1.LabelSelector{
		MatchLabels:      map[string]string{"app": "web"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"front", "edge"}}},
	}

	checkRows(t, apps.WithResource("deployments"), []rowCase{{
		name: "rolling out",
		obj: &appsv1.Deployment{
			ObjectMeta: meta("web", 9*24*time.Hour),
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](3), Selector: selector, Template: template(web, "nginx", "exporter")},
			Status:     appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2},
		},
		want: []any{"web", "2/3", int64(1), int64(2), "9d", "nginx,exporter",
			"registry.k8s.io/nginx:1.0,registry.k8s.io/exporter:1.0", "app=web,tier in (edge,front)"},
	}, {
		name: "replicas unset, empty selector",
		obj: &appsv1.Deployment{
			ObjectMeta: meta("bare", time.Minute),
			Spec:       appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{}},
		},
		want: []any{"bare", "0/0", int64(0), int64(0), "60s", "", "", ""},
	}, {
		name: "invalid selector",
		obj: &appsv1.Deployment{
			ObjectMeta: meta("bad", time.Minute),
			Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}},
			}, Template: template(nil, "app")},
		},
		want: []any{"bad", "0/1", int64(0), int64(0), "60s", "app", "registry.k8s.io/app:1.0", "<invalid>"},
	}})

	checkRows(t, apps.WithResource("statefulsets"), []rowCase{{
		name: "partly ready",
		obj: &appsv1.StatefulSet{
			ObjectMeta: meta("db", 12*time.Minute),
			Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To[int32](3), Selector: selector, Template: template(web, "postgres")},
			Status:     appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 1},
		},
		want: []any{"db", "1/3", "12m", "postgres", "registry.k8s.io/postgres:1.0"},
	}})

	checkRows(t, apps.WithResource("daemonsets"), []rowCase{{
		name: "with node selector",
		obj: &appsv1.DaemonSet{
			ObjectMeta: meta("kube-proxy", 20*24*time.Hour),
			Spec: appsv1.DaemonSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-proxy"}},
				Template: func() corev1.PodTemplateSpec {
					tp := template(nil, "kube-proxy")
					tp.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
					return tp
				}(),
			},
			Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 1, NumberAvailable: 2},
		},
		want: []any{"kube-proxy", int64(3), int64(3), int64(2), int64(1), int64(2), "kubernetes.io/os=linux", "20d",
			"kube-proxy", "registry.k8s.io/kube-proxy:1.0", "k8s-app=kube-proxy"},
	}, {
		name: "no node selector, no selector",
		obj:  &appsv1.DaemonSet{ObjectMeta: meta("agent", time.Hour)},
		want: []any{"agent", int64(0), int64(0), int64(0), int64(0), int64(0), "<none>", "60m", "", "", "<none>"},
	}})

	checkRows(t, apps.WithResource("replicasets"), []rowCase{{
		name: "scaled",
		obj: &appsv1.ReplicaSet{
			ObjectMeta: meta("web-5d9c7b8f6", 9*24*time.Hour),
			Spec: appsv1.ReplicaSetSpec{
				Replicas: ptr.To[int32](3),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "pod-template-hash": "5d9c7b8f6"}},
				Template: template(web, "nginx"),
			},
			Status: appsv1.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 2},
		},
		want: []any{"web-5d9c7b8f6", int64(3), int64(3), int64(2), "9d", "nginx", "registry.k8s.io/nginx:1.0", "app=web,pod-template-hash=5d9c7b8f6"},
	}, {
		name: "old, scaled to zero",
		obj: &appsv1.ReplicaSet{
			ObjectMeta: meta("web-old", 30*24*time.Hour),
			Spec:       appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: web}, Template: template(web, "nginx")},
		},
		want: []any{"web-old", int64(0), int64(0), int64(0), "30d", "nginx", "registry.k8s.io/nginx:1.0", "app=web"},
	}})
}

func TestJobRows(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "8d1f"}}
	job := func(name string, spec batchv1.JobSpec, st batchv1.JobStatus, conds ...batchv1.JobConditionType) *batchv1.Job {
		for _, c := range conds {
			st.Conditions = append(st.Conditions, batchv1.JobCondition{Type: c, Status: corev1.ConditionTrue})
		}
		spec.Selector = sel
		spec.Template = template(nil, "pi")
		return &batchv1.Job{ObjectMeta: meta(name, time.Hour), Spec: spec, Status: st}
	}
	wide := []any{"pi", "registry.k8s.io/pi:1.0", "batch.kubernetes.io/controller-uid=8d1f"}
	row := func(cells ...any) []any { return append(cells, wide...) }
	checkRows(t, batchv1.SchemeGroupVersion.WithResource("jobs"), []rowCase{{
		name: "complete",
		obj: job("pi", batchv1.JobSpec{Completions: ptr.To[int32](1), Parallelism: ptr.To[int32](1)},
			batchv1.JobStatus{Succeeded: 1, StartTime: agoPtr(50 * time.Minute), CompletionTime: agoPtr(48*time.Minute + 30*time.Second)},
			batchv1.JobSuccessCriteriaMet, batchv1.JobComplete),
		want: row("pi", "Complete", "1/1", "90s", "60m"),
	}, {
		name: "running, parallel without completions",
		obj: job("queue", batchv1.JobSpec{Parallelism: ptr.To[int32](4)},
			batchv1.JobStatus{Active: 4, StartTime: agoPtr(7*time.Minute + 3*time.Second)}),
		want: row("queue", "Running", "0/1 of 4", "7m3s", "60m"),
	}, {
		name: "running, indexed",
		obj: job("indexed", batchv1.JobSpec{Completions: ptr.To[int32](10), Parallelism: ptr.To[int32](2)},
			batchv1.JobStatus{Succeeded: 3, StartTime: agoPtr(20 * time.Minute)}),
		want: row("indexed", "Running", "3/10", "20m", "60m"),
	}, {
		name: "failed",
		obj: job("flaky", batchv1.JobSpec{Completions: ptr.To[int32](1)},
			batchv1.JobStatus{Failed: 7, StartTime: agoPtr(time.Hour)}, batchv1.JobFailureTarget, batchv1.JobFailed),
		want: row("flaky", "Failed", "0/1", "60m", "60m"),
	}, {
		name: "failure target reached, not yet failed",
		obj: job("flaky", batchv1.JobSpec{Completions: ptr.To[int32](1)},
			batchv1.JobStatus{StartTime: agoPtr(time.Hour)}, batchv1.JobFailureTarget),
		want: row("flaky", "FailureTarget", "0/1", "60m", "60m"),
	}, {
		name: "success criteria met, not yet complete",
		obj: job("sc", batchv1.JobSpec{Completions: ptr.To[int32](2)},
			batchv1.JobStatus{Succeeded: 2, StartTime: agoPtr(time.Hour)}, batchv1.JobSuccessCriteriaMet),
		want: row("sc", "SuccessCriteriaMet", "2/2", "60m", "60m"),
	}, {
		name: "suspended, never started",
		obj: job("later", batchv1.JobSpec{Suspend: ptr.To(true), Parallelism: ptr.To[int32](1)},
			batchv1.JobStatus{}, batchv1.JobSuspended),
		want: row("later", "Suspended", "0/1", "", "60m"),
	}, {
		name: "terminating beats suspended, not complete",
		obj: func() *batchv1.Job {
			j := job("bye", batchv1.JobSpec{}, batchv1.JobStatus{StartTime: agoPtr(time.Minute)}, batchv1.JobSuspended)
			j.DeletionTimestamp = agoPtr(time.Second)
			return j
		}(),
		want: row("bye", "Terminating", "0/1", "60s", "60m"),
	}, {
		name: "complete beats terminating",
		obj: func() *batchv1.Job {
			j := job("done", batchv1.JobSpec{}, batchv1.JobStatus{Succeeded: 1}, batchv1.JobComplete)
			j.DeletionTimestamp = agoPtr(time.Second)
			return j
		}(),
		want: row("done", "Complete", "1/1", "", "60m"),
	}, {
		name: "a false condition does not count",
		obj: func() *batchv1.Job {
			j := job("j", batchv1.JobSpec{}, batchv1.JobStatus{})
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionFalse}}
			return j
		}(),
		want: row("j", "Running", "0/1", "", "60m"),
	}})
}

func TestCronJobRows(t *testing.T) {
	jobTemplate := batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template(nil, "backup", "upload")}}
	checkRows(t, batchv1.SchemeGroupVersion.WithResource("cronjobs"), []rowCase{{
		name: "active",
		obj: &batchv1.CronJob{
			ObjectMeta: meta("backup", 8*24*time.Hour),
			Spec:       batchv1.CronJobSpec{Schedule: "*/5 * * * *", Suspend: ptr.To(false), JobTemplate: jobTemplate},
			Status: batchv1.CronJobStatus{
				Active:           []corev1.ObjectReference{{Name: "backup-1"}, {Name: "backup-2"}},
				LastScheduleTime: agoPtr(3*time.Minute + 10*time.Second),
			},
		},
		want: []any{"backup", "*/5 * * * *", "<none>", "False", int64(2), "3m10s", "8d", "backup,upload",
			"registry.k8s.io/backup:1.0,registry.k8s.io/upload:1.0", "<none>"},
	}, {
		name: "suspended, with time zone and selector",
		obj: &batchv1.CronJob{
			ObjectMeta: meta("report", 8*24*time.Hour),
			Spec: batchv1.CronJobSpec{
				Schedule: "0 3 * * 1", TimeZone: ptr.To("Europe/Paris"), Suspend: ptr.To(true),
				JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
					Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"job": "report"}},
					Template: template(nil, "report"),
				}},
			},
		},
		want: []any{"report", "0 3 * * 1", "Europe/Paris", "True", int64(0), "<none>", "8d", "report",
			"registry.k8s.io/report:1.0", "job=report"},
	}, {
		name: "suspend unset",
		obj: &batchv1.CronJob{
			ObjectMeta: meta("raw", time.Minute),
			Spec:       batchv1.CronJobSpec{Schedule: "@hourly"},
		},
		want: []any{"raw", "@hourly", "<none>", "<unset>", int64(0), "<none>", "60s", "", "", "<none>"},
	}})
}

func TestIngressRows(t *testing.T) {
	rule := func(host string) networkingv1.IngressRule { return networkingv1.IngressRule{Host: host} }
	checkRows(t, networkingv1.SchemeGroupVersion.WithResource("ingresses"), []rowCase{{
		name: "tls, many hosts, unclipped address",
		obj: &networkingv1.Ingress{
			ObjectMeta: meta("shop", 4*time.Hour),
			Spec: networkingv1.IngressSpec{
				IngressClassName: ptr.To("nginx"),
				Rules:            []networkingv1.IngressRule{rule("a.example.com"), rule(""), rule("b.example.com"), rule("c.example.com"), rule("d.example.com")},
				TLS:              []networkingv1.IngressTLS{{Hosts: []string{"a.example.com"}, SecretName: "shop-tls"}},
			},
			Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{Ingress: []networkingv1.IngressLoadBalancerIngress{
				{IP: "203.0.113.20"}, {Hostname: "k8s-shop-1234567890.elb.amazonaws.com"}, {IP: "203.0.113.10"},
			}}},
		},
		want: []any{"shop", "nginx", "a.example.com,b.example.com,c.example.com + 2 more...",
			"203.0.113.10,203.0.113.20,k8s-shop-1234567890.elb.amazonaws.com", "80, 443", "4h"},
	}, {
		name: "exactly three hosts",
		obj: &networkingv1.Ingress{
			ObjectMeta: meta("three", 4*time.Hour),
			Spec:       networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule("a"), rule("b"), rule("c")}},
		},
		want: []any{"three", "<none>", "a,b,c", "", "80", "4h"},
	}, {
		name: "default backend only",
		obj: &networkingv1.Ingress{
			ObjectMeta: meta("catch-all", 4*time.Hour),
			Spec: networkingv1.IngressSpec{DefaultBackend: &networkingv1.IngressBackend{
				Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}},
			}},
		},
		want: []any{"catch-all", "<none>", "*", "", "80", "4h"},
	}, {
		name: "hostless rules",
		obj: &networkingv1.Ingress{
			ObjectMeta: meta("paths", 4*time.Hour),
			Spec:       networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{rule(""), rule("")}},
		},
		want: []any{"paths", "<none>", "*", "", "80", "4h"},
	}})
}

func TestNetworkPolicyRows(t *testing.T) {
	checkRows(t, networkingv1.SchemeGroupVersion.WithResource("networkpolicies"), []rowCase{{
		name: "all pods",
		obj:  &networkingv1.NetworkPolicy{ObjectMeta: meta("default-deny", 2*time.Hour)},
		want: []any{"default-deny", "<none>", "120m"},
	}, {
		name: "selected pods",
		obj: &networkingv1.NetworkPolicy{
			ObjectMeta: meta("db", 2*time.Hour),
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{
				MatchLabels:      map[string]string{"app": "db"},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}}},
			}},
		},
		want: []any{"db", "app=db,env notin (dev)", "120m"},
	}})
}

func TestHorizontalPodAutoscalerRows(t *testing.T) {
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	ref := autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"}
	cpu := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](80)},
	}}
	cpuStatus := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
		Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](45), AverageValue: q("90m")},
	}}
	memory := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("500Mi")},
	}}
	memoryStatus := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
		Name: corev1.ResourceMemory, Current: autoscalingv2.MetricValueStatus{AverageValue: q("300Mi")},
	}}
	pods := autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "requests_per_second"},
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("1k")},
	}}
	external := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth"},
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("30")},
	}}
	object := autoscalingv2.MetricSpec{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "hits"},
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: q("10")},
	}}
	objectStatus := autoscalingv2.MetricStatus{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricStatus{
		Current: autoscalingv2.MetricValueStatus{Value: q("12")},
	}}
	container := autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
		Name: corev1.ResourceCPU, Container: "app", Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType},
	}}

	hpa := func(name string, min *int32, metrics []autoscalingv2.MetricSpec, current []autoscalingv2.MetricStatus, replicas int32) *autoscalingv2.HorizontalPodAutoscaler {
		return &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: meta(name, 3*24*time.Hour),
			Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MinReplicas: min, MaxReplicas: 10, Metrics: metrics},
			Status:     autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: replicas, DesiredReplicas: replicas, CurrentMetrics: current},
		}
	}
	checkRows(t, autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), []rowCase{{
		name: "cpu utilization",
		obj:  hpa("web", ptr.To[int32](2), []autoscalingv2.MetricSpec{cpu}, []autoscalingv2.MetricStatus{cpuStatus}, 3),
		want: []any{"web", "Deployment/web", "cpu: 45%/80%", "2", int64(10), int64(3), "3d"},
	}, {
		name: "two metrics, second not reported",
		obj:  hpa("web", ptr.To[int32](1), []autoscalingv2.MetricSpec{cpu, memory}, []autoscalingv2.MetricStatus{cpuStatus}, 1),
		want: []any{"web", "Deployment/web", "cpu: 45%/80%, memory: <unknown>/500Mi", "1", int64(10), int64(1), "3d"},
	}, {
		name: "more than two metrics",
		obj: hpa("web", ptr.To[int32](1), []autoscalingv2.MetricSpec{memory, cpu, pods, external},
			[]autoscalingv2.MetricStatus{memoryStatus, cpuStatus}, 4),
		want: []any{"web", "Deployment/web", "memory: 300Mi/500Mi, cpu: 45%/80% + 2 more...", "1", int64(10), int64(4), "3d"},
	}, {
		name: "pods, external and object metrics",
		obj:  hpa("q", nil, []autoscalingv2.MetricSpec{pods, external}, nil, 0),
		want: []any{"q", "Deployment/web", "<unknown>/1k, <unknown>/30 (avg)", "<unset>", int64(10), int64(0), "3d"},
	}, {
		name: "object value, container utilization without a target",
		obj:  hpa("o", nil, []autoscalingv2.MetricSpec{object, container}, []autoscalingv2.MetricStatus{objectStatus}, 2),
		want: []any{"o", "Deployment/web", "12/10, cpu: <unknown>/<auto>", "<unset>", int64(10), int64(2), "3d"},
	}, {
		name: "external value without a current value, container average value",
		obj: hpa("e", nil, []autoscalingv2.MetricSpec{
			{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: q("5")},
			}},
			{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
				Name: corev1.ResourceMemory, Container: "app", Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("1Gi")},
			}},
		}, []autoscalingv2.MetricStatus{
			{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricStatus{}},
			{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricStatus{
				Name: corev1.ResourceMemory, Container: "app", Current: autoscalingv2.MetricValueStatus{AverageValue: q("700Mi")},
			}},
		}, 2),
		want: []any{"e", "Deployment/web", "<nil>/5, memory: 700Mi/1Gi", "<unset>", int64(10), int64(2), "3d"},
	}, {
		name: "no metrics",
		obj:  hpa("none", ptr.To[int32](1), nil, nil, 1),
		want: []any{"none", "Deployment/web", "<none>", "1", int64(10), int64(1), "3d"},
	}, {
		name: "unknown metric type",
		obj:  hpa("odd", ptr.To[int32](1), []autoscalingv2.MetricSpec{{Type: "Custom"}, {Type: autoscalingv2.PodsMetricSourceType}}, nil, 1),
		want: []any{"odd", "Deployment/web", "<unknown type>, <unknown type>", "1", int64(10), int64(1), "3d"},
	}})
}

func TestStorageClassRows(t *testing.T) {
	retain := corev1.PersistentVolumeReclaimRetain
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	annotated := func(name, key string) metav1.ObjectMeta {
		m := meta(name, 20*24*time.Hour)
		m.Namespace = ""
		m.Annotations = map[string]string{key: "true"}
		return m
	}
	checkRows(t, storagev1.SchemeGroupVersion.WithResource("storageclasses"), []rowCase{{
		name: "default class, defaults applied",
		obj: &storagev1.StorageClass{
			ObjectMeta:           annotated("standard", "storageclass.kubernetes.io/is-default-class"),
			Provisioner:          "rancher.io/local-path",
			AllowVolumeExpansion: ptr.To(true),
		},
		want: []any{"standard (default)", "rancher.io/local-path", "Delete", "Immediate", true, "20d"},
	}, {
		name: "beta default annotation",
		obj: &storagev1.StorageClass{
			ObjectMeta:  annotated("old-default", "storageclass.beta.kubernetes.io/is-default-class"),
			Provisioner: "kubernetes.io/no-provisioner",
		},
		want: []any{"old-default (default)", "kubernetes.io/no-provisioner", "Delete", "Immediate", false, "20d"},
	}, {
		name: "explicit policies",
		obj: &storagev1.StorageClass{
			ObjectMeta:        meta("fast", 20*24*time.Hour),
			Provisioner:       "ebs.csi.aws.com",
			ReclaimPolicy:     &retain,
			VolumeBindingMode: &wait,
		},
		want: []any{"fast", "ebs.csi.aws.com", "Retain", "WaitForFirstConsumer", false, "20d"},
	}})
}

func TestRBACRows(t *testing.T) {
	rbac := rbacv1.SchemeGroupVersion
	// A creation time outside UTC still prints in UTC.
	paris := time.FixedZone("CEST", 2*3600)
	created := metav1.NewTime(time.Date(2026, 4, 30, 14, 5, 9, 0, paris))
	checkRows(t, rbac.WithResource("roles"), []rowCase{{
		name: "role",
		obj:  &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: "default", CreationTimestamp: created}},
		want: []any{"pod-reader", "2026-04-30T12:05:09Z"},
	}})
	checkRows(t, rbac.WithResource("clusterroles"), []rowCase{{
		name: "cluster role",
		obj:  &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "admin", CreationTimestamp: created}},
		want: []any{"admin", "2026-04-30T12:05:09Z"},
	}, {
		name: "no creation time",
		obj:  &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "new"}},
		want: []any{"new", "0001-01-01T00:00:00Z"},
	}})

	subjects := []rbacv1.Subject{
		{Kind: rbacv1.UserKind, Name: "jane"},
		{Kind: rbacv1.GroupKind, Name: "devs"},
		{Kind: rbacv1.ServiceAccountKind, Namespace: "ci", Name: "builder"},
		{Kind: rbacv1.UserKind, Name: "bob"},
		{Kind: rbacv1.ServiceAccountKind, Namespace: "default", Name: "default"},
		{Kind: "Robot", Name: "r2"},
	}
	checkRows(t, rbac.WithResource("rolebindings"), []rowCase{{
		name: "mixed subjects",
		obj: &rbacv1.RoleBinding{
			ObjectMeta: meta("read-pods", 90*time.Minute),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-reader"},
			Subjects:   subjects,
		},
		want: []any{"read-pods", "Role/pod-reader", "90m", "jane, bob", "devs", "ci/builder, default/default"},
	}, {
		name: "no subjects",
		obj: &rbacv1.RoleBinding{
			ObjectMeta: meta("empty", 90*time.Minute),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		},
		want: []any{"empty", "ClusterRole/view", "90m", "", "", ""},
	}})
	checkRows(t, rbac.WithResource("clusterrolebindings"), []rowCase{{
		name: "cluster admin",
		obj: &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "cluster-admin", CreationTimestamp: ago(400 * 24 * time.Hour)},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:masters"}},
		},
		want: []any{"cluster-admin", "ClusterRole/cluster-admin", "400d", "", "system:masters", ""},
	}})
}

func TestCustomResourceDefinitionRows(t *testing.T) {
	crd := func(name string, scope apiextensionsv1.ResourceScope, versions []apiextensionsv1.CustomResourceDefinitionVersion, established apiextensionsv1.ConditionStatus) *apiextensionsv1.CustomResourceDefinition {
		return &apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(time.Date(2025, 5, 3, 16, 36, 32, 0, time.UTC))},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group:    "sample.example.com",
				Scope:    scope,
				Versions: versions,
				Names:    apiextensionsv1.CustomResourceDefinitionNames{Plural: "foos", Kind: "Foo", ShortNames: []string{"f", "fo"}},
			},
			Status: apiextensionsv1.CustomResourceDefinitionStatus{Conditions: []apiextensionsv1.CustomResourceDefinitionCondition{
				{Type: apiextensionsv1.NamesAccepted, Status: apiextensionsv1.ConditionTrue},
				{Type: apiextensionsv1.Established, Status: established},
			}},
		}
	}
	checkRows(t, apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions"), []rowCase{{
		name: "established, several served versions",
		obj: crd("foos.sample.example.com", apiextensionsv1.NamespaceScoped, []apiextensionsv1.CustomResourceDefinitionVersion{
			{Name: "v1beta1", Served: true},
			{Name: "v2", Served: false},
			{Name: "v1", Served: true, Storage: true},
		}, apiextensionsv1.ConditionTrue),
		want: []any{"foos.sample.example.com", "Namespaced", "v1(storage),v1beta1", "2025-05-03T16:36:32Z",
			"sample.example.com", "Foo", "f,fo", true},
	}, {
		name: "not established, nothing served",
		obj: crd("bars.sample.example.com", apiextensionsv1.ClusterScoped, []apiextensionsv1.CustomResourceDefinitionVersion{
			{Name: "v1", Served: false, Storage: true},
		}, apiextensionsv1.ConditionFalse),
		want: []any{"bars.sample.example.com", "Cluster", "", "2025-05-03T16:36:32Z", "sample.example.com", "Foo", "f,fo", false},
	}})
}
