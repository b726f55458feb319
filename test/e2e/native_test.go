package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	versioned "github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	ksinformers "github.com/ks-apiserver/ks-apiserver/pkg/generated/informers/externalversions"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// withoutColumns drops the named columns from kubectl's table output, using
// the header's column offsets (cells may contain spaces).
func withoutColumns(out string, drop ...string) []string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 {
		return nil
	}
	header := lines[0]
	var starts []int
	var names []string
	for i := 0; i < len(header); {
		if header[i] == ' ' {
			i++
			continue
		}
		j := i
		for j < len(header) && !(header[j] == ' ' && (j+1 >= len(header) || header[j+1] == ' ')) {
			j++
		}
		starts = append(starts, i)
		names = append(names, header[i:j])
		i = j
	}
	var rows []string
	for _, line := range lines {
		var cells []string
		for k := range starts {
			if slices.Contains(drop, names[k]) {
				continue
			}
			end := len(line)
			if k+1 < len(starts) && starts[k+1] < len(line) {
				end = starts[k+1]
			}
			cell := ""
			if starts[k] < len(line) {
				cell = strings.TrimSpace(line[starts[k]:end])
			}
			cells = append(cells, cell)
		}
		rows = append(rows, strings.Join(cells, " | "))
	}
	return rows
}

// kubectl prints every mirror with the columns and cells it prints for the
// upstream resource, -o wide included (AGE aside, which moves with time).
func TestTablesMatchUpstream(t *testing.T) {
	for _, m := range mirrored {
		t.Run(m.resource, func(t *testing.T) {
			args := []string{"-o", "wide"}
			if m.namespaced {
				args = append(args, "-A")
			}
			// Durations such as RESTARTS "(2m ago)" can also cross a minute
			// between the two calls.
			var want []string
			eventuallyAgree(t, "kubectl get "+m.resource+" -o wide", func() (mirror, upstream []string) {
				want = withoutColumns(mustKubectl(t, append([]string{"get", m.upstream}, args...)...), "AGE")
				return withoutColumns(mustKubectl(t, append([]string{"get", m.resource + ".resources.kubesphere.io"}, args...)...), "AGE"), want
			})
			if len(want) < 2 {
				t.Errorf("no rows to compare for %s: demo data should cover it", m.resource)
			}
		})
	}
}

func TestTypeFieldSelectors(t *testing.T) {
	for _, tc := range []struct{ upstream, mirror, selector string }{
		{"pods", "pods", "spec.nodeName=node-1"},
		{"pods", "pods", "status.phase=Running,spec.nodeName!=node-2"},
		{"pods", "pods", "status.phase=Pending"},
		{"pods", "pods", "spec.restartPolicy=Always,spec.schedulerName=default-scheduler"},
		{"pods", "pods", "spec.serviceAccountName=default,spec.hostNetwork=false"},
		{"pods", "pods", "status.podIP=10.244.0.10"},
		{"nodes", "nodes", "spec.unschedulable=true"},
		{"namespaces", "namespaces", "status.phase=Active"},
		{"secrets", "secrets", "type=kubernetes.io/dockerconfigjson"},
		{"services", "services", "spec.type=LoadBalancer"},
		{"jobs.batch", "jobs", "status.successful=1"},
	} {
		t.Run(tc.mirror+" "+tc.selector, func(t *testing.T) {
			var want []string
			eventuallyAgree(t, "--field-selector "+tc.selector, func() (mirror, upstream []string) {
				want = identities(t, "get", tc.upstream, "-A", "--field-selector", tc.selector)
				return identities(t, "get", tc.mirror+".resources.kubesphere.io", "-A", "--field-selector", tc.selector), want
			})
			if want[0] == "" {
				t.Errorf("upstream lists nothing for %s: demo data should cover it", tc.selector)
			}
		})
	}
	_, errOut, err := kubectl(t, "get", "nodes.resources.kubesphere.io", "--field-selector", "status.phase=Ready")
	if err == nil || !strings.Contains(errOut, `"status.phase"`) || !strings.Contains(errOut, "spec.unschedulable") {
		t.Errorf("unsupported node field: %v %q; want a 400 listing spec.unschedulable", err, errOut)
	}
}

