package mirror

import (
	"sync/atomic"
	"unique"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// Compact is the transform of every upstream informer: it runs on each
// freshly decoded object before it enters the cache. It drops
// metadata.managedFields, which are never served, makes strings that
// repeat across objects (label keys and values, namespaces, owner
// references, images, container, env and volume names, node names, ...)
// share one copy, and makes structures that repeat (labels, annotations,
// owners, the parts of a pod's spec and status: see sharePod) share one
// copy too. What is served does not change; only the memory behind it.
// The informer owns the decoded object, so changing it here is safe.
//
// An object Compact has done is marked (see compactedMark) and passes a
// second time unchanged and without a write: client-go's reflector hands
// every object of a streamed initial list (the watch-list client, on by
// default) to the transform twice, once as it arrives and once more when the
// list replaces the informer's content. Compacting again would cost as much
// as the first time, on the start-up's critical path (the second pass runs
// serially under the informer queue's lock), and on a re-list it would write
// into parts already shared with cached objects that requests are reading.
func Compact(obj any) (any, error) {
	return compact(obj, nil)
}

// compact is Compact; prev, when not nil, is the version of the same pod
// the informer holds, which the new one shares what did not change with.
func compact(obj any, prev *corev1.Pod) (any, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return obj, nil // a tombstone: its object was compacted already
	}
	if isCompacted(m) {
		return obj, nil
	}
	m.SetManagedFields(compactedMark[:0:0])
	// Strings first, then sharing: what is shared is never written again.
	if oma, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if om, ok := oma.GetObjectMeta().(*metav1.ObjectMeta); ok {
			compactMeta(om)
			shareMeta(om)
		}
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		sharePod(pod, prev)
	}
	return obj, nil
}

// compactedMark is what a compacted object's managedFields are: an empty
// slice over this array. Empty, it is served as no managedFields at all
// (omitted in JSON and protobuf, as nil is); no decoder and no deep copy
// makes a slice over it, so it tells Compact's own output from anything else.
var compactedMark [1]metav1.ManagedFieldsEntry

func isCompacted(m metav1.Object) bool {
	mf := m.GetManagedFields()
	return mf != nil && len(mf) == 0 && unsafe.SliceData(mf) == &compactedMark[0]
}

// Compactor is Compact for informer factories that mirror pods: a new
// version of a pod also shares what did not change (its spec, most of its
// status) with the version the pods informer holds, so that the event
// window, which keeps the version each change replaced, costs little more
// than what changed.
type Compactor struct {
	pods atomic.Pointer[cache.Store]
}

// PodsResource is the upstream resource whose versions a Compactor shares.
var PodsResource = corev1.SchemeGroupVersion.WithResource("pods")

// Follow tells c the store of the informer of gvr; only the pods
// informer's is used.
func (c *Compactor) Follow(gvr schema.GroupVersionResource, store cache.Store) {
	if gvr == PodsResource {
		c.pods.Store(&store)
	}
}

// Compact is the transform of the informers: Compact, sharing with the
// previous version of a pod when there is one. It reads the store, never
// writes to it or to what it holds.
func (c *Compactor) Compact(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	store := c.pods.Load()
	if !ok || store == nil || isCompacted(pod) {
		return Compact(obj)
	}
	var prev *corev1.Pod
	if old, found, err := (*store).GetByKey(cache.NewObjectName(pod.Namespace, pod.Name).String()); err == nil && found {
		prev, _ = old.(*corev1.Pod)
	}
	return compact(obj, prev)
}

// intern returns the shared copy of a string.
func intern(v string) string {
	if v == "" {
		return v
	}
	return unique.Make(v).Value()
}

func compactStrings(vs []string) {
	for i := range vs {
		vs[i] = intern(vs[i])
	}
}

// compactMap rebuilds a string map with shared keys and values.
func compactMap(in map[string]string) map[string]string {
	if len(in) == 0 {
		return in
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[intern(k)] = intern(v)
	}
	return out
}

// compactAnnotations rebuilds annotations with shared keys and values,
// but for long values.
func compactAnnotations(in map[string]string) map[string]string {
	if len(in) == 0 {
		return in
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		if len(v) < longAnnotation {
			v = intern(v)
		}
		out[intern(k)] = v
	}
	return out
}

// longAnnotation is the length from which an annotation value is probably
// unique to its object (a last-applied configuration, say) and not worth
// interning.
const longAnnotation = 256

