package mirror_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/install"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// windowEvents is how many pod changes follow the initial list in the
// memory benchmark: enough to fill the event window, whose events hold the
// versions they replaced.
const windowEvents = mirror.DefaultEventWindow

// podCache is a cache under measurement: it is handed each pod of the
// initial list, then each changed pod, as an informer decodes them.
type podCache interface {
	add(p *corev1.Pod)
	update(p *corev1.Pod)
	// done is called once everything was handed; what it returns is kept.
	done() any
}

// cachedBytesPerPod measures the heap that n cached pods hold, the event
// window's included: n realistic pods, then windowEvents restarts of
// containers (new versions of pods spread over all of them), each decoded
// from its own protobuf as an informer decodes what kube-apiserver sends and
// handed to the cache, which keeps what it keeps; everything else is
// dropped before measuring. mutate, when set, changes each pod first.
func cachedBytesPerPod(tb testing.TB, n int, c podCache, mutate func(i int, p *corev1.Pod)) (perPod float64, jsonSize int) {
	tb.Helper()
	before := heapBytes()
	decode := func(i int, p *corev1.Pod) *corev1.Pod {
		if mutate != nil {
			mutate(i, p)
		}
		return fixtures.Decoded(tb, p)
	}
	sampled := 0
	for i := range n {
		p := decode(i, fixtures.RealisticPod(i))
		if i%100 == 0 {
			jsonSize += fixtures.JSONSize(tb, p)
			sampled++
		}
		c.add(p)
	}
	jsonSize /= sampled
	for j := range windowEvents {
		i := (j * 7919) % n
		c.update(decode(i, fixtures.RestartedPod(i, 10_000_000+j)))
	}
	kept := c.done()
	c = nil
	after := heapBytes()
	runtime.KeepAlive(kept)
	return float64(after-before) / float64(n), jsonSize
}

// plainInformer is a client-go informer's store, as KubeSphere keeps pods.
type plainInformer struct{ store cache.Indexer }

func newPlainInformer() podCache {
	return &plainInformer{cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})}
}
func (c *plainInformer) add(p *corev1.Pod)    { _ = c.store.Add(p) }
func (c *plainInformer) update(p *corev1.Pod) { _ = c.store.Update(p) }
func (c *plainInformer) done() any            { return c.store }

// ksCache is what ks-apiserver keeps: the informer's store of compacted
// pods (with its namespace index; a new version of a pod shares what did
// not change with the one the store holds) and the mirror cache over the same
// objects, with the sorted indexes, groups and sums of the pods
// declaration and the window of events since the initial list (each with
// the version it replaced).
type ksCache struct {
	store     cache.Indexer
	compactor mirror.Compactor // the informers' transform, following store
	objs      []k8sruntime.Object
	up        *mirror.Caches
	cache     *mirror.Cache
}

func newKSCache() podCache {
	c := &ksCache{store: cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})}
	c.compactor.Follow(mirror.PodsResource, c.store)
	return c
}

func (c *ksCache) add(p *corev1.Pod) {
	obj, _ := c.compactor.Compact(p)
	_ = c.store.Add(obj)
	c.objs = append(c.objs, obj.(k8sruntime.Object))
}

func (c *ksCache) update(p *corev1.Pod) {
	if c.up == nil {
		var podsDecl []mirror.Resource
		for _, res := range registryresources.All() {
			if res.Name == "pods" {
				podsDecl = append(podsDecl, res)
			}
		}
		c.up = mirror.NewFixedCaches(podsDecl, map[string][]k8sruntime.Object{"pods": c.objs})
		c.cache, _ = c.up.Cache(c.up.Resources()[0])
		c.objs = nil
	}
	obj, _ := c.compactor.Compact(p)
	old, _, _ := c.store.Get(obj)
	_ = c.store.Update(obj)
	c.cache.ApplyEvent(watch.Modified, obj, old)
}

func (c *ksCache) done() any { return []any{c.store, c.up} }

// uniqueSpecs makes every pod's spec different in a shared part too (one
// env value), the worst case for sharing: no two containers alike.
func uniqueSpecs(i int, p *corev1.Pod) {
	p.Spec.Containers[0].Env[0].Value = fmt.Sprintf("production-%d", i)
}

// plainInformerMaxPods is the most pods the plain informer is measured at:
// it holds about 14 KB per pod, so at a million it would need 14 GB. Its
// bytes per pod do not depend on the count; larger runs print its figure
// at this count.
const plainInformerMaxPods = 100_000