// kubectl explain reads the OpenAPI v3 of the group. For names the core
// group also has (pods, nodes, ...), kubectl 1.37 resolves
// "pods.resources.kubesphere.io.spec" to core pods (it takes the first
// resource whose group/resource string prefixes the argument, and "pods"
// does), so the group is given with --api-version, which kubectl honours.
func TestKubectlExplain(t *testing.T) {
	for _, args := range [][]string{
		{"explain", "pods.spec.containers", "--api-version=resources.kubesphere.io/v1alpha3"},
	} {
		out := mustKubectl(t, args...)
		for _, want := range []string{"GROUP:      resources.kubesphere.io", "KIND:       Pod", "VERSION:    v1alpha3", "FIELD: containers <[]Container>", "image\t<string>"} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl %s lacks %q:\n%s", strings.Join(args, " "), want, out)
			}
		}
	}
	// Names the core group does not have resolve without --api-version.
	out := mustKubectl(t, "explain", "users.resources.kubesphere.io.spec")
	if !strings.Contains(out, "KIND:       User") || !strings.Contains(out, "email\t") || strings.Contains(out, "password\t") {
		t.Errorf("kubectl explain users.resources.kubesphere.io.spec:\n%s", out)
	}
	out = mustKubectl(t, "explain", "deployments", "--api-version=resources.kubesphere.io/v1alpha3")
	if !strings.Contains(out, "KIND:       Deployment") || !strings.Contains(out, "spec\t<DeploymentSpec>") {
		t.Errorf("kubectl explain deployments:\n%s", out)
	}
}

// newNamespace makes a namespace of the test's own, with pods named pod-00...
func newNamespace(t *testing.T, prefix string, pods int) string {
	t.Helper()
	ctx := context.Background()
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	ns := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
	if err := controlplane.CreateNamespace(ctx, client, ns, nil); err != nil {
		t.Fatal(err)
	}
	for i := range pods {
		createPod(t, client, ns, fmt.Sprintf("pod-%02d", i))
	}
	// The mirror follows kube-apiserver a moment behind (informer latency).
	ks := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3()
	eventually(t, "the mirror lists the new pods", func() bool {
		l, err := ks.Pods(ns).List(ctx, metav1.ListOptions{})
		return err == nil && len(l.Items) == pods
	})
	return ns
}

func createPod(t *testing.T, client kubernetes.Interface, ns, name string) *corev1.Pod {
	t.Helper()
	p, err := client.CoreV1().Pods(ns).Create(context.Background(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"test": "yes"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKubectlWatch(t *testing.T) {
	ns := newNamespace(t, "watch", 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlBin, "--kubeconfig", cp.AdminKubeconfig,
		"get", "pods.resources.kubesphere.io", "-n", ns, "-w", "--output-watch-events")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	expect := func(event, name string) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("kubectl -w ended before %s %s", event, name)
				}
				if f := strings.Fields(l); len(f) >= 2 && f[0] == event && f[1] == name {
					return
				}
			case <-timeout:
				t.Fatalf("kubectl -w: no %s of %s", event, name)
			}
		}
	}
	expect("ADDED", "pod-00")

	client := kubernetes.NewForConfigOrDie(cp.Admin)
	p := createPod(t, client, ns, "late")
	expect("ADDED", "late")
	p.Labels["changed"] = "yes"
	if _, err := client.CoreV1().Pods(ns).Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("MODIFIED", "late")
	if err := client.CoreV1().Pods(ns).Delete(ctx, "late", *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatal(err)
	}
	expect("DELETED", "late")
}

