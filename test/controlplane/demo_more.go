package controlplane

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"golang.org/x/crypto/bcrypt"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
)

// InstallCRDs applies this project's CustomResourceDefinitions
// (artifacts/deploy/crds) and waits until kube-apiserver serves them.
func (cp *ControlPlane) InstallCRDs(ctx context.Context, artifactsDir string) error {
	files, err := filepath.Glob(filepath.Join(artifactsDir, "crds", "*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := Apply(ctx, cp.Admin, data); err != nil {
			return err
		}
	}
	client, err := kubernetes.NewForConfig(cp.Admin)
	if err != nil {
		return err
	}
	return waitUntil(ctx, 30*time.Second, func(ctx context.Context) bool {
		_, err := client.Discovery().ServerResourcesForGroupVersion(iamv1beta1.SchemeGroupVersion.String())
		return err == nil
	})
}

// createMoreDemoData creates one or more objects of every other mirrored
// resource, with plausible statuses, so every table has rows to show.
func createMoreDemoData(ctx context.Context, cfg *rest.Config) error {
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	steps := []func(context.Context, kubernetes.Interface) error{
		demoServices, demoConfig, demoStorage, demoWorkloads, demoBatch, demoNetworking, demoAutoscaling, demoRBAC,
	}
	for _, step := range steps {
		if err := step(ctx, c); err != nil {
			return err
		}
	}
	own, err := versioned.NewForConfig(cfg)
	if err != nil {
		return err
	}
	return demoUsers(ctx, own)
}

func demoServices(ctx context.Context, c kubernetes.Interface) error {
	for _, app := range demoApps {
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: app.name, Labels: map[string]string{"app": app.name}},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": app.name},
				Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
			},
		}
		switch app.name {
		case "storefront":
			svc.Spec.Type = corev1.ServiceTypeLoadBalancer
		case "nginx":
			svc.Spec.Type = corev1.ServiceTypeNodePort
		case "postgres":
			svc.Spec.ClusterIP = corev1.ClusterIPNone
			svc.Spec.Ports = []corev1.ServicePort{{Name: "pg", Port: 5432, Protocol: corev1.ProtocolTCP}}
		}
		if _, err := c.CoreV1().Services(app.namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create service %s/%s: %w", app.namespace, app.name, err)
		}
	}
	return nil
}

func demoConfig(ctx context.Context, c kubernetes.Interface) error {
	for _, ns := range DemoNamespaces {
		if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "app-config", Labels: map[string]string{"app.kubernetes.io/part-of": ns}},
			Data:       map[string]string{"LOG_LEVEL": "info", "FEATURE_FLAGS": "search,checkout-v2"},
		}, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create configmap in %s: %w", ns, err)
		}
		if _, err := c.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "db-credentials"},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"username": []byte("app"), "password": []byte("not-a-real-password")},
		}, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create secret in %s: %w", ns, err)
		}
	}
	_, err := c.CoreV1().Secrets("web-shop").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "registry-auth"},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths":{"ghcr.io":{"auth":"ZGVtbzpkZW1v"}}}`)},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create registry secret: %w", err)
	}
	_, err = c.CoreV1().ServiceAccounts("web-shop").Create(ctx, &corev1.ServiceAccount{
		ObjectMeta:       metav1.ObjectMeta{Name: "storefront"},
		ImagePullSecrets: []corev1.LocalObjectReference{{Name: "registry-auth"}},
	}, metav1.CreateOptions{})
	return err
}

