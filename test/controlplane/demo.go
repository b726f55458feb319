package controlplane

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

// DemoNamespaces are the namespaces CreateDemoData fills.
var DemoNamespaces = []string{"demo", "web-shop", "data"}

// demoApp is one Deployment of the demo data and the pods of its ReplicaSet.
type demoApp struct {
	namespace, name, image, tier string
	replicas                     int32
	// phases of the pods, one per replica; "" stays Pending with no node.
	phases []corev1.PodPhase
}

var demoApps = []demoApp{
	{"demo", "nginx", "nginx:1.27", "frontend", 6, nil},
	{"demo", "echo", "ealen/echo-server:0.9", "backend", 5, []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodPending}},
	{"web-shop", "storefront", "ghcr.io/example/storefront:2.4.1", "frontend", 8, nil},
	{"web-shop", "cart", "ghcr.io/example/cart:1.8.0", "backend", 7, []corev1.PodPhase{corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodPending}},
	{"web-shop", "checkout", "ghcr.io/example/checkout:1.2.3", "backend", 6, nil},
	{"data", "redis", "redis:7.4", "cache", 6, nil},
	{"data", "postgres", "postgres:17", "database", 3, nil},
	{"data", "etl", "ghcr.io/example/etl:0.3.0", "batch", 8, []corev1.PodPhase{corev1.PodSucceeded, corev1.PodSucceeded, corev1.PodFailed, corev1.PodRunning}},
}

// DemoNodes are the Node objects CreateDemoData makes (there is no kubelet:
// they are API objects with a plausible status).
var DemoNodes = []string{"node-1", "node-2", "node-3"}

// CreateDemoData creates namespaces, nodes, deployments with their
// ReplicaSets, about 50 pods with varied labels, phases, owners, nodes and
// creation times (made in waves a second apart), and objects of every other
// mirrored resource. The User CRD must be installed (InstallCRDs).
func CreateDemoData(ctx context.Context, cfg *rest.Config) (pods int, err error) {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	for i, name := range DemoNodes {
		if err := createNode(ctx, client, name, i); err != nil {
			return 0, err
		}
	}
	for _, ns := range DemoNamespaces {
		if err := CreateNamespace(ctx, client, ns, map[string]string{"kubesphere.io/workspace": "demo-workspace"}); err != nil {
			return 0, err
		}
	}
	if err := createMoreDemoData(ctx, cfg); err != nil {
		return 0, err
	}
	// Pods are made in waves so that creation times differ: each wave takes
	// the next replica of every app.
	var sets []*appsv1.ReplicaSet
	for _, app := range demoApps {
		rs, err := createDeployment(ctx, client, app)
		if err != nil {
			return 0, err
		}
		sets = append(sets, rs)
	}
	for wave := int32(0); ; wave++ {
		made := false
		for i, app := range demoApps {
			if wave >= app.replicas {
				continue
			}
			if err := createPod(ctx, client, app, sets[i], wave); err != nil {
				return pods, err
			}
			pods++
			made = true
		}
		if !made {
			return pods, nil
		}
		time.Sleep(time.Second)
	}
}

// CreateNamespace creates a namespace and its default ServiceAccount (pods
// need it; the e2e control plane runs no controller-manager to make it).
func CreateNamespace(ctx context.Context, client kubernetes.Interface, name string, labels map[string]string) error {
	_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	_, err = client.CoreV1().ServiceAccounts(name).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
	}, metav1.CreateOptions{})
	// kube-controller-manager, when it runs, may have made it first.
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create service account %s/default: %w", name, err)
	}
	return nil
}

func createNode(ctx context.Context, client kubernetes.Interface, name string, i int) error {
	node, err := client.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"kubernetes.io/hostname":      name,
			"kubernetes.io/os":            "linux",
			"topology.kubernetes.io/zone": fmt.Sprintf("zone-%c", 'a'+i),
		}},
		Spec: corev1.NodeSpec{Unschedulable: i == 2},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create node %s: %w", name, err)
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(fmt.Sprint(4 * (i + 1))),
		corev1.ResourceMemory: resource.MustParse(fmt.Sprintf("%dGi", 16*(i+1))),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	now := metav1.Now()
	ready := corev1.ConditionTrue
	if i == 1 {
		ready = corev1.ConditionFalse
	}
	node.Status = corev1.NodeStatus{
		Capacity: capacity, Allocatable: capacity,
		Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: ready, Reason: "KubeletReady", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: now, LastTransitionTime: now},
		},
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("192.168.0.%d", 11+i)}},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion: "v1.37.2", OSImage: "Debian GNU/Linux 12 (bookworm)", KernelVersion: "6.1.0-28-amd64",
			ContainerRuntimeVersion: "containerd://2.1.4", OperatingSystem: "linux", Architecture: "amd64",
		},
	}
	_, err = client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	return err
}