// The generated informers sync through kube-apiserver with client-go's
// defaults (which stream the initial list) and then follow changes.
func TestGeneratedInformer(t *testing.T) {
	ns := newNamespace(t, "informer", 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory := ksinformers.NewSharedInformerFactoryWithOptions(versioned.NewForConfigOrDie(cp.Admin), 0, ksinformers.WithNamespace(ns))
	informer := factory.Resources().V1alpha3().Pods().Informer()
	var mu sync.Mutex
	seen := map[string][]string{}
	record := func(kind string) func(obj any) {
		return func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			p := obj.(*v1alpha3.Pod)
			mu.Lock()
			seen[p.Name] = append(seen[p.Name], kind)
			mu.Unlock()
		}
	}
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    record("add"),
		UpdateFunc: func(_, obj any) { record("update")(obj) },
		DeleteFunc: record("delete"),
	}); err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		t.Fatal("informer did not sync")
	}
	lister := factory.Resources().V1alpha3().Pods().Lister()
	if pods, _ := lister.Pods(ns).List(labels.Everything()); len(pods) != 3 {
		t.Fatalf("synced informer holds %d pods, want 3", len(pods))
	}

	client := kubernetes.NewForConfigOrDie(cp.Admin)
	p := createPod(t, client, ns, "new")
	p.Labels["changed"] = "yes"
	eventually(t, "update reaches the informer", func() bool {
		if _, err := client.CoreV1().Pods(ns).Update(ctx, p, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(seen["new"], "update")
	})
	if err := client.CoreV1().Pods(ns).Delete(ctx, "new", *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "delete reaches the informer", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(seen["new"], "delete")
	})
	mu.Lock()
	defer mu.Unlock()
	if got := seen["new"]; got[0] != "add" {
		t.Errorf("events of the new pod = %v, want add first", got)
	}
}

// A streaming list (sendInitialEvents=true, what client-go informers ask for)
// sends the current state, then the k8s.io/initial-events-end bookmark.
func TestStreamingInitialList(t *testing.T) {
	ns := newNamespace(t, "stream", 2)
	ks := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3()
	send := true
	w, err := ks.Pods(ns).Watch(context.Background(), metav1.ListOptions{
		SendInitialEvents: &send, AllowWatchBookmarks: true, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var added []string
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch ended before the initial-events-end bookmark")
			}
			p := e.Object.(*v1alpha3.Pod)
			switch e.Type {
			case watch.Added:
				added = append(added, p.Name)
			case watch.Bookmark:
				if p.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
					continue
				}
				if !slices.Equal(added, []string{"pod-00", "pod-01"}) || p.ResourceVersion == "" {
					t.Errorf("initial events %v, bookmark at %q", added, p.ResourceVersion)
				}
				return
			}
		case <-timeout:
			t.Fatalf("no initial-events-end bookmark; added %v", added)
		}
	}
}

func TestWatchResume(t *testing.T) {
	ns := newNamespace(t, "resume", 1)
	ctx := context.Background()
	ks := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3()
	list, err := ks.Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	createPod(t, client, ns, "after-list")

	// From the list's version: exactly the changes since, no initial state.
	w, err := ks.Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-w.ResultChan():
		if p := e.Object.(*v1alpha3.Pod); e.Type != watch.Added || p.Name != "after-list" {
			t.Errorf("first event %s %s, want ADDED after-list", e.Type, p.Name)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no event replayed from the list's resourceVersion")
	}
	w.Stop()

	// Older than the cache's window of events: 410 Expired, the client relists.
	_, err = ks.Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: "1"})
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Errorf("watch from resourceVersion 1: %v, want 410 Expired", err)
	}
}

// awaitChurn lets the churn interleave with a walk: it returns once at least
// one more create has landed.
func awaitChurn(t *testing.T, ctx context.Context, churned *atomic.Int64) {
	t.Helper()
	before := churned.Load()
	if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return churned.Load() > before, nil
	}); err != nil {
		t.Fatalf("no pod was created in 10 s between two pages (%d so far)", before)
	}
}