// BenchmarkCachedPodBytes prints the bytes each cached pod holds in a plain
// client-go informer store and in ks-apiserver's caches (indexes and the
// event window of 10,000 changes included), on the same realistic pods (as
// kube-apiserver stores them: every pod has its own service account volume
// name, IPs, container IDs and times; pods of one ReplicaSet share their
// template), and with every pod's containers unique as well. Target:
// ks-apiserver <= 5,400 bytes per pod at 100k pods. BENCH_PODS sets the
// counts (default 10k and 100k).
func BenchmarkCachedPodBytes(b *testing.B) {
	sizes := fixtures.BenchPods(b, 10_000, 100_000)
	if testing.Short() {
		sizes = []int{1_000} // a smoke run: the benchmark works, the figure means little
	}
	for _, n := range sizes {
		for _, unique := range []bool{false, true} {
			if unique && n > plainInformerMaxPods {
				continue // the worst case is measured at the smaller counts
			}
			name := fmt.Sprintf("pods=%d", n)
			var mutate func(int, *corev1.Pod)
			if unique {
				name += "/unique-specs"
				mutate = uniqueSpecs
			}
			b.Run(name, func(b *testing.B) {
				var plain, ks float64
				var size int
				plainN := min(n, plainInformerMaxPods)
				for range b.N {
					plain, size = cachedBytesPerPod(b, plainN, newPlainInformer(), mutate)
					ks, _ = cachedBytesPerPod(b, n, newKSCache(), mutate)
				}
				b.ReportMetric(plain, "plain-bytes/pod")
				b.ReportMetric(ks, "ks-bytes/pod")
				b.ReportMetric(100*ks/plain, "ks-%-of-plain")
				what := "pods of a ReplicaSet alike but for their own names, IPs and times"
				if unique {
					what = "every container unique"
				}
				plainAt := ""
				if plainN != n {
					plainAt = fmt.Sprintf(" (measured at %d pods)", plainN)
				}
				fmt.Printf("cached pods=%d (%d B JSON each, %s), %d changes after the initial list: plain client-go informer %.0f B/pod%s | ks-apiserver %.0f B/pod, indexes and event window included (%.0f%%, target <= 5400 B/pod at 100k)\n",
					n, size, what, windowEvents, plain, plainAt, ks, 100*ks/plain)
			})
		}
	}
}

// Compaction drops managedFields, passes tombstones through, and changes
// nothing that is served.
func TestCompactKeepsContent(t *testing.T) {
	tomb := cache.DeletedFinalStateUnknown{Key: "ns/p", Obj: fixtures.RealisticPod(0)}
	if out, err := mirror.Compact(tomb); err != nil || out != tomb {
		t.Errorf("tombstone = %v, %v", out, err)
	}
	if out, _ := mirror.Compact(fixtures.RealisticPod(0)); len(out.(*corev1.Pod).ManagedFields) != 0 {
		t.Error("managedFields kept")
	}
	for i := range 50 {
		want := fixtures.RealisticPod(i)
		want.ManagedFields = nil
		got, _ := mirror.Compact(fixtures.RealisticPod(i))
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Fatalf("pod %d changed by compaction:\n%s\n%s", i, a, b)
		}
	}
}