func demoStorage(ctx context.Context, c kubernetes.Interface) error {
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	for _, sc := range []*storagev1.StorageClass{
		{
			ObjectMeta:        metav1.ObjectMeta{Name: "standard", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
			Provisioner:       "kubernetes.io/no-provisioner",
			VolumeBindingMode: &wait,
		},
		{
			ObjectMeta:           metav1.ObjectMeta{Name: "fast-ssd"},
			Provisioner:          "csi.example.com",
			Parameters:           map[string]string{"type": "ssd"},
			ReclaimPolicy:        ptr.To(corev1.PersistentVolumeReclaimRetain),
			AllowVolumeExpansion: ptr.To(true),
		},
	} {
		if _, err := c.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create storage class %s: %w", sc.Name, err)
		}
	}
	for i, class := range []string{"standard", "standard", "fast-ssd"} {
		pv, err := c.CoreV1().PersistentVolumes().Create(ctx, &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pv-%d", i+1)},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(fmt.Sprintf("%dGi", 10*(i+1)))},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				StorageClassName:              class,
				PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: fmt.Sprintf("/data/pv-%d", i+1)}},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create persistent volume: %w", err)
		}
		pv.Status.Phase = corev1.VolumeAvailable
		if i == 0 {
			pv.Spec.ClaimRef = &corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: "data", Name: "postgres-data", APIVersion: "v1"}
			if pv, err = c.CoreV1().PersistentVolumes().Update(ctx, pv, metav1.UpdateOptions{}); err != nil {
				return err
			}
			pv.Status.Phase = corev1.VolumeBound
		}
		if _, err := c.CoreV1().PersistentVolumes().UpdateStatus(ctx, pv, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	for _, claim := range []struct{ name, volume string }{{"postgres-data", "pv-1"}, {"redis-data", ""}} {
		pvc, err := c.CoreV1().PersistentVolumeClaims("data").Create(ctx, &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: claim.name},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
				StorageClassName: ptr.To("standard"),
				VolumeName:       claim.volume,
			},
		}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create claim %s: %w", claim.name, err)
		}
		pvc.Status.Phase = corev1.ClaimPending
		if claim.volume != "" {
			pvc.Status = corev1.PersistentVolumeClaimStatus{
				Phase: corev1.ClaimBound, AccessModes: pvc.Spec.AccessModes,
				Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
			}
		}
		if _, err := c.CoreV1().PersistentVolumeClaims("data").UpdateStatus(ctx, pvc, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func demoWorkloads(ctx context.Context, c kubernetes.Interface) error {
	labels := map[string]string{"app": "kafka"}
	sts, err := c.AppsV1().StatefulSets("data").Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "kafka", Labels: labels},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(int32(3)), ServiceName: "kafka",
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "kafka", Image: "apache/kafka:3.9.0"}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create statefulset: %w", err)
	}
	sts.Status = appsv1.StatefulSetStatus{ObservedGeneration: sts.Generation, Replicas: 3, ReadyReplicas: 2, CurrentReplicas: 3, UpdatedReplicas: 3, AvailableReplicas: 2}
	if _, err := c.AppsV1().StatefulSets("data").UpdateStatus(ctx, sts, metav1.UpdateOptions{}); err != nil {
		return err
	}

	labels = map[string]string{"app": "node-exporter"}
	ds, err := c.AppsV1().DaemonSets("demo").Create(ctx, &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "node-exporter", Labels: labels},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
					Containers:   []corev1.Container{{Name: "node-exporter", Image: "prom/node-exporter:v1.8.2"}},
				},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create daemonset: %w", err)
	}
	ds.Status = appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 3, NumberAvailable: 2, NumberUnavailable: 1}
	_, err = c.AppsV1().DaemonSets("demo").UpdateStatus(ctx, ds, metav1.UpdateOptions{})
	return err
}

func demoBatch(ctx context.Context, c kubernetes.Interface) error {
	template := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyOnFailure,
		Containers:    []corev1.Container{{Name: "etl", Image: "ghcr.io/example/etl:0.3.0", Args: []string{"--nightly"}}},
	}}
	cj, err := c.BatchV1().CronJobs("data").Create(ctx, &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "etl-nightly"},
		Spec: batchv1.CronJobSpec{
			Schedule: "0 2 * * *", TimeZone: ptr.To("Etc/UTC"),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create cronjob: %w", err)
	}
	last := metav1.NewTime(time.Now().Add(-7 * time.Hour).Truncate(time.Second))
	cj.Status.LastScheduleTime, cj.Status.LastSuccessfulTime = &last, &last
	if _, err := c.BatchV1().CronJobs("data").UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil {
		return err
	}
	for _, j := range []struct {
		name   string
		failed bool
	}{{"etl-nightly-29410000", false}, {"reindex-search", true}} {
		job, err := c.BatchV1().Jobs("data").Create(ctx, &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: j.name},
			Spec:       batchv1.JobSpec{Template: template, BackoffLimit: ptr.To(int32(2))},
		}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create job %s: %w", j.name, err)
		}
		start := metav1.NewTime(last.Add(time.Second))
		end := metav1.NewTime(start.Add(83 * time.Second))
		job.Status.StartTime = &start
		if j.failed {
			job.Status.Failed = 3
			job.Status.Conditions = []batchv1.JobCondition{
				{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", LastTransitionTime: end},
				{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", LastTransitionTime: end},
			}
		} else {
			job.Status.Succeeded, job.Status.CompletionTime = 1, &end
			job.Status.Conditions = []batchv1.JobCondition{
				{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: end},
				{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: end},
			}
		}
		if _, err := c.BatchV1().Jobs("data").UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("job %s status: %w", j.name, err)
		}
	}
	return nil
}

