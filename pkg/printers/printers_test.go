package printers

import (
	"reflect"
	"strings"
	"sync"
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

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// now is the fixed reference time of every test.
var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// ago is a timestamp d before now.
func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

// agoPtr is ago as a pointer, for optional timestamps.
func agoPtr(d time.Duration) *metav1.Time {
	t := ago(d)
	return &t
}

// meta is the object metadata of an object created d ago.
func meta(name string, d time.Duration) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(d)}
}

// resourceCase names a resource and a realistic object of its type.
type resourceCase struct {
	gvr schema.GroupVersionResource
	obj runtime.Object
}

// allResources lists every resource the package must print, with one
// sample object each.
func allResources() []resourceCase {
	core := corev1.SchemeGroupVersion
	apps := appsv1.SchemeGroupVersion
	batch := batchv1.SchemeGroupVersion
	networking := networkingv1.SchemeGroupVersion
	rbac := rbacv1.SchemeGroupVersion
	return []resourceCase{
		{core.WithResource("pods"), &corev1.Pod{ObjectMeta: meta("p", time.Hour)}},
		{core.WithResource("services"), &corev1.Service{ObjectMeta: meta("s", time.Hour)}},
		{core.WithResource("configmaps"), &corev1.ConfigMap{ObjectMeta: meta("cm", time.Hour)}},
		{core.WithResource("secrets"), &corev1.Secret{ObjectMeta: meta("sec", time.Hour)}},
		{core.WithResource("serviceaccounts"), &corev1.ServiceAccount{ObjectMeta: meta("sa", time.Hour)}},
		{core.WithResource("persistentvolumeclaims"), &corev1.PersistentVolumeClaim{ObjectMeta: meta("pvc", time.Hour)}},
		{core.WithResource("nodes"), &corev1.Node{ObjectMeta: meta("n", time.Hour)}},
		{core.WithResource("namespaces"), &corev1.Namespace{ObjectMeta: meta("ns", time.Hour)}},
		{core.WithResource("persistentvolumes"), &corev1.PersistentVolume{ObjectMeta: meta("pv", time.Hour)}},
		{apps.WithResource("deployments"), &appsv1.Deployment{ObjectMeta: meta("d", time.Hour)}},
		{apps.WithResource("statefulsets"), &appsv1.StatefulSet{ObjectMeta: meta("ss", time.Hour)}},
		{apps.WithResource("daemonsets"), &appsv1.DaemonSet{ObjectMeta: meta("ds", time.Hour)}},
		{apps.WithResource("replicasets"), &appsv1.ReplicaSet{ObjectMeta: meta("rs", time.Hour)}},
		{batch.WithResource("jobs"), &batchv1.Job{ObjectMeta: meta("j", time.Hour)}},
		{batch.WithResource("cronjobs"), &batchv1.CronJob{ObjectMeta: meta("cj", time.Hour)}},
		{networking.WithResource("ingresses"), &networkingv1.Ingress{ObjectMeta: meta("ing", time.Hour)}},
		{networking.WithResource("networkpolicies"), &networkingv1.NetworkPolicy{ObjectMeta: meta("np", time.Hour)}},
		{autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: meta("hpa", time.Hour)}},
		{storagev1.SchemeGroupVersion.WithResource("storageclasses"), &storagev1.StorageClass{ObjectMeta: meta("sc", time.Hour)}},
		{rbac.WithResource("roles"), &rbacv1.Role{ObjectMeta: meta("r", time.Hour)}},
		{rbac.WithResource("rolebindings"), &rbacv1.RoleBinding{ObjectMeta: meta("rb", time.Hour)}},
		{rbac.WithResource("clusterroles"), &rbacv1.ClusterRole{ObjectMeta: meta("cr", time.Hour)}},
		{rbac.WithResource("clusterrolebindings"), &rbacv1.ClusterRoleBinding{ObjectMeta: meta("crb", time.Hour)}},
		{apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions"), &apiextensionsv1.CustomResourceDefinition{ObjectMeta: meta("crd", time.Hour)}},
		{iamv1beta1.SchemeGroupVersion.WithResource("users"), &iamv1beta1.User{ObjectMeta: meta("u", time.Hour)}},
	}
}