// Pods of one ReplicaSet, as kube-apiserver stores them, share their
// containers' contents, volume sources, tolerations, affinity, security
// context, labels and owners after compaction, though each has its own
// service account volume (and mounts) and its own node; they print exactly
// as before.
func TestCompactSharesRepeatedStructures(t *testing.T) {
	a, b := fixtures.RealisticPod(0), fixtures.RealisticPod(fixtures.ReplicaSets) // one ReplicaSet, two nodes
	if a.Spec.Volumes[1].Name == b.Spec.Volumes[1].Name || a.Spec.NodeName == b.Spec.NodeName {
		t.Fatal("the fixtures' pods of a ReplicaSet should differ in their service account volume and node")
	}
	wantA, _ := json.Marshal(a)
	wantB, _ := json.Marshal(b)
	ca, _ := mirror.Compact(a)
	cb, _ := mirror.Compact(b)
	pa, pb := ca.(*corev1.Pod), cb.(*corev1.Pod)
	for _, part := range []struct {
		name   string
		shared bool
	}{
		{"container env", &pa.Spec.Containers[0].Env[0] == &pb.Spec.Containers[0].Env[0]},
		{"container probes", pa.Spec.Containers[1].LivenessProbe == pb.Spec.Containers[1].LivenessProbe},
		{"container security context", pa.Spec.Containers[0].SecurityContext == pb.Spec.Containers[0].SecurityContext},
		{"projected volume source", pa.Spec.Volumes[1].Projected == pb.Spec.Volumes[1].Projected},
		{"config volume source", pa.Spec.Volumes[0].ConfigMap == pb.Spec.Volumes[0].ConfigMap},
		{"tolerations", &pa.Spec.Tolerations[0] == &pb.Spec.Tolerations[0]},
		{"affinity", pa.Spec.Affinity == pb.Spec.Affinity},
		{"pod security context", pa.Spec.SecurityContext == pb.Spec.SecurityContext},
		{"container status resources", pa.Status.ContainerStatuses[0].Resources == pb.Status.ContainerStatuses[0].Resources},
		{"owner references", &pa.OwnerReferences[0] == &pb.OwnerReferences[0]},
	} {
		if !part.shared {
			t.Errorf("the pods' %s are not shared", part.name)
		}
	}
	// The pod's own volume name is one string, in the volume and every mount.
	vol := pa.Spec.Volumes[1].Name
	for _, c := range pa.Spec.Containers {
		if m := c.VolumeMounts[len(c.VolumeMounts)-1]; unsafe.StringData(m.Name) != unsafe.StringData(vol) {
			t.Errorf("container %s mounts %s from its own copy of the name", c.Name, m.Name)
		}
	}
	for _, pair := range [][2]any{{pa, wantA}, {pb, wantB}} {
		got, _ := json.Marshal(pair[0])
		var want corev1.Pod
		_ = json.Unmarshal(pair[1].([]byte), &want)
		want.ManagedFields = nil
		wantJSON, _ := json.Marshal(&want)
		if string(got) != string(wantJSON) {
			t.Errorf("compaction changed a pod:\n%s\n%s", got, wantJSON)
		}
	}
}

// servedPods are pods of every shape the fixtures have, decoded as an
// informer decodes them: realistic pods of several ReplicaSets, restarted
// and crash-looping ones, pods whose containers are all unique, and pods
// without a service account volume (whose whole container list is shared).
func servedPods(t *testing.T) []*corev1.Pod {
	var pods []*corev1.Pod
	for i := range 300 {
		p := fixtures.RealisticPod(i * 97 % 30_000)
		switch i % 6 {
		case 1:
			p = fixtures.RestartedPod(i, 10_000_000+i)
		case 2:
			uniqueSpecs(i, p)
		case 3:
			p.Spec.Volumes = p.Spec.Volumes[:1]
			for j := range p.Spec.Containers {
				c := &p.Spec.Containers[j]
				c.VolumeMounts = c.VolumeMounts[:len(c.VolumeMounts)-1]
			}
			for j := range p.Status.ContainerStatuses {
				cs := &p.Status.ContainerStatuses[j]
				cs.VolumeMounts = cs.VolumeMounts[:len(cs.VolumeMounts)-1]
			}
		case 4:
			p.Status.ContainerStatuses[0].Ready = false
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 5m0s restarting failed container"}}
		}
		pods = append(pods, fixtures.Decoded(t, p))
	}
	return pods
}

