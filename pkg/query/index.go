package query

import (
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// Item is one cached object as the indexes hold it: the object (shared with
// the informer cache, never mutated) and what queries read of it, computed
// once when it entered the index.
type Item struct {
	Object    runtime.Object
	Namespace string
	Name      string
	attrs     []string // values of the Type's Attr filters
	keys      []Key    // values of the Type's sort keys
	sig       uint64   // NameSignature(Name)
	id        uint32   // slot in the index's label postings
}

// NameSignature is a 64-bit summary of the three-byte sequences of a
// string: if a contains b, every bit of NameSignature(b) is set in
// NameSignature(a). Strings shorter than three bytes have none.
func NameSignature(s string) uint64 {
	var sig uint64
	for i := 0; i+2 < len(s); i++ {
		h := (uint32(s[i])<<16 | uint32(s[i+1])<<8 | uint32(s[i+2])) * 0x9E3779B1
		sig |= 1 << (h >> 26)
	}
	return sig
}

// Index keeps the objects of one resource in sorted trees, one per sort key
// (and, for namespaced resources, one more per sort key ordered by namespace
// first), and the Type's groups. Set and Delete update it incrementally;
// Snapshot returns its current state in O(number of sort keys), and a
// snapshot never changes afterwards.
type Index struct {
	t *Type

	mu     sync.RWMutex
	items  map[itemKey]*Item
	global []*node // by sort key: (key, namespace, name)
	byNS   []*node // by sort key: (namespace, key, name); nil when cluster-scoped
	groups map[string]map[string]map[*Item]struct{}
	// sums are the running totals of the Type's Sums, by group and key.
	sums map[string]map[string][]int64
	// labels is the inverted label index; free are slots of deleted
	// objects, handed out again.
	labels labelIndex
	free   []uint32
	// gen is the generation of the index's nodes (trees, postings, slot
	// table) that no snapshot has seen yet, which changes may modify in
	// place; Snapshot starts a new one, freezing what it can reach.
	gen atomic.Uint64
}

// NewIndex returns an empty index of objects of type t.
func NewIndex(t *Type) *Index {
	t.Complete()
	ix := &Index{
		t:      t,
		items:  map[itemKey]*Item{},
		global: make([]*node, len(t.keys)),
		groups: map[string]map[string]map[*Item]struct{}{},
		sums:   map[string]map[string][]int64{},
	}
	if t.Namespaced {
		ix.byNS = make([]*node, len(t.keys))
	}
	ix.gen.Store(1)
	return ix
}

// Type returns the index's query vocabulary.
func (ix *Index) Type() *Type { return ix.t }

// itemKey is an object's namespace and name, the object's own strings: a
// key made of them would be one more string per object.
type itemKey struct{ namespace, name string }

// newItem computes what queries read of obj. Its groups and sums are not
// kept: group and ungroup compute them from the object, which never
// changes, for the few bytes per object they would hold.
func (t *Type) newItem(obj runtime.Object) (*Item, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	it := &Item{
		Object:    obj,
		Namespace: m.GetNamespace(),
		Name:      m.GetName(),
		attrs:     make([]string, len(t.attrs)),
		keys:      make([]Key, len(t.keys)),
	}
	it.sig = NameSignature(it.Name)
	for i, name := range t.attrs {
		it.attrs[i] = t.filters[name].Attr(obj)
	}
	for i, name := range t.keys {
		it.keys[i] = t.sortKeys[name].Of(obj)
	}
	return it, nil
}

// Matches reports whether obj passes every filter, as a list would judge
// it (watches filter their events with it).
func (t *Type) Matches(obj runtime.Object, filters []Predicate) bool {
	if len(filters) == 0 {
		return true
	}
	it, err := t.newItem(obj)
	if err != nil {
		return false
	}
	for _, f := range filters {
		if !f(it) {
			return false
		}
	}
	return true
}

// globalCompare and nsCompare are the orders of the two trees of sort key k.
func globalCompare(k int) compareFunc {
	return func(a, b *Item) int {
		if c := a.keys[k].Compare(b.keys[k]); c != 0 {
			return c
		}
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	}
}

func nsCompare(k int) compareFunc {
	return func(a, b *Item) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		if c := a.keys[k].Compare(b.keys[k]); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	}
}

// Set adds obj, or replaces the object of the same namespace and name.
func (ix *Index) Set(obj runtime.Object) error {
	it, err := ix.t.newItem(obj)
	if err != nil {
		return err
	}
	key := itemKey{it.Namespace, it.Name}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.items[key]
	ix.items[key] = it
	var oldLabels map[string]string
	var oldAttrs []string
	gen := ix.gen.Load()
	ix.labels.gen = gen
	switch {
	case old != nil:
		it.id = old.id
		oldLabels, oldAttrs = objectLabels(old.Object), old.attrs
	case len(ix.free) > 0:
		it.id = ix.free[len(ix.free)-1]
		ix.free = ix.free[:len(ix.free)-1]
		ix.labels.live = ix.labels.live.with(it.id, gen)
	default:
		it.id = ix.labels.next
		ix.labels.next++
		ix.labels.live = ix.labels.live.with(it.id, gen)
	}
	ix.labels.slots = ix.labels.slots.set(it.id, it, gen)
	ix.labels.relabel(it.id, oldLabels, objectLabels(obj))
	ix.labels.reattr(it.id, oldAttrs, it.attrs, ix.t.indexed)
	for k := range ix.global {
		ix.global[k] = update(ix.global[k], old, it, k, globalCompare(k), gen)
		if ix.byNS != nil {
			ix.byNS[k] = update(ix.byNS[k], old, it, k, nsCompare(k), gen)
		}
	}
	if old != nil {
		ix.ungroup(old)
	}
	ix.group(it)
	return nil
}

