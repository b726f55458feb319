package query

import (
	"math/bits"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
)

// labelKey is the index of one label key: who has it, and who has each
// value.
type labelKey struct {
	all    *posting
	values pmap[*posting]
	gen    uint64 // index generation that may change it in place (0: none)
}

// labelIndex is the inverted label index of an Index at one moment. Every
// field is persistent once a snapshot has copied the struct: changes modify
// in place only what was made in the current generation (gen), which no
// snapshot has seen (see Index.gen).
type labelIndex struct {
	keys  pmap[*labelKey]
	live  *posting  // every slot in use
	slots slotTable // slot -> item
	next  uint32    // slots below next have been handed out
	// attrs are the postings of the indexed attributes' values, by
	// attribute (Type.attrs order); the slice is copied on the first change
	// of a generation (attrsGen).
	attrs    []pmap[*posting]
	attrsGen uint64
	// gen is the index generation of the change being made: postings,
	// label keys and the attrs slice of that generation change in place.
	gen uint64
}

func objectLabels(obj runtime.Object) map[string]string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil
	}
	return m.GetLabels()
}

// relabel moves slot id from the postings of old to those of cur.
func (l *labelIndex) relabel(id uint32, old, cur map[string]string) {
	for k, v := range old {
		if nv, ok := cur[k]; !ok || nv != v {
			l.remove(id, k, v, !ok)
		}
	}
	for k, v := range cur {
		if ov, ok := old[k]; !ok || ov != v {
			l.add(id, k, v, !ok)
		}
	}
}

// reattr moves slot id from the postings of its old attribute values to
// those of cur (old nil: the object is new; cur nil: it is gone), for the
// attributes marked indexed.
func (l *labelIndex) reattr(id uint32, old, cur []string, indexed []bool) {
	for i, on := range indexed {
		if !on || old != nil && cur != nil && old[i] == cur[i] {
			continue
		}
		if l.gen == 0 || l.attrsGen != l.gen {
			attrs := make([]pmap[*posting], len(indexed))
			copy(attrs, l.attrs)
			l.attrs, l.attrsGen = attrs, l.gen
		}
		attrs := l.attrs
		if old != nil {
			if p, _ := attrs[i].get(old[i]); p.without(id) == nil {
				attrs[i] = attrs[i].del(old[i])
			} else {
				attrs[i] = attrs[i].set(old[i], p.without(id))
			}
		}
		if cur != nil {
			p, _ := attrs[i].get(cur[i])
			if np := p.with(id, l.gen); np != p {
				attrs[i] = attrs[i].set(cur[i], np)
			}
		}
	}
}

func (l *labelIndex) add(id uint32, k, v string, newKey bool) {
	old, _ := l.keys.get(k)
	lk := old
	if old == nil || l.gen == 0 || old.gen != l.gen {
		lk = &labelKey{gen: l.gen}
		if old != nil {
			lk.all, lk.values = old.all, old.values
		}
	}
	if newKey {
		lk.all = lk.all.with(id, l.gen)
	}
	p, _ := lk.values.get(v)
	if np := p.with(id, l.gen); np != p {
		lk.values = lk.values.set(v, np)
	}
	if lk != old {
		l.keys = l.keys.set(k, lk)
	}
}

func (l *labelIndex) remove(id uint32, k, v string, lastOfKey bool) {
	old, ok := l.keys.get(k)
	if !ok {
		return
	}
	lk := *old
	lk.gen = l.gen // a new copy, which no snapshot has seen
	if p, ok := lk.values.get(v); ok {
		if p = p.without(id); p == nil {
			lk.values = lk.values.del(v)
		} else {
			lk.values = lk.values.set(v, p)
		}
	}
	if lastOfKey {
		lk.all = lk.all.without(id)
	}
	if lk.all == nil {
		l.keys = l.keys.del(k)
		return
	}
	l.keys = l.keys.set(k, &lk)
}

// idSet is a set of slots: a bitmap, or a sorted list when small.
type idSet struct {
	dense    []uint64
	sparse   []uint32
	isDense  bool
	n        int
	universe uint32 // slots below it
}