// TestForEveryResource checks that each listed resource has a table whose
// first column is NAME, that a row has exactly one cell per column, that
// each cell's Go type suits its column, and that nothing else is served.
func TestForEveryResource(t *testing.T) {
	cases := allResources()
	if len(cases) != len(tables) {
		t.Errorf("%d tables registered, want %d", len(tables), len(cases))
	}
	for _, c := range cases {
		t.Run(c.gvr.String(), func(t *testing.T) {
			table, ok := For(c.gvr)
			if !ok {
				t.Fatalf("For(%v) found no table", c.gvr)
			}
			first := table.Columns[0]
			if first.Name != "Name" || first.Type != "string" || first.Format != "name" || first.Priority != 0 {
				t.Errorf("first column = %+v, want the Name column", first)
			}
			for _, col := range table.Columns {
				if col.Description == "" {
					t.Errorf("column %q has no description", col.Name)
				}
			}
			row, err := table.Cells(c.obj, now)
			if err != nil {
				t.Fatalf("Cells: %v", err)
			}
			if len(row) != len(table.Columns) {
				t.Fatalf("row has %d cells, table has %d columns: %#v", len(row), len(table.Columns), row)
			}
			for i, cell := range row {
				// Custom resource tables hold nil for a field the object
				// omits, as kube-apiserver's JSONPath columns do.
				if cell == nil && c.gvr.Group == iamv1beta1.GroupName {
					continue
				}
				checkCellType(t, table.Columns[i], cell)
			}
		})
	}
}

// checkCellType fails when a cell holds a Go type kube-apiserver never puts
// in a column of that type. The exceptions are those of kube-apiserver
// itself: some "string" columns carry integers or booleans, and the
// "boolean" SUSPEND column of cron jobs carries a string.
func checkCellType(t *testing.T, col metav1.TableColumnDefinition, cell any) {
	t.Helper()
	switch cell.(type) {
	case string:
		if col.Type == "integer" {
			t.Errorf("column %q is an integer column but holds string %q", col.Name, cell)
		}
	case int64:
		if col.Type != "integer" && col.Type != "string" {
			t.Errorf("column %q of type %s holds int64 %v", col.Name, col.Type, cell)
		}
	case bool:
		if col.Type != "boolean" && col.Type != "string" {
			t.Errorf("column %q of type %s holds bool %v", col.Name, col.Type, cell)
		}
	default:
		t.Errorf("column %q holds a %T, which a Table cell must not", col.Name, cell)
	}
}

func TestForUnknownResource(t *testing.T) {
	for _, gvr := range []schema.GroupVersionResource{
		corev1.SchemeGroupVersion.WithResource("events"),
		corev1.SchemeGroupVersion.WithResource("Pods"),
		{Group: "apps", Version: "v1beta2", Resource: "deployments"},
		{Group: "autoscaling", Version: "v1", Resource: "horizontalpodautoscalers"},
		{},
	} {
		if _, ok := For(gvr); ok {
			t.Errorf("For(%v) found a table, want none", gvr)
		}
	}
}

// TestForReturnsPrivateColumns checks that editing the columns For returned
// does not leak into the next call.
func TestForReturnsPrivateColumns(t *testing.T) {
	gvr := corev1.SchemeGroupVersion.WithResource("pods")
	a, _ := For(gvr)
	a.Columns[0].Name = "changed"
	b, _ := For(gvr)
	if b.Columns[0].Name != "Name" {
		t.Errorf("second For saw the first caller's edit: %q", b.Columns[0].Name)
	}
}

func TestCellsRejectsWrongType(t *testing.T) {
	for _, c := range allResources() {
		table, _ := For(c.gvr)
		wrong := runtime.Object(&corev1.Event{})
		if _, isPod := c.obj.(*corev1.Pod); !isPod {
			wrong = &corev1.Pod{}
		}
		for _, obj := range []runtime.Object{wrong, nil, nilOf(c.obj), &corev1.PodList{}} {
			if row, err := table.Cells(obj, now); err == nil {
				t.Errorf("%v: Cells(%T) = %v, want an error", c.gvr, obj, row)
			}
		}
	}
}

// nilOf is a nil pointer of obj's type, wrapped in a non-nil interface.
func nilOf(obj runtime.Object) runtime.Object {
	return reflect.Zero(reflect.TypeOf(obj)).Interface().(runtime.Object)
}

// column is the part of a column definition the column tests pin down.
type column struct {
	name, typ string
	wide      bool
}