// A compacted pod is served exactly as the same pod uncompacted: the served
// JSON (converted as the pods resource converts, encoded as the API
// encodes v1alpha3) is the same bytes, for every pod, once all are
// compacted (sharing never writes into what an earlier pod holds).
func TestCompactedPodsServeTheSameJSON(t *testing.T) {
	scheme := k8sruntime.NewScheme()
	install.Install(scheme)
	codec := serializer.NewCodecFactory(scheme).LegacyCodec(v1alpha3.SchemeGroupVersion)
	var res mirror.Resource
	for _, r := range registryresources.All() {
		if r.Name == "pods" {
			res = r
		}
	}
	served := func(p *corev1.Pod) string {
		data, err := k8sruntime.Encode(codec, res.ToServed(p))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	plain, compacted := servedPods(t), servedPods(t)
	for _, p := range compacted {
		_, _ = mirror.Compact(p)
	}
	for i := range plain {
		plain[i].ManagedFields = nil // the informers' transform drops them: never served
		if want, got := served(plain[i]), served(compacted[i]); got != want {
			t.Fatalf("pod %d (%s) is served differently once compacted:\n%s\n%s", i, plain[i].Name, got, want)
		}
	}
}

// A new version of a pod shares what did not change (its spec, the
// unchanged parts of its status) with the version the informer holds, is
// served exactly as it is upstream, and leaves the held version as it was;
// a new pod of the same name (another UID) shares nothing with the old one.
func TestCompactorSharesWithThePreviousVersion(t *testing.T) {
	store := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	var c mirror.Compactor
	c.Follow(mirror.PodsResource, store)
	marshal := func(p *corev1.Pod) string {
		q := p.DeepCopy()
		q.ManagedFields = nil
		data, _ := json.Marshal(q)
		return string(data)
	}
	for i := range 20 {
		old, _ := c.Compact(fixtures.Decoded(t, fixtures.RealisticPod(i)))
		_ = store.Add(old)
		oldJSON := marshal(old.(*corev1.Pod))
		next := fixtures.Decoded(t, fixtures.RestartedPod(i, 10_000_000+i))
		want := marshal(next)
		obj, _ := c.Compact(next)
		p, o := obj.(*corev1.Pod), old.(*corev1.Pod)
		if got := marshal(p); got != want {
			t.Fatalf("pod %d is served differently once compacted:\n%s\n%s", i, got, want)
		}
		if got := marshal(o); got != oldJSON {
			t.Fatalf("compacting a new version of pod %d changed the held one:\n%s\n%s", i, got, oldJSON)
		}
		for _, part := range []struct {
			name   string
			shared bool
		}{
			{"containers", &p.Spec.Containers[0] == &o.Spec.Containers[0]},
			{"volumes", &p.Spec.Volumes[0] == &o.Spec.Volumes[0]},
			{"UID", unsafe.StringData(string(p.UID)) == unsafe.StringData(string(o.UID))},
			{"unchanged container's ID", unsafe.StringData(p.Status.ContainerStatuses[1].ContainerID) == unsafe.StringData(o.Status.ContainerStatuses[1].ContainerID)},
			{"restarted container's last ID", unsafe.StringData(p.Status.ContainerStatuses[0].LastTerminationState.Terminated.ContainerID) == unsafe.StringData(o.Status.ContainerStatuses[0].ContainerID)},
			{"mount statuses", &p.Status.ContainerStatuses[0].VolumeMounts[0] == &o.Status.ContainerStatuses[0].VolumeMounts[0]},
			{"start time", p.Status.StartTime == o.Status.StartTime},
		} {
			if !part.shared {
				t.Errorf("pod %d: the new version's %s are not the previous version's", i, part.name)
			}
		}
		_ = store.Update(obj)
	}
	// Another pod of the same name, after the first was deleted.
	held, _, _ := store.GetByKey(cache.MetaObjectToName(fixtures.RealisticPod(0)).String())
	other := fixtures.Decoded(t, fixtures.RealisticPod(0))
	other.UID = "00000000-0000-0000-0000-000000000000"
	obj, _ := c.Compact(other)
	if &obj.(*corev1.Pod).Spec.Volumes[0] == &held.(*corev1.Pod).Spec.Volumes[0] {
		t.Error("a pod of another UID shares the old pod's volumes")
	}
}

// The mount comparisons that decide whether a container's mounts are a run
// of another's compare every field: two mounts differing in any one field
// are unequal (a field added to the API, and unknown to them, fails here).
func TestMountEqualityCoversEveryField(t *testing.T) {
	check := func(zero any, equal func(a, b any) bool) {
		typ := reflect.TypeOf(zero)
		for i := range typ.NumField() {
			a, b := reflect.New(typ), reflect.New(typ)
			f := b.Elem().Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString("x")
			case reflect.Bool:
				f.SetBool(true)
			case reflect.Pointer:
				f.Set(reflect.New(f.Type().Elem()))
			case reflect.Slice:
				f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			default:
				t.Fatalf("%s.%s: a kind this test does not set", typ.Name(), typ.Field(i).Name)
			}
			if equal(a.Interface(), b.Interface()) {
				t.Errorf("%s differing in %s compare equal", typ.Name(), typ.Field(i).Name)
			}
		}
	}
	check(corev1.VolumeMount{}, func(a, b any) bool { return mirror.MountEqual(a.(*corev1.VolumeMount), b.(*corev1.VolumeMount)) })
	check(corev1.VolumeMountStatus{}, func(a, b any) bool {
		return mirror.MountStatusEqual(a.(*corev1.VolumeMountStatus), b.(*corev1.VolumeMountStatus))
	})
}