func (s *idSet) each(fn func(uint32)) {
	if !s.isDense {
		for _, id := range s.sparse {
			fn(id)
		}
		return
	}
	for wi, w := range s.dense {
		for w != 0 {
			fn(uint32(wi*64 + bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
}

// densify turns s into a bitmap, for walks that test many slots.
func (s *idSet) densify() {
	if s.isDense {
		return
	}
	s.dense = make([]uint64, (s.universe+63)/64)
	for _, id := range s.sparse {
		s.dense[id/64] |= 1 << (id % 64)
	}
	s.sparse, s.isDense = nil, true
}

// term is a union of postings of one key's values, which never share a
// member (an object has one value per key).
type term struct {
	ps []*posting
	n  int
}

func (t *term) has(id uint32) bool {
	for _, p := range t.ps {
		if p.has(id) {
			return true
		}
	}
	return false
}

func (t *term) add(p *posting) {
	if p != nil {
		t.ps = append(t.ps, p)
		t.n += p.n
	}
}

// selectLabels returns the slots of the objects meeting every requirement
// and attribute filter, and predicates for what the index cannot answer
// alone (the numeric comparisons, which it narrows to the objects having the
// key). Equality, in, exists and attribute values select postings; !=,
// notin and !key take them away; several requirements intersect starting
// from the smallest.
func (l *labelIndex) selectLabels(reqs []labels.Requirement, attrs []AttrValue) (*idSet, []Predicate) {
	var pos, neg []term
	var residual []Predicate
	for _, a := range attrs {
		var t term
		if a.attr < len(l.attrs) {
			p, _ := l.attrs[a.attr].get(a.value)
			t.add(p)
		}
		pos = append(pos, t)
	}
	for _, req := range reqs {
		lk, _ := l.keys.get(req.Key())
		values := func() term {
			var t term
			if lk == nil {
				return t
			}
			vs := req.ValuesUnsorted()
			slices.Sort(vs)
			for _, v := range slices.Compact(vs) {
				p, _ := lk.values.get(v)
				t.add(p)
			}
			return t
		}
		all := func() term {
			var t term
			if lk != nil {
				t.add(lk.all)
			}
			return t
		}
		switch req.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			pos = append(pos, values())
		case selection.NotEquals, selection.NotIn:
			neg = append(neg, values())
		case selection.Exists:
			pos = append(pos, all())
		case selection.DoesNotExist:
			neg = append(neg, all())
		default: // gt, lt: among the objects with the key, compare
			pos = append(pos, all())
			residual = append(residual, requirementPredicate(req))
		}
	}
	set := &idSet{universe: l.next}
	slices.SortFunc(pos, func(a, b term) int { return a.n - b.n })
	if len(pos) > 0 && pos[0].n == 0 {
		return set, residual
	}
	if len(pos) > 0 && pos[0].n*32 < int(l.next) {
		// Few candidates: test each against the other requirements.
		for _, p := range pos[0].ps {
			p.each(func(id uint32) {
				for i := 1; i < len(pos); i++ {
					if !pos[i].has(id) {
						return
					}
				}
				for i := range neg {
					if neg[i].has(id) {
						return
					}
				}
				set.sparse = append(set.sparse, id)
			})
		}
		slices.Sort(set.sparse)
		set.n = len(set.sparse)
		return set, residual
	}
	words := int(l.next+63) / 64
	set.dense, set.isDense = make([]uint64, words), true
	if len(pos) == 0 {
		l.live.orInto(set.dense)
	} else {
		for _, p := range pos[0].ps {
			p.orInto(set.dense)
		}
		var tmp []uint64
		for _, t := range pos[1:] {
			if tmp == nil {
				tmp = make([]uint64, words)
			} else {
				clear(tmp)
			}
			for _, p := range t.ps {
				p.orInto(tmp)
			}
			for i := range set.dense {
				set.dense[i] &= tmp[i]
			}
		}
	}
	for _, t := range neg {
		for _, p := range t.ps {
			p.clearFrom(set.dense)
		}
	}
	for _, w := range set.dense {
		set.n += bits.OnesCount64(w)
	}
	return set, residual
}

func requirementPredicate(req labels.Requirement) Predicate {
	return metaPredicate(func(m metaObject) bool { return req.Matches(labels.Set(m.GetLabels())) })
}