func compactMeta(m *metav1.ObjectMeta) {
	m.Namespace = intern(m.Namespace)
	m.GenerateName = intern(m.GenerateName)
	// Labels and annotations are compacted by shareMeta, only when no
	// equal map is shared already.
	compactStrings(m.Finalizers)
	for i := range m.OwnerReferences {
		o := &m.OwnerReferences[i]
		o.APIVersion, o.Kind, o.Name = intern(o.APIVersion), intern(o.Kind), intern(o.Name)
		o.UID = types.UID(intern(string(o.UID)))
	}
}

// compactContainer makes a container's strings shared; sharePod calls it
// only for containers it has not seen yet.
func compactContainer(c *corev1.Container) {
	c.Name, c.Image, c.WorkingDir = intern(c.Name), intern(c.Image), intern(c.WorkingDir)
	c.TerminationMessagePath = intern(c.TerminationMessagePath)
	c.ImagePullPolicy = corev1.PullPolicy(intern(string(c.ImagePullPolicy)))
	c.TerminationMessagePolicy = corev1.TerminationMessagePolicy(intern(string(c.TerminationMessagePolicy)))
	compactStrings(c.Command)
	compactStrings(c.Args)
	for i := range c.Ports {
		c.Ports[i].Name = intern(c.Ports[i].Name)
		c.Ports[i].Protocol = corev1.Protocol(intern(string(c.Ports[i].Protocol)))
	}
	for i := range c.Env {
		e := &c.Env[i]
		e.Name, e.Value = intern(e.Name), intern(e.Value)
		if e.ValueFrom != nil {
			if r := e.ValueFrom.FieldRef; r != nil {
				r.APIVersion, r.FieldPath = intern(r.APIVersion), intern(r.FieldPath)
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				r.Name, r.Key = intern(r.Name), intern(r.Key)
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				r.Name, r.Key = intern(r.Name), intern(r.Key)
			}
		}
	}
	for i := range c.EnvFrom {
		if r := c.EnvFrom[i].ConfigMapRef; r != nil {
			r.Name = intern(r.Name)
		}
		if r := c.EnvFrom[i].SecretRef; r != nil {
			r.Name = intern(r.Name)
		}
	}
	c.Resources.Requests = compactResources(c.Resources.Requests)
	c.Resources.Limits = compactResources(c.Resources.Limits)
	for i := range c.VolumeMounts {
		vm := &c.VolumeMounts[i]
		vm.Name, vm.MountPath, vm.SubPath = intern(vm.Name), intern(vm.MountPath), intern(vm.SubPath)
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if p != nil && p.HTTPGet != nil {
			p.HTTPGet.Path = intern(p.HTTPGet.Path)
			p.HTTPGet.Scheme = corev1.URIScheme(intern(string(p.HTTPGet.Scheme)))
		}
	}
}

func compactVolume(v *corev1.Volume) {
	v.Name = intern(v.Name)
	src := &v.VolumeSource
	if src.ConfigMap != nil {
		src.ConfigMap.Name = intern(src.ConfigMap.Name)
	}
	if src.Secret != nil {
		src.Secret.SecretName = intern(src.Secret.SecretName)
	}
	if src.PersistentVolumeClaim != nil {
		src.PersistentVolumeClaim.ClaimName = intern(src.PersistentVolumeClaim.ClaimName)
	}
	if src.HostPath != nil {
		src.HostPath.Path = intern(src.HostPath.Path)
	}
	if src.Projected != nil {
		for i := range src.Projected.Sources {
			ps := &src.Projected.Sources[i]
			if ps.ServiceAccountToken != nil {
				ps.ServiceAccountToken.Path = intern(ps.ServiceAccountToken.Path)
			}
			if ps.ConfigMap != nil {
				ps.ConfigMap.Name = intern(ps.ConfigMap.Name)
				for j := range ps.ConfigMap.Items {
					it := &ps.ConfigMap.Items[j]
					it.Key, it.Path = intern(it.Key), intern(it.Path)
				}
			}
			if ps.DownwardAPI != nil {
				for j := range ps.DownwardAPI.Items {
					it := &ps.DownwardAPI.Items[j]
					it.Path = intern(it.Path)
					if it.FieldRef != nil {
						it.FieldRef.APIVersion, it.FieldRef.FieldPath = intern(it.FieldRef.APIVersion), intern(it.FieldRef.FieldPath)
					}
				}
			}
		}
	}
}

// compactResources rebuilds a resource list with shared resource names.
func compactResources(in corev1.ResourceList) corev1.ResourceList {
	if len(in) == 0 {
		return in
	}
	out := make(corev1.ResourceList, len(in))
	for k, v := range in {
		out[corev1.ResourceName(intern(string(k)))] = v
	}
	return out
}