// A chunked walk under churn returns every object that exists unchanged for
// the whole walk exactly once, with remainingItemCount and a total.
func TestPaginationUnderChurn(t *testing.T) {
	ns := newNamespace(t, "paging", 40)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	var churned atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			name := fmt.Sprintf("churn-%03d", i)
			_, err := client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			}, metav1.CreateOptions{})
			if err == nil {
				churned.Add(1)
			}
			if i >= 2 {
				_ = client.CoreV1().Pods(ns).Delete(ctx, fmt.Sprintf("churn-%03d", i-2), *metav1.NewDeleteOptions(0))
			}
		}
	}()

	ks := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3()
	seen := map[string]int{}
	opts := metav1.ListOptions{Limit: 7}
	pages := 0
	for {
		page, err := ks.Pods(ns).List(ctx, opts)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		for _, p := range page.Items {
			seen[p.Name]++
		}
		if page.Continue == "" {
			if page.RemainingItemCount != nil {
				t.Errorf("last page has remainingItemCount %d", *page.RemainingItemCount)
			}
			break
		}
		if page.RemainingItemCount == nil || *page.RemainingItemCount <= 0 || page.TotalItems < 40 || len(page.Items) != 7 {
			t.Errorf("page %d: %d items, remaining %v, total %d", pages, len(page.Items), page.RemainingItemCount, page.TotalItems)
		}
		opts.Continue = page.Continue
		awaitChurn(t, ctx, &churned)
	}
	cancel()
	<-done
	for i := range 40 {
		if n := seen[fmt.Sprintf("pod-%02d", i)]; n != 1 {
			t.Errorf("stable pod-%02d returned %d times", i, n)
		}
	}
	for name, n := range seen {
		if n > 1 {
			t.Errorf("%s returned %d times", name, n)
		}
	}
	if churned.Load() < 3 || pages < 6 {
		t.Errorf("walk of %d pages saw only %d concurrent creates: the test did not exercise churn", pages, churned.Load())
	}

	// kubectl's own chunking returns what an unchunked list returns.
	// The last creates and deletes may still be on their way to the mirror.
	eventuallyAgree(t, "--chunk-size=7 against an unchunked list", func() (chunked, whole []string) {
		whole = identities(t, "get", "pods.resources.kubesphere.io", "-A")
		return identities(t, "get", "pods.resources.kubesphere.io", "-A", "--chunk-size=7"), whole
	})
}

func TestListVersionsAndTokens(t *testing.T) {
	client := kubernetes.NewForConfigOrDie(cp.Admin).Discovery().RESTClient()
	path := "/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods"
	ks := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3()
	list, err := ks.Pods("demo").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expiredToken := base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"rv":1,"ns":"demo","n":"a"}`))
	for _, tc := range []struct {
		name   string
		params map[string]string
		code   int
		says   string
	}{
		{"any version", map[string]string{"resourceVersion": "0"}, 200, ""},
		{"exact current version", map[string]string{"resourceVersion": list.ResourceVersion, "resourceVersionMatch": "Exact"}, 200, ""},
		{"not older than current", map[string]string{"resourceVersion": list.ResourceVersion, "resourceVersionMatch": "NotOlderThan"}, 200, ""},
		{"exact old version", map[string]string{"resourceVersion": "1", "resourceVersionMatch": "Exact"}, 410, "resourceVersion 1 is not available"},
		{"version from the future", map[string]string{"resourceVersion": "999999999"}, 504, "Too large resource version"},
		{"garbled version", map[string]string{"resourceVersion": "abc"}, 400, `invalid resourceVersion "abc"`},
		{"garbled continue", map[string]string{"limit": "2", "continue": "not-a-token"}, 400, "invalid continue parameter"},
		{"expired continue", map[string]string{"limit": "2", "continue": expiredToken}, 410, "has expired"},
		{"expired sorted continue", map[string]string{"limit": "2", "sortBy": "name", "continue": base64.RawURLEncoding.EncodeToString(
			[]byte(`{"v":2,"rv":1,"s":"name","d":true,"ks":"a","ns":"demo","n":"a"}`))}, 410, "has expired"},
		{"continue of another order", map[string]string{"limit": "2", "sortBy": "createTime", "continue": base64.RawURLEncoding.EncodeToString(
			[]byte(`{"v":2,"rv":1,"s":"name","d":true,"ks":"a","ns":"demo","n":"a"}`))}, 400, "another order"},
		{"match without version", map[string]string{"resourceVersionMatch": "Exact"}, 422, "resourceVersionMatch is forbidden unless resourceVersion is provided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := client.Get().AbsPath(path)
			for k, v := range tc.params {
				req = req.Param(k, v)
			}
			res := req.Do(context.Background())
			var code int
			res.StatusCode(&code)
			if code != tc.code {
				t.Fatalf("code %d (%v), want %d", code, res.Error(), tc.code)
			}
			if tc.says != "" {
				if err := res.Error(); err == nil || !strings.Contains(err.Error(), tc.says) {
					t.Errorf("error %v, want it to say %q", err, tc.says)
				}
			}
		})
	}
}