func TestColumns(t *testing.T) {
	n := column{"Name", "string", false}
	a := column{"Age", "string", false}
	s := func(name string) column { return column{name, "string", false} }
	i := func(name string) column { return column{name, "integer", false} }
	w := func(name string) column { return column{name, "string", true} }
	core := corev1.SchemeGroupVersion
	apps := appsv1.SchemeGroupVersion
	rbac := rbacv1.SchemeGroupVersion
	want := map[schema.GroupVersionResource][]column{
		core.WithResource("pods"):                       {n, s("Ready"), s("Status"), s("Restarts"), a, w("IP"), w("Node"), w("Nominated Node"), w("Readiness Gates")},
		core.WithResource("services"):                   {n, s("Type"), s("Cluster-IP"), s("External-IP"), s("Port(s)"), a, w("Selector")},
		core.WithResource("configmaps"):                 {n, s("Data"), a},
		core.WithResource("secrets"):                    {n, s("Type"), s("Data"), a},
		core.WithResource("serviceaccounts"):            {n, a},
		core.WithResource("persistentvolumeclaims"):     {n, s("Status"), s("Volume"), s("Capacity"), s("Access Modes"), s("StorageClass"), s("VolumeAttributesClass"), a, w("VolumeMode")},
		core.WithResource("persistentvolumes"):          {n, s("Capacity"), s("Access Modes"), s("Reclaim Policy"), s("Status"), s("Claim"), s("StorageClass"), s("VolumeAttributesClass"), s("Reason"), a, w("VolumeMode")},
		core.WithResource("nodes"):                      {n, s("Status"), s("Roles"), a, s("Version"), w("Internal-IP"), w("External-IP"), w("OS-Image"), w("Kernel-Version"), w("Container-Runtime")},
		core.WithResource("namespaces"):                 {n, s("Status"), a},
		apps.WithResource("deployments"):                {n, s("Ready"), s("Up-to-date"), s("Available"), a, w("Containers"), w("Images"), w("Selector")},
		apps.WithResource("statefulsets"):               {n, s("Ready"), a, w("Containers"), w("Images")},
		apps.WithResource("daemonsets"):                 {n, i("Desired"), i("Current"), i("Ready"), i("Up-to-date"), i("Available"), s("Node Selector"), a, w("Containers"), w("Images"), w("Selector")},
		apps.WithResource("replicasets"):                {n, i("Desired"), i("Current"), i("Ready"), a, w("Containers"), w("Images"), w("Selector")},
		batchv1.SchemeGroupVersion.WithResource("jobs"): {n, s("Status"), s("Completions"), s("Duration"), a, w("Containers"), w("Images"), w("Selector")},
		batchv1.SchemeGroupVersion.WithResource("cronjobs"): {n, s("Schedule"), s("Timezone"), {"Suspend", "boolean", false}, i("Active"), s("Last Schedule"), a,
			w("Containers"), w("Images"), w("Selector")},
		networkingv1.SchemeGroupVersion.WithResource("ingresses"):                    {n, s("Class"), s("Hosts"), s("Address"), s("Ports"), a},
		networkingv1.SchemeGroupVersion.WithResource("networkpolicies"):              {n, s("Pod-Selector"), a},
		autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"):    {n, s("Reference"), s("Targets"), s("MinPods"), s("MaxPods"), s("Replicas"), a},
		storagev1.SchemeGroupVersion.WithResource("storageclasses"):                  {n, s("Provisioner"), s("ReclaimPolicy"), s("VolumeBindingMode"), s("AllowVolumeExpansion"), a},
		rbac.WithResource("roles"):                                                   {n, {"Created At", "date", false}},
		rbac.WithResource("clusterroles"):                                            {n, {"Created At", "date", false}},
		rbac.WithResource("rolebindings"):                                            {n, s("Role"), a, w("Users"), w("Groups"), w("ServiceAccounts")},
		rbac.WithResource("clusterrolebindings"):                                     {n, s("Role"), a, w("Users"), w("Groups"), w("ServiceAccounts")},
		apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions"): {n, s("Scope"), s("Versions"), {"Created At", "date", false}, w("Group"), w("Kind"), w("ShortNames"), {"Established", "boolean", true}},
		iamv1beta1.SchemeGroupVersion.WithResource("users"):                          {n, s("Email"), s("Status"), {"Age", "date", false}},
	}
	if len(want) != len(allResources()) {
		t.Fatalf("column expectations cover %d resources, want %d", len(want), len(allResources()))
	}
	for gvr, cols := range want {
		table, ok := For(gvr)
		if !ok {
			t.Errorf("For(%v) found no table", gvr)
			continue
		}
		var got []column
		for _, c := range table.Columns {
			got = append(got, column{c.Name, c.Type, c.Priority == 1})
			if c.Priority != 0 && c.Priority != 1 {
				t.Errorf("%v: column %q has priority %d", gvr, c.Name, c.Priority)
			}
			if c.Format != "" && c.Name != "Name" {
				t.Errorf("%v: column %q has format %q", gvr, c.Name, c.Format)
			}
		}
		if !reflect.DeepEqual(got, cols) {
			t.Errorf("%v columns:\n got %v\nwant %v", gvr, got, cols)
		}
	}
}