func createDeployment(ctx context.Context, client kubernetes.Interface, app demoApp) (*appsv1.ReplicaSet, error) {
	labels := map[string]string{"app": app.name, "tier": app.tier}
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: app.name, Image: app.image,
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
			},
		}}},
	}
	d, err := client.AppsV1().Deployments(app.namespace).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: app.name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(app.replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: template,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create deployment %s/%s: %w", app.namespace, app.name, err)
	}
	running := int32(0)
	for r := int32(0); r < app.replicas; r++ {
		if app.phase(r) == corev1.PodRunning {
			running++
		}
	}
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation, Replicas: app.replicas, UpdatedReplicas: app.replicas,
		ReadyReplicas: running, AvailableReplicas: running, UnavailableReplicas: app.replicas - running,
	}
	if _, err := client.AppsV1().Deployments(app.namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		return nil, err
	}

	hash := fmt.Sprintf("%x", len(app.name)*7919+int(app.replicas))[:3] + "5d8f9c"
	rsLabels := map[string]string{"app": app.name, "tier": app.tier, "pod-template-hash": hash}
	template.Labels = rsLabels
	rs, err := client.AppsV1().ReplicaSets(app.namespace).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: app.name + "-" + hash, Labels: rsLabels,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To(app.replicas),
			Selector: &metav1.LabelSelector{MatchLabels: rsLabels},
			Template: template,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create replicaset for %s/%s: %w", app.namespace, app.name, err)
	}
	return rs, nil
}

func (app demoApp) phase(replica int32) corev1.PodPhase {
	if int(replica) < len(app.phases) {
		return app.phases[replica]
	}
	return corev1.PodRunning
}

func createPod(ctx context.Context, client kubernetes.Interface, app demoApp, rs *appsv1.ReplicaSet, replica int32) error {
	phase := app.phase(replica)
	spec := *rs.Spec.Template.Spec.DeepCopy()
	node := ""
	if phase != corev1.PodPending {
		node = DemoNodes[int(replica)%2] // node-3 is cordoned
		spec.NodeName = node
	}
	labels := map[string]string{}
	for k, v := range rs.Spec.Template.Labels {
		labels[k] = v
	}
	labels["version"] = fmt.Sprintf("v%d", 1+replica%2)
	pod, err := client.CoreV1().Pods(app.namespace).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:   fmt.Sprintf("%s-%c%04d", rs.Name, 'a'+rune(replica), 1000+7*replica),
			Labels: labels,
			Annotations: map[string]string{
				"kubesphere.io/creator": "admin",
			},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: spec,
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pod in %s for %s: %w", app.namespace, app.name, err)
	}
	pod.Status = podStatus(pod, phase, replica)
	_, err = client.CoreV1().Pods(app.namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	return err
}

// podStatus is a plausible status for a pod in the phase, as a kubelet would
// report it.
func podStatus(pod *corev1.Pod, phase corev1.PodPhase, replica int32) corev1.PodStatus {
	now := metav1.Now()
	status := corev1.PodStatus{Phase: phase, QOSClass: corev1.PodQOSBurstable}
	if phase == corev1.PodPending {
		status.Conditions = []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
			Message: "0/3 nodes are available", LastTransitionTime: now,
		}}
		return status
	}
	status.HostIP = "192.168.0." + fmt.Sprint(11+int(replica)%2)
	status.PodIP = fmt.Sprintf("10.244.%d.%d", replica%2, 10+replica)
	status.StartTime = &now
	c := pod.Spec.Containers[0]
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: "sha256:" + fmt.Sprintf("%064x", len(c.Image))}
	ready := corev1.ConditionFalse
	switch phase {
	case corev1.PodRunning:
		cs.Ready, cs.Started = true, ptr.To(true)
		cs.RestartCount = replica % 3
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: now}
		ready = corev1.ConditionTrue
	case corev1.PodSucceeded:
		cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now}
	case corev1.PodFailed:
		cs.RestartCount = 5
		cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: now, FinishedAt: now}
	}
	status.ContainerStatuses = []corev1.ContainerStatus{cs}
	status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: ready, LastTransitionTime: now},
	}
	return status
}