func demoNetworking(ctx context.Context, c kubernetes.Interface) error {
	prefix := networkingv1.PathTypePrefix
	ing, err := c.NetworkingV1().Ingresses("web-shop").Create(ctx, &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "storefront"},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To("nginx"),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{"shop.example.com"}, SecretName: "shop-tls"}},
			Rules: []networkingv1.IngressRule{{Host: "shop.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: "storefront", Port: networkingv1.ServiceBackendPort{Number: 80}},
				}}},
			}}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create ingress: %w", err)
	}
	ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "203.0.113.10"}}
	if _, err := c.NetworkingV1().Ingresses("web-shop").UpdateStatus(ctx, ing, metav1.UpdateOptions{}); err != nil {
		return err
	}
	for _, np := range []struct{ ns, name string }{{"data", "deny-all"}, {"web-shop", "allow-storefront"}} {
		policy := &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: np.name},
			Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
		}
		if np.name == "allow-storefront" {
			policy.Spec.PodSelector.MatchLabels = map[string]string{"app": "storefront"}
			policy.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
		}
		if _, err := c.NetworkingV1().NetworkPolicies(np.ns).Create(ctx, policy, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create network policy: %w", err)
		}
	}
	return nil
}

func demoAutoscaling(ctx context.Context, c kubernetes.Interface) error {
	hpa, err := c.AutoscalingV2().HorizontalPodAutoscalers("web-shop").Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "storefront"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "storefront"},
			MinReplicas:    ptr.To(int32(2)), MaxReplicas: 10,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(int32(70))},
			}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create hpa: %w", err)
	}
	hpa.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
		CurrentReplicas: 8, DesiredReplicas: 8,
		CurrentMetrics: []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
			Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To(int32(64))},
		}}},
	}
	_, err = c.AutoscalingV2().HorizontalPodAutoscalers("web-shop").UpdateStatus(ctx, hpa, metav1.UpdateOptions{})
	return err
}

func demoRBAC(ctx context.Context, c kubernetes.Interface) error {
	if _, err := c.RbacV1().Roles("demo").Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "config-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}}},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create role: %w", err)
	}
	if _, err := c.RbacV1().RoleBindings("demo").Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-config-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "config-reader"},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create rolebinding: %w", err)
	}
	if _, err := c.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "demo-node-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}}},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create clusterrole: %w", err)
	}
	_, err := c.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bob-node-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "bob"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "demo-node-reader"},
	}, metav1.CreateOptions{})
	return err
}

// demoUsers creates User objects whose passwords are stored as bcrypt hashes,
// as the OAuth server keeps them; the mirror must never serve the hash.
func demoUsers(ctx context.Context, c versioned.Interface) error {
	for _, u := range []struct {
		name, email string
		state       iamv1beta1.UserState
		groups      []string
	}{
		{"alice", "alice@example.com", iamv1beta1.UserActive, []string{"developers"}},
		{"bob", "bob@example.com", iamv1beta1.UserDisabled, []string{"operators", "developers"}},
		{"carol", "carol@example.com", iamv1beta1.UserAuthLimitExceeded, nil},
	} {
		hash, err := bcrypt.GenerateFromPassword([]byte("demo-"+u.name+"-password"), bcrypt.MinCost)
		if err != nil {
			return err
		}
		user, err := c.IamV1beta1().Users().Create(ctx, &iamv1beta1.User{
			ObjectMeta: metav1.ObjectMeta{Name: u.name},
			Spec:       iamv1beta1.UserSpec{Email: u.email, Groups: u.groups, EncryptedPassword: string(hash), Lang: "en"},
		}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create user %s: %w", u.name, err)
		}
		now := metav1.Now()
		user.Status = iamv1beta1.UserStatus{State: u.state, LastTransitionTime: &now}
		if _, err := c.IamV1beta1().Users().UpdateStatus(ctx, user, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("user %s status: %w", u.name, err)
		}
	}
	return nil
}
