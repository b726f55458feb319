package mirror

import (
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Objects of one controller repeat whole structures: every pod of a
// ReplicaSet has the same containers, volumes, tolerations, labels and
// owner. Compact makes equal structures share one copy, found by their
// encoding, which is safe because cached objects are never mutated (they
// are read, and copied before anything is changed). A table forgets
// everything when it is full: sharing is an optimisation, and entries of
// deleted objects must not pile up.
type shareTable[T any] struct {
	mu  sync.Mutex
	m   map[string]T
	max int
}

func newShareTable[T any](max int) *shareTable[T] {
	return &shareTable[T]{m: map[string]T{}, max: max}
}

// get returns the copy kept under key, if any.
func (t *shareTable[T]) get(key []byte) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[string(key)]
	return c, ok
}

// share returns the copy of v kept under key, keeping v when there is none,
// and whether it was already there.
func (t *shareTable[T]) share(key []byte, v T) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.m[string(key)]; ok {
		return c, true
	}
	if len(t.m) >= t.max {
		clear(t.m)
	}
	t.m[string(key)] = v
	return v, false
}

var (
	sharedPodSpecs      = newShareTable[*corev1.PodSpec](8192)
	sharedPodConditions = newShareTable[[]corev1.PodCondition](8192)
	sharedStringMaps    = newShareTable[map[string]string](16384)
	sharedOwnerRefs     = newShareTable[[]metav1.OwnerReference](16384)
	sharedContainers    = newShareTable[corev1.Container](16384)
	sharedVolumes       = newShareTable[[]corev1.Volume](8192)
	sharedTolerations   = newShareTable[[]corev1.Toleration](8192)
)

// mapKey encodes a string map in a canonical order.
func mapKey(m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	size := 0
	for k, v := range m {
		keys = append(keys, k)
		size += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(size)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(m[k])
		b.WriteByte(0)
	}
	return []byte(b.String())
}

// maxSharedMap is the largest encoded map worth sharing: longer ones (a
// last-applied configuration among the annotations) are unique to their
// object, and keeping them in the table would only hold memory.
const maxSharedMap = 1024

// shareMap returns a shared copy of a string map equal to m.
func shareMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	key := mapKey(m)
	if len(key) > maxSharedMap {
		return m
	}
	shared, _ := sharedStringMaps.share(key, m)
	return shared
}

// shareMeta shares the labels, annotations and owner references an object
// has in common with others.
func shareMeta(m *metav1.ObjectMeta) {
	m.Labels = shareMap(m.Labels)
	m.Annotations = shareMap(m.Annotations)
	m.OwnerReferences = shareSlice(sharedOwnerRefs, m.OwnerReferences)
}

// sharePod shares the spec (all but the node and host names) and the
// conditions a pod has in common with others; a spec seen before is not
// compacted again. It must run after everything else that changes the pod:
// what it shares is never written again.
func sharePod(p *corev1.Pod) {
	node, host := s(p.Spec.NodeName), s(p.Spec.Hostname)
	spec := p.Spec
	spec.NodeName, spec.Hostname = "", ""
	key, err := spec.Marshal()
	if err != nil {
		compactPodSpec(&p.Spec)
		return
	}
	shared, ok := sharedPodSpecs.get(key)
	if !ok {
		// A spec not seen yet still shares its parts with others: the
		// sidecar every pod has, the service account volume, the default
		// tolerations.
		compactPodSpec(&spec)
		shareContainers(spec.InitContainers)
		shareContainers(spec.Containers)
		spec.Volumes = shareSlice(sharedVolumes, spec.Volumes)
		spec.Tolerations = shareSlice(sharedTolerations, spec.Tolerations)
		shared, _ = sharedPodSpecs.share(key, &spec)
	}
	p.Spec = *shared
	p.Spec.NodeName, p.Spec.Hostname = node, host
	p.Status.Conditions = shareSlice(sharedPodConditions, p.Status.Conditions)
}

// marshaler is a generated protobuf type.
type marshaler interface{ Marshal() ([]byte, error) }

// shareSlice returns a shared copy of a slice equal to items.
func shareSlice[T any, PT interface {
	*T
	marshaler
}](t *shareTable[[]T], items []T) []T {
	if len(items) == 0 {
		return items
	}
	var key []byte
	for i := range items {
		b, err := PT(&items[i]).Marshal()
		if err != nil {
			return items
		}
		key = append(key, b...)
	}
	shared, _ := t.share(key, items)
	return shared
}

// shareContainers makes each container share its contents (environment,
// probes, resources, mounts, ...) with equal containers of other pods.
func shareContainers(cs []corev1.Container) {
	for i := range cs {
		key, err := cs[i].Marshal()
		if err != nil {
			continue
		}
		cs[i], _ = sharedContainers.share(key, cs[i])
	}
}
