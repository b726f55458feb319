// Command perf (`make perf`, not in CI) loads N realistic pods into a local
// control plane (etcd, kube-apiserver, ks-apiserver aggregated) and prints
// each question asked three ways side by side: the kube-apiserver way (what
// a client of /api/v1 has to do), through the aggregation layer, and
// directly on ks-apiserver; then ks-apiserver's RSS before and after full
// lists, and the time a second ks-apiserver takes to become ready over the
// same pods.
//
// Pods are created through kube-apiserver, so they are what it stores after
// admission: the ServiceAccount plugin gives each its own
// kube-api-access-xxxxx volume and mounts; status is written through
// pods/status. Rows are the scenarios() table: add one there.
package main

import (
	"context"
	stdjson "encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/json"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	ksscheme "github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned/scheme"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "perf: %v\n", err)
		os.Exit(1)
	}
}

type options struct {
	root, binDir, ksBinary, dir string
	pods, namespaces, workers   int
	repeat, slowRepeat          int
	fullLists                   int
	reuse                       bool
	// -startup-only (startup.go).
	startupOnly                 bool
	upstreamRepeat, startupRuns int
	variants, cpuProfileDir     string
	mechanisms                  string
}

func run() error {
	var o options
	flag.StringVar(&o.root, "root", ".", "repository root")
	flag.StringVar(&o.binDir, "bin-dir", "", "folder with etcd and kube-apiserver (default <root>/_output/bin)")
	flag.StringVar(&o.ksBinary, "ks-apiserver", "", "ks-apiserver binary (default <bin-dir>/ks-apiserver)")
	flag.StringVar(&o.dir, "dir", "", "working folder (default <root>/_output/perf); emptied at start unless -reuse")
	flag.IntVar(&o.pods, "pods", 100_000, "pods to load")
	flag.IntVar(&o.namespaces, "namespaces", 500, "namespaces the pods spread over (at most 500: the fixtures' namespaces)")
	flag.IntVar(&o.workers, "workers", 48, "concurrent clients creating pods")
	flag.IntVar(&o.repeat, "repeat", 9, "runs of each fast cell (the median is printed)")
	flag.IntVar(&o.slowRepeat, "slow-repeat", 2, "runs of each cell that reads every pod (the median is printed)")
	flag.IntVar(&o.fullLists, "full-lists", 5, "full lists of all pods through kube-apiserver and as many directly, between the two RSS figures")
	flag.BoolVar(&o.reuse, "reuse", false, "keep the etcd data of an earlier run in -dir and load only when it holds fewer pods")
	flag.BoolVar(&o.startupOnly, "startup-only", false, "only time start-up over the pods (loading them first if -dir holds fewer): how fast kube-apiserver hands every pod over by each mechanism, and ks-apiserver's time to ready, RSS and CPU")
	flag.IntVar(&o.upstreamRepeat, "upstream-repeat", 3, "with -startup-only: runs of each kube-apiserver mechanism (the median is printed); 0 skips them")
	flag.IntVar(&o.startupRuns, "startup-runs", 3, "with -startup-only: ks-apiserver start-ups per variant")
	flag.StringVar(&o.variants, "variants", "", "with -startup-only: ks-apiserver variants separated by |, each the environment it runs with and flags (e.g. 'GOGC=100|KUBE_FEATURE_WatchListClient=false --upstream-compression'); empty: one, as is")
	flag.StringVar(&o.cpuProfileDir, "cpuprofile-dir", "", "with -startup-only: write a CPU profile of the first start-up of each variant (-cpuprofile-seconds from /livez, through /debug/pprof) into this folder")
	flag.StringVar(&o.mechanisms, "mechanisms", "", "with -startup-only: time only the kube-apiserver mechanisms whose name matches this regular expression (e.g. 'protobuf')")
	flag.IntVar(&profileSeconds, "cpuprofile-seconds", profileSeconds, "with -cpuprofile-dir: seconds of each profile")
	flag.Parse()
	if o.binDir == "" {
		o.binDir = filepath.Join(o.root, "_output", "bin")
	}
	if o.ksBinary == "" {
		o.ksBinary = filepath.Join(o.binDir, "ks-apiserver")
	}
	if o.dir == "" {
		o.dir = filepath.Join(o.root, "_output", "perf")
	}
	if o.namespaces < 1 || o.namespaces > 500 || o.pods < 1 {
		return fmt.Errorf("-pods must be positive and -namespaces within 1-500")
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	if !o.reuse {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	} else if err := os.RemoveAll(filepath.Join(dir, "pki")); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	step("starting etcd and kube-apiserver in %s", dir)
	cp, err := controlplane.Start(ctx, controlplane.Config{Dir: dir, BinDir: o.binDir})
	if err != nil {
		return err
	}
	defer cp.Stop()
	if err := cp.InstallCRDs(ctx, filepath.Join(o.root, "artifacts", "deploy")); err != nil {
		return err
	}
	if err := load(ctx, cp, o); err != nil {
		return err
	}
	ksConfig := controlplane.KSConfig{Binary: o.ksBinary, ArtifactsDir: filepath.Join(o.root, "artifacts", "deploy"),
		ReadyTimeout: 10 * time.Minute} // its time to ready is printed; on a busy machine it can pass a minute
	if o.startupOnly {
		return startupOnly(ctx, cp, ksConfig, o)
	}

	step("starting ks-apiserver over the loaded pods")
	start := time.Now()
	ks, err := cp.StartKSAPIServer(ctx, ksConfig)
	if err != nil {
		return err
	}
	step("ks-apiserver ready and its APIService available after %s", time.Since(start).Round(time.Millisecond))

	b, err := newBench(cp, ks)
	if err != nil {
		return err
	}
	rssReady := rss(ks.Process.PID())
	released := waitReleased(ctx, ks.Process.LogFile)
	rssSynced := rss(ks.Process.PID())
	rows, err := b.measure(ctx, scenarios(labelApp(o.pods)), o)
	if err != nil {
		return err
	}
	rssBefore := rss(ks.Process.PID())
	fullListTimes, err := b.fullLists(ctx, o.fullLists)
	if err != nil {
		return err
	}
	rssAfter := rss(ks.Process.PID())

	step("starting a second ks-apiserver over the same pods")
	second, err := timeStartup(ctx, cp, ksConfig, "ks-apiserver-2", "")
	if err != nil {
		return err
	}

	fmt.Printf("\n%d pods in %d namespaces (created through kube-apiserver; %s)\n\n", o.pods, o.namespaces, b.podSize)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "scenario\tthe kube-apiserver way\tthrough kube-apiserver (aggregated)\tdirectly on ks-apiserver\tanswer")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.name, r.cells[0], r.cells[1], r.cells[2], r.answer)
	}
	_ = w.Flush()
	fmt.Printf("\nks-apiserver RSS: %s when its APIService was available, %s once synced and the start-up memory returned (%s), %s after the rows above, %s after %d more full lists through kube-apiserver and %d directly (%s)\n",
		mb(rssReady), mb(rssSynced), released, mb(rssBefore), mb(rssAfter), o.fullLists, o.fullLists, fullListTimes)
	fmt.Printf("second ks-apiserver over the same pods: ready (/readyz ok) after %s, RSS then %s, %s once the start-up memory was returned (%s)\n",
		second.ready.Round(time.Millisecond), mb(second.rssReady), mb(second.rssLater), second.released)
	return nil
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// load creates the namespaces (with their default ServiceAccount, which the
// ServiceAccount admission needs) and o.pods pods, each followed by its
// status, from o.workers concurrent clients speaking protobuf.
func load(ctx context.Context, cp *controlplane.ControlPlane, o options) error {
	cfg := rest.CopyConfig(cp.Admin)
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf
	cfg.QPS, cfg.Burst = -1, 0 // no client-side rate limit
	// The fixture's two containers both name their port "http"; say it once, not per pod.
	cfg.WarningHandler = rest.NoWarnings{}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	first := 0
	if o.reuse {
		list, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 1})
		if err != nil {
			return err
		}
		have := len(list.Items)
		if list.RemainingItemCount != nil {
			have += int(*list.RemainingItemCount)
		}
		if have >= o.pods {
			step("reusing %d pods already stored", have)
			return nil
		}
		// Pods are created about in order: go on from a little before.
		first = max(0, have-10*o.workers)
	}
	step("creating %d namespaces", o.namespaces)
	for i := range o.namespaces {
		name := fmt.Sprintf("team-%03d", i)
		if err := controlplane.CreateNamespace(ctx, client, name, nil); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	step("creating %d pods from %d clients", o.pods, o.workers)
	start := time.Now()
	next := make(chan int)
	errs := make(chan error, o.workers)
	var created, done int64
	results := make(chan bool, o.workers)
	for range o.workers {
		// Several connections: one HTTP/2 connection serializes on one TLS stream.
		wcfg := rest.CopyConfig(cfg)
		wcfg.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
		wclient, err := kubernetes.NewForConfig(wcfg)
		if err != nil {
			return err
		}
		go func() {
			for i := range next {
				ok, err := createPod(ctx, wclient, i, o.namespaces)
				if err != nil {
					errs <- err
					return
				}
				results <- ok
			}
			errs <- nil
		}()
	}
	go func() {
		defer close(next)
		for i := first; i < o.pods; i++ {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	last := time.Now()
	for finished := 0; finished < o.workers; {
		select {
		case err := <-errs:
			if err != nil {
				return err
			}
			finished++
		case ok := <-results:
			done++
			if ok {
				created++
			}
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				step("%d pods (%.0f/s)", done, float64(done)/time.Since(start).Seconds())
			}
		}
	}
	step("%d pods created (%d existed) in %s (%.0f/s)", created, done-created, time.Since(start).Round(time.Second),
		float64(done)/time.Since(start).Seconds())
	return ctx.Err()
}

// createPod creates fixture pod i as a Deployment's controller would send
// it (no service-account volume: admission adds it), then writes its status
// as a kubelet would. It reports false when the pod existed.
func createPod(ctx context.Context, client kubernetes.Interface, i, namespaces int) (bool, error) {
	pod := fixtures.RealisticPod(i)
	pod.Namespace = fmt.Sprintf("team-%03d", i%namespaces)
	status := pod.Status
	pod.Status = corev1.PodStatus{}
	pod.UID, pod.ResourceVersion, pod.CreationTimestamp, pod.ManagedFields = "", "", metav1.Time{}, nil
	pod.Spec.Priority, pod.Spec.PreemptionPolicy = nil, nil
	pod.Spec.Volumes = nil
	for c := range pod.Spec.Containers {
		pod.Spec.Containers[c].VolumeMounts = nil
	}
	pods := client.CoreV1().Pods(pod.Namespace)
	var created *corev1.Pod
	err := retry(ctx, func() (err error) {
		created, err = pods.Create(ctx, pod, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			// An earlier run, or an attempt that timed out after all.
			created, err = pods.Get(ctx, pod.Name, metav1.GetOptions{})
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	if created.Status.Phase == corev1.PodRunning {
		return false, nil
	}
	created.Status = status
	if err := retry(ctx, func() error {
		_, err := pods.UpdateStatus(ctx, created, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			if created, err = pods.Get(ctx, pod.Name, metav1.GetOptions{}); err == nil {
				created.Status = status
				return errors.New("conflict")
			}
		}
		return err
	}); err != nil {
		return false, fmt.Errorf("status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return true, nil
}

// retry runs f until it succeeds, up to six times: an overloaded etcd or
// kube-apiserver times out now and then, which is no reason to start over.
func retry(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || attempt == 5 || ctx.Err() != nil || apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			return err
		}
		select {
		case <-time.After(time.Duration(attempt+1) * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// bench asks the questions: kube is kube-apiserver for /api/v1 and the
// aggregated group, direct is ks-apiserver's own port; both as the admin.
type bench struct {
	kubeURL, directURL string
	kube, direct       *http.Client
	podSize            string
}

func newBench(cp *controlplane.ControlPlane, ks *controlplane.KSAPIServer) (*bench, error) {
	kube, err := rest.HTTPClientFor(cp.Admin)
	if err != nil {
		return nil, err
	}
	directCfg := rest.CopyConfig(cp.Admin)
	directCfg.Host = ks.URL
	directCfg.TLSClientConfig.CAData, directCfg.TLSClientConfig.CAFile = ks.CAPEM, ""
	direct, err := rest.HTTPClientFor(directCfg)
	if err != nil {
		return nil, err
	}
	kube.Timeout, direct.Timeout = 10*time.Minute, 10*time.Minute
	return &bench{kubeURL: cp.URL, directURL: ks.URL, kube: kube, direct: direct}, nil
}

// get reads path fully and returns the body and how long that took.
func (b *bench) get(ctx context.Context, client *http.Client, base, path, accept string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", accept)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("GET %s: %s: %.300s", path, resp.Status, body)
	}
	return body, took, nil
}

// scenario is one row. kubeWay answers the question from /api/v1 as a
// client of kube-apiserver must (its path, and what the client does with the
// answer); ksPath asks ks-apiserver, through kube-apiserver and directly.
type scenario struct {
	name     string
	kubePath string
	// kubeWay, when set, is the client's work on the decoded /api/v1 list
	// (sorting, filtering); it says what it found.
	kubeWay func(pods []corev1.Pod) string
	ksPath  string
	accept  string
	// full marks rows that read every pod: they run -slow-repeat times.
	full bool
}

const (
	podsPath = "/apis/resources.kubesphere.io/v1alpha3/pods"
	jsonType = "application/json"
)

// labelApp is the app the label rows select: svc-07 (5% of the pods) when
// there are that many apps, else the last one.
func labelApp(pods int) string { return fmt.Sprintf("svc-%02d", min(7, (pods-1)/500%20)) }

func scenarios(app string) []scenario {
	return []scenario{
		{name: "label app=" + app + ", first 10 with exact total (kube-apiserver: its unsorted limit=10, no total)",
			kubePath: "/api/v1/pods?labelSelector=app%3D" + app + "&limit=10",
			ksPath:   podsPath + "?labelSelector=app%3D" + app + "&limit=10"},
		{name: "label app=" + app + " + status=Running, first 10 with exact total",
			kubePath: "/api/v1/pods?labelSelector=app%3D" + app, full: true,
			kubeWay: func(pods []corev1.Pod) string {
				n := 0
				for i := range pods {
					if kubesphere.PodStatus(&pods[i]) == "Running" {
						n++
					}
				}
				return fmt.Sprintf("total %d", n)
			},
			ksPath: podsPath + "?labelSelector=app%3D" + app + "&status=Running&limit=10"},
		{name: "newest 10 cluster-wide",
			kubePath: "/api/v1/pods", full: true,
			kubeWay: func(pods []corev1.Pod) string {
				sort.Slice(pods, func(i, j int) bool { return newer(&pods[i], &pods[j]) })
				return "first " + pods[0].Name
			},
			ksPath: podsPath + "?sortBy=createTime&limit=10"},
		{name: "page 3 of 500 by name",
			kubePath: "/api/v1/pods", full: true,
			kubeWay: func(pods []corev1.Pod) string {
				sort.Slice(pods, func(i, j int) bool { return byName(&pods[i], &pods[j]) })
				return "first " + pods[1000].Name
			},
			ksPath: podsPath + "?sortBy=name&ascending=true&limit=500&page=3"},
		{name: "name contains svc-07 + status=Running, first 10 with exact total",
			kubePath: "/api/v1/pods", full: true,
			kubeWay: func(pods []corev1.Pod) string {
				n := 0
				for i := range pods {
					if strings.Contains(pods[i].Name, "svc-07") && kubesphere.PodStatus(&pods[i]) == "Running" {
						n++
					}
				}
				return fmt.Sprintf("total %d", n)
			},
			ksPath: podsPath + "?name=svc-07&status=Running&limit=10"},
		{name: "full list (JSON)", kubePath: "/api/v1/pods", ksPath: podsPath, full: true},
		{name: "full list (protobuf)", kubePath: "/api/v1/pods", ksPath: podsPath, accept: runtime.ContentTypeProtobuf, full: true},
	}
}

// newer is KubeSphere's default order: creation time, then namespace, then
// name, all descending.
func newer(a, b *corev1.Pod) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return b.CreationTimestamp.Before(&a.CreationTimestamp)
	}
	if a.Namespace != b.Namespace {
		return a.Namespace > b.Namespace
	}
	return a.Name > b.Name
}

func byName(a, b *corev1.Pod) bool {
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Namespace < b.Namespace
}

type row struct {
	name   string
	cells  [3]string
	answer string
}

func (b *bench) measure(ctx context.Context, scs []scenario, o options) ([]row, error) {
	var rows []row
	for _, sc := range scs {
		step("measuring: %s", sc.name)
		runs := o.repeat
		if sc.full {
			runs = o.slowRepeat
		}
		accept := sc.accept
		if accept == "" {
			accept = jsonType
		}
		r := row{name: sc.name}
		var kubeAnswer string
		kube, err := b.median(runs, func() (time.Duration, error) {
			start := time.Now()
			body, _, err := b.get(ctx, b.kube, b.kubeURL, sc.kubePath, accept)
			if err != nil {
				return 0, err
			}
			if sc.kubeWay == nil {
				var list metav1.List
				if err := json.Unmarshal(body, &list); err == nil {
					kubeAnswer = fmt.Sprintf("%d items", len(list.Items))
				} else if obj, _, err := decoder.Decode(body, nil, nil); err == nil {
					kubeAnswer = fmt.Sprintf("%d items", meta.LenList(obj))
				}
				return time.Since(start), nil
			}
			var list corev1.PodList
			if err := json.Unmarshal(body, &list); err != nil {
				return 0, err
			}
			kubeAnswer = sc.kubeWay(list.Items)
			return time.Since(start), nil
		})
		if err != nil {
			return nil, err
		}
		r.cells[0] = kube
		var ksAnswer string
		for i, via := range []struct {
			client *http.Client
			base   string
		}{{b.kube, b.kubeURL}, {b.direct, b.directURL}} {
			cell, err := b.median(runs, func() (time.Duration, error) {
				body, took, err := b.get(ctx, via.client, via.base, sc.ksPath, accept)
				if err == nil {
					ksAnswer = summary(body)
					if b.podSize == "" && sc.ksPath == podsPath {
						b.podSize = podSize(body)
					}
				}
				return took, err
			})
			if err != nil {
				return nil, err
			}
			r.cells[i+1] = cell
		}
		r.answer = "kube-apiserver way: " + kubeAnswer + "; ks-apiserver: " + ksAnswer
		rows = append(rows, r)
	}
	return rows, nil
}

// median runs f n times after one warm-up run and formats the median.
func (b *bench) median(n int, f func() (time.Duration, error)) (string, error) {
	if _, err := f(); err != nil {
		return "", err
	}
	times := make([]time.Duration, 0, n)
	for range n {
		t, err := f()
		if err != nil {
			return "", err
		}
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return formatDuration(times[len(times)/2]), nil
}

func formatDuration(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

// summary says what a ks-apiserver list answered: its items, total and first item.
func summary(body []byte) string {
	var list struct {
		TotalItems int64 `json:"totalItems"`
		Items      []struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		obj, _, perr := decoder.Decode(body, nil, nil)
		if pods, ok := obj.(*v1alpha3.PodList); perr == nil && ok {
			s := fmt.Sprintf("%d items of total %d (protobuf)", len(pods.Items), pods.TotalItems)
			if len(pods.Items) > 0 {
				s += ", first " + pods.Items[0].Name
			}
			return s
		}
		return "undecodable: " + err.Error()
	}
	s := fmt.Sprintf("%d items of total %d", len(list.Items), list.TotalItems)
	if len(list.Items) > 0 {
		s += ", first " + list.Items[0].Metadata.Name
	}
	return s
}

// decoder reads the lists of both servers in JSON and in protobuf.
var decoder = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(ksscheme.AddToScheme(scheme))
	return serializer.NewCodecFactory(scheme).UniversalDeserializer()
}()

func podSize(body []byte) string {
	var list struct {
		Items []stdjson.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list.Items) == 0 {
		return "pod size unknown"
	}
	return fmt.Sprintf("%d B of JSON per pod as served", len(body)/len(list.Items))
}

// fullLists lists every pod n times through kube-apiserver and n times
// directly, one after another, and says how long each took.
func (b *bench) fullLists(ctx context.Context, n int) (string, error) {
	var took []string
	for _, via := range []struct {
		name   string
		client *http.Client
		base   string
	}{{"aggregated", b.kube, b.kubeURL}, {"direct", b.direct, b.directURL}} {
		var ts []string
		for range n {
			_, t, err := b.get(ctx, via.client, via.base, podsPath, jsonType)
			if err != nil {
				return "", err
			}
			ts = append(ts, formatDuration(t))
		}
		took = append(took, via.name+" "+strings.Join(ts, ", "))
	}
	return strings.Join(took, "; "), nil
}

// waitReleased waits (up to a minute) until ks-apiserver logs that it
// returned its start-up memory to the OS, a moment after its caches synced
// (/readyz says ok as soon as they are), and says what it logged: the live
// heap and the heap held from the OS then.
func waitReleased(ctx context.Context, logFile string) string {
	const marker = "start-up memory returned"
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(100 * time.Millisecond) {
		log, _ := os.ReadFile(logFile)
		if live := logField(log, marker, "heapLiveBytes"); live != "" {
			return "live heap " + mbString(live) + ", heap held " + mbString(logField(log, marker, "heapHeldBytesAfter"))
		}
	}
	return "not logged within a minute"
}

// rss is the resident set of a process in bytes, from /proc.
func rss(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return -1
}

func mb(b int64) string {
	if b < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d MB", b/1_000_000)
}