func update(root *node, old, it *Item, k int, cmp compareFunc, gen uint64) *node {
	if old != nil {
		if old.keys[k] == it.keys[k] {
			if n, ok := replace(root, it, cmp, gen); ok {
				return n
			}
		}
		root, _ = remove(root, old, cmp)
	}
	return insert(root, it, cmp, gen)
}

// Delete removes the object of obj's namespace and name, if present.
func (ix *Index) Delete(obj runtime.Object) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	key := itemKey{m.GetNamespace(), m.GetName()}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.items[key]
	if old == nil {
		return
	}
	delete(ix.items, key)
	ix.labels.gen = ix.gen.Load()
	ix.labels.relabel(old.id, objectLabels(old.Object), nil)
	ix.labels.reattr(old.id, old.attrs, nil, ix.t.indexed)
	ix.labels.live = ix.labels.live.without(old.id)
	ix.labels.slots = ix.labels.slots.set(old.id, nil, ix.labels.gen)
	ix.free = append(ix.free, old.id)
	for k := range ix.global {
		ix.global[k], _ = remove(ix.global[k], old, globalCompare(k))
		if ix.byNS != nil {
			ix.byNS[k], _ = remove(ix.byNS[k], old, nsCompare(k))
		}
	}
	ix.ungroup(old)
}

// group adds the item to the Type's groups (and their sums); ungroup takes
// it away again, computing the same keys and values from the same object.
func (ix *Index) group(it *Item) {
	for _, name := range ix.t.groups {
		g := ix.groups[name]
		if g == nil {
			g = map[string]map[*Item]struct{}{}
			ix.groups[name] = g
		}
		keys := ix.t.Groups[name](it.Object)
		sum := ix.groupSum(name, keys, it.Object)
		for _, gk := range keys {
			ix.addSum(name, gk, sum, 1)
			members := g[gk]
			if members == nil {
				members = map[*Item]struct{}{}
				g[gk] = members
			}
			members[it] = struct{}{}
		}
	}
}

func (ix *Index) ungroup(it *Item) {
	for _, name := range ix.t.groups {
		g := ix.groups[name]
		keys := ix.t.Groups[name](it.Object)
		sum := ix.groupSum(name, keys, it.Object)
		for _, gk := range keys {
			ix.addSum(name, gk, sum, -1)
			if members := g[gk]; members != nil {
				delete(members, it)
				if len(members) == 0 {
					delete(g, gk)
				}
			}
		}
	}
}

// groupSum is what obj adds to the sums of the keys of group it is under.
func (ix *Index) groupSum(group string, keys []string, obj runtime.Object) []int64 {
	if of := ix.t.Sums[group]; of != nil && len(keys) > 0 {
		return of(obj)
	}
	return nil
}

// addSum adds (sign 1) or takes away (sign -1) an item's values to the
// running totals of a group key; ix.mu is held.
func (ix *Index) addSum(group, key string, vals []int64, sign int64) {
	if vals == nil {
		return
	}
	g := ix.sums[group]
	if g == nil {
		g = map[string][]int64{}
		ix.sums[group] = g
	}
	total := g[key]
	if len(total) < len(vals) {
		total = append(total, make([]int64, len(vals)-len(total))...)
	}
	zero := true
	for i := range total {
		if i < len(vals) {
			total[i] += sign * vals[i]
		}
		zero = zero && total[i] == 0
	}
	if zero && sign < 0 {
		delete(g, key)
		return
	}
	g[key] = total
}

// GroupSum returns the running totals of the Type's Sums function of group
// over the objects under key (nil when there are none).
func (ix *Index) GroupSum(group, key string) []int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return append([]int64(nil), ix.sums[group][key]...)
}

// Group returns the objects the Type's group function put under key.
func (ix *Index) Group(group, key string) []runtime.Object {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	members := ix.groups[group][key]
	out := make([]runtime.Object, 0, len(members))
	for it := range members {
		out = append(out, it.Object)
	}
	return out
}

// Get returns the object namespace/name ("" namespace for cluster-scoped
// objects), if present.
func (ix *Index) Get(namespace, name string) (runtime.Object, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	it, ok := ix.items[itemKey{namespace, name}]
	if !ok {
		return nil, false
	}
	return it.Object, true
}

// Len returns the number of objects in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.items)
}

// Snapshot returns the index's current state; it never changes afterwards.
func (ix *Index) Snapshot() *Snapshot {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	// Freeze every node the snapshot reaches: later changes copy them.
	// Changes hold ix.mu exclusively, so none is half made in the old
	// generation.
	ix.gen.Add(1)
	s := &Snapshot{t: ix.t, global: append([]*node(nil), ix.global...), labels: ix.labels}
	if ix.byNS != nil {
		s.byNS = append([]*node(nil), ix.byNS...)
	}
	return s
}