// TestColumnDescriptions spot-checks descriptions that come from the API
// documentation rather than from literal text.
func TestColumnDescriptions(t *testing.T) {
	pods, _ := For(corev1.SchemeGroupVersion.WithResource("pods"))
	if d := pods.Columns[0].Description; !strings.HasPrefix(d, "Name must be unique within a namespace.") {
		t.Errorf("NAME description = %q", d)
	}
	if d := pods.Columns[4].Description; !strings.HasPrefix(d, "CreationTimestamp is a timestamp") {
		t.Errorf("AGE description = %q", d)
	}
	if d := pods.Columns[5].Description; d != (corev1.PodStatus{}).SwaggerDoc()["podIP"] {
		t.Errorf("IP description = %q", d)
	}
	rb, _ := For(rbacv1.SchemeGroupVersion.WithResource("rolebindings"))
	// kube-apiserver takes this one from rbac/v1beta1, whose text lacks
	// the v1 sentence about immutability.
	if d := rb.Columns[1].Description; strings.Contains(d, "immutable") || !strings.HasPrefix(d, "roleRef can reference a Role") {
		t.Errorf("ROLE description = %q", d)
	}
	crb, _ := For(rbacv1.SchemeGroupVersion.WithResource("clusterrolebindings"))
	if d := crb.Columns[4].Description; d != "Groups in the clusterRoleBinding" {
		t.Errorf("GROUPS description = %q", d)
	}
}

// TestAge pins the human durations of the AGE column.
func TestAge(t *testing.T) {
	for _, c := range []struct {
		created metav1.Time
		want    string
	}{
		{metav1.Time{}, "<unknown>"},
		{ago(0), "0s"},
		{metav1.NewTime(now.Add(time.Second)), "0s"},
		{metav1.NewTime(now.Add(time.Minute)), "<invalid>"},
		{ago(119 * time.Second), "119s"},
		{ago(5*time.Minute + 30*time.Second), "5m30s"},
		{ago(42 * time.Minute), "42m"},
		{ago(5*time.Hour + 7*time.Minute), "5h7m"},
		{ago(30 * time.Hour), "30h"},
		{ago(75 * time.Hour), "3d3h"},
		{ago(400 * 24 * time.Hour), "400d"},
		{ago((3*365 + 20) * 24 * time.Hour), "3y20d"},
		{ago(10 * 365 * 24 * time.Hour), "10y"},
	} {
		if got := age(c.created, now); got != c.want {
			t.Errorf("age(%v) = %q, want %q", now.Sub(c.created.Time), got, c.want)
		}
	}
}

// TestCellsLeaveObjectsAlone checks that printing neither changes the object
// nor races when rows of one shared object (as held by an informer cache) are
// printed concurrently; quantities are the trap, as Quantity.String caches.
func TestCellsLeaveObjectsAlone(t *testing.T) {
	gi := func(n int64) resource.Quantity { return *resource.NewQuantity(n<<30, resource.BinarySI) }
	avg := resource.NewQuantity(300<<20, resource.BinarySI)
	cases := []resourceCase{
		{corev1.SchemeGroupVersion.WithResource("persistentvolumes"), &corev1.PersistentVolume{
			ObjectMeta: meta("pv", time.Hour),
			Spec:       corev1.PersistentVolumeSpec{Capacity: corev1.ResourceList{corev1.ResourceStorage: gi(10)}},
		}},
		{corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"), &corev1.PersistentVolumeClaim{
			ObjectMeta: meta("pvc", time.Hour),
			Spec:       corev1.PersistentVolumeClaimSpec{VolumeName: "pv"},
			Status:     corev1.PersistentVolumeClaimStatus{Capacity: corev1.ResourceList{corev1.ResourceStorage: gi(5)}},
		}},
		{autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: meta("hpa", time.Hour),
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.PodsMetricSourceType,
				Pods: &autoscalingv2.PodsMetricSource{Target: autoscalingv2.MetricTarget{AverageValue: avg}},
			}}},
			Status: autoscalingv2.HorizontalPodAutoscalerStatus{CurrentMetrics: []autoscalingv2.MetricStatus{{
				Type: autoscalingv2.PodsMetricSourceType,
				Pods: &autoscalingv2.PodsMetricStatus{Current: autoscalingv2.MetricValueStatus{AverageValue: avg}},
			}}},
		}},
	}
	for _, c := range cases {
		table, _ := For(c.gvr)
		before := c.obj.DeepCopyObject()
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := table.Cells(c.obj, now); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if !reflect.DeepEqual(before, c.obj) {
			t.Errorf("%v: printing changed the object", c.gvr)
		}
	}
}
