package query

import (
	"math/bits"
	"slices"

	"k8s.io/apimachinery/pkg/labels"
)

// Snapshot is the state of an Index at one moment. Lists read it without
// locks; pages of one walk read the same snapshot and so agree with each
// other.
type Snapshot struct {
	t      *Type
	global []*node
	byNS   []*node
	labels labelIndex
}

// Cursor is a position in a sorted list: the last item of a page.
type Cursor struct {
	Key       Key
	Namespace string
	Name      string
}

// Request is one list over a snapshot.
type Request struct {
	// Namespace limits the list to one namespace ("" for all).
	Namespace string
	// SortBy is a canonical sort key name; "" is (namespace, name) order.
	SortBy string
	// Descending reverses the order.
	Descending bool
	// Filters must all hold for an item to be listed.
	Filters []Predicate
	// Labels are label requirements that must all hold, as a label
	// selector's: they are answered from the label index, so a list reads
	// only the objects they select.
	Labels []labels.Requirement
	// Attrs are attribute filters (Query.Attrs) that must all hold: they
	// are answered from the index's postings, as Labels.
	Attrs []AttrValue
	// NameSig is the name signature (NameSignature) of a substring every
	// listed item's name contains, 0 for none: items whose names cannot
	// contain it are skipped without running the filters.
	NameSig uint64
	// After continues a list after this position (exclusive).
	After *Cursor
	// Offset skips that many matches (after After).
	Offset int
	// Limit is the most items returned; negative means all.
	Limit int

	// via forces one way of answering Labels, for tests: viaPick or viaWalk
	// (0 chooses by cost).
	via int
}

const (
	viaPick = 1 + iota
	viaWalk
)

// Result is a page of a list.
type Result struct {
	// Items are the page's items in order.
	Items []*Item
	// Total is the number of items matching the filters in the whole list,
	// pages before and after included.
	Total int
	// Remaining is the number of matching items after the page.
	Remaining int
	// Last is the position of the page's last item, to continue from.
	Last *Cursor
	// Visited is how many items the list read to answer: the page alone
	// when the trees answer by position, every candidate when it filters
	// (a metric shows lists that scan everything).
	Visited int
}

// List answers r. Without filters it costs O(log n + page size): totals come
// from subtree sizes and the page is reached by position. With filters it
// visits the items of the namespace (or of all) once, in order, and never
// sorts. Label requirements first select their objects from the label
// index: a few are picked and sorted, many are tested by slot along the
// walk, which stops at the end of the page when the total is already known.
func (s *Snapshot) List(r Request) Result {
	sortBy := r.SortBy
	if sortBy == "" {
		sortBy = SortByName
	}
	k := s.t.keyIndex(sortBy)
	root, cmp := s.global[k], globalCompare(k)
	lo, hi := 0, size(root)
	nsOrder := r.SortBy == "" || r.Namespace != ""
	if s.byNS != nil && nsOrder {
		root, cmp = s.byNS[k], nsCompare(k)
		hi = size(root)
		if r.Namespace != "" {
			ns := r.Namespace
			lo = rankFunc(root, func(it *Item) bool { return it.Namespace < ns })
			hi = rankFunc(root, func(it *Item) bool { return it.Namespace <= ns })
		}
	} else if s.byNS == nil && r.Namespace != "" {
		hi = 0 // a cluster-scoped resource has nothing in a namespace
	}

	// start is the position of the first candidate in the walk's direction.
	start := lo
	if r.Descending {
		start = hi - 1
	}
	if r.After != nil {
		probe := s.probe(r, k)
		if r.Descending {
			start = min(start, rank(root, probe, cmp, false)-1)
		} else {
			start = max(start, rank(root, probe, cmp, true))
		}
	}

	var res Result
	limit := r.Limit
	filters := r.Filters
	var in *idSet
	if len(r.Labels) > 0 || len(r.Attrs) > 0 {
		var residual []Predicate
		in, residual = s.labels.selectLabels(r.Labels, r.Attrs)
		if in.n == 0 || hi <= lo {
			return Result{}
		}
		if len(residual) > 0 {
			filters = append(residual, filters...)
		}
	}
	// passed are the positions the walk has passed before its start,
	// ahead those from its start on.
	passed, ahead := start-lo, hi-start
	if r.Descending {
		passed, ahead = hi-start-1, start-lo+1
	}
	passed, ahead = max(passed, 0), max(ahead, 0)
	// known: the label postings alone give the total.
	known := in != nil && len(filters) == 0 && r.NameSig == 0 && lo == 0 && hi == size(root)
	switch {
	case in == nil && len(filters) == 0:
		res.Total = hi - lo
		first, avail := start+r.Offset, hi-start-r.Offset
		if r.Descending {
			first, avail = start-r.Offset, start-r.Offset-lo+1
		}
		if avail < 0 {
			avail = 0
		}
		n := avail
		if limit >= 0 && limit < n {
			n = limit
		}
		res.Remaining = avail - n
		res.Visited = n
		if n > 0 {
			res.Items = make([]*Item, 0, n)
			collect := func(it *Item) bool {
				res.Items = append(res.Items, it)
				return len(res.Items) < n
			}
			if r.Descending {
				descend(root, first, collect)
			} else {
				ascend(root, first, collect)
			}
		}
	case in != nil && (r.via == viaPick || r.via == 0 && pickCheaper(in.n, hi-lo, known, passed, ahead, r.Offset, limit)):
		res = s.pick(r, k, cmp, in, filters)
	case known && limit >= 0 && passed < ahead:
		// Count what the walk passed, then stop at the end of the page:
		// the rest of the total is the postings'.
		in.densify()
		w := walk{in: in, skip: r.Offset, limit: limit, stop: true, res: &res}
		if r.Descending {
			leafRange(root, start+1, hi, true, w.count)
			leafRange(root, lo, start+1, true, w.keep(true))
		} else {
			leafRange(root, lo, start, false, w.count)
			leafRange(root, start, hi, false, w.keep(false))
		}
		skipped := r.Offset - w.skip
		res.Visited = w.visited
		res.Total = in.n
		res.Remaining = in.n - w.before - skipped - len(res.Items)
	default:
		// Every match counts towards the total, even those before the
		// cursor; the page's are kept. Leaves are read as slices, in order.
		if in != nil {
			in.densify()
		}
		w := walk{in: in, filters: filters, sig: r.NameSig, skip: r.Offset, limit: limit, res: &res}
		if !known {
			if r.Descending {
				leafRange(root, start+1, hi, true, w.count)
			} else {
				leafRange(root, lo, start, false, w.count)
			}
		}
		if r.Descending {
			leafRange(root, lo, start+1, true, w.keep(true))
		} else {
			leafRange(root, start, hi, false, w.keep(false))
		}
		res.Total = w.before + w.seen
		res.Visited = w.visited
		if known {
			res.Total = in.n
		}
	}
	if n := len(res.Items); n > 0 {
		last := res.Items[n-1]
		res.Last = &Cursor{Key: last.keys[k], Namespace: last.Namespace, Name: last.Name}
	}
	return res
}

// probe is an item at r's cursor, to find its position in the trees of
// sort key k.
func (s *Snapshot) probe(r Request, k int) *Item {
	probe := &Item{Namespace: r.After.Namespace, Name: r.After.Name, keys: make([]Key, len(s.t.keys))}
	if r.Namespace != "" && s.byNS != nil {
		probe.Namespace = r.Namespace // a position within the namespace's range
	}
	probe.keys[k] = r.After.Key
	return probe
}

// Costs of the two ways of listing label-selected objects, in units of
// one item of a walk (reading a slot and testing it): picking reads each
// selected item through the slot table, and keeps the page's in order (a
// short sorted list for a page near the start, else a sort of all).
const (
	pickItemCost  = 8
	pickLevelCost = 6
	// pickBounded is the most items a pick keeps in a sorted list as it
	// goes, instead of sorting everything at the end.
	pickBounded = 256
)

// pickCheaper tells whether picking m selected objects costs less than
// walking the n positions of the list's range (only up to the end of the
// page when the total is known).
func pickCheaper(m, n int, known bool, passed, ahead, offset, limit int) bool {
	walk := n
	if known && limit >= 0 {
		// The selected objects are expected evenly spread along the walk.
		need := min(ahead, (offset+limit+1)*n/max(m, 1))
		walk = min(ahead, passed+need)
	}
	pick := m * pickItemCost
	if limit < 0 || offset+limit > pickBounded {
		pick += m * pickLevelCost * bits.Len(uint(m))
	}
	return pick < walk
}

// pick answers r from the label-selected objects in: reads them by slot,
// filters them, and keeps the page's in order.
func (s *Snapshot) pick(r Request, k int, cmp compareFunc, in *idSet, filters []Predicate) Result {
	restrictNS := r.Namespace != "" && s.byNS != nil
	order := cmp
	if r.Descending {
		order = func(a, b *Item) int { return cmp(b, a) }
	}
	var probe *Item
	if r.After != nil {
		probe = s.probe(r, k)
	}
	offset := max(r.Offset, 0)
	// keep is how many of the first matches after the cursor are needed,
	// -1 for all.
	keep := -1
	if r.Limit >= 0 {
		keep = offset + r.Limit
	}
	bounded := keep >= 0 && keep <= pickBounded
	var total, after int
	var best []*Item
	in.each(func(id uint32) {
		it := s.labels.slots.get(id)
		if it == nil || restrictNS && it.Namespace != r.Namespace || it.sig&r.NameSig != r.NameSig {
			return
		}
		for _, f := range filters {
			if !f(it) {
				return
			}
		}
		total++
		if probe != nil && order(it, probe) <= 0 {
			return
		}
		after++
		if !bounded {
			best = append(best, it)
			return
		}
		if len(best) == keep {
			if keep == 0 || order(it, best[keep-1]) >= 0 {
				return
			}
			best = best[:keep-1]
		}
		i, _ := slices.BinarySearchFunc(best, it, order)
		best = slices.Insert(best, i, it)
	})
	if !bounded {
		slices.SortFunc(best, order)
	}
	start := min(offset, len(best))
	end := len(best)
	if r.Limit >= 0 {
		end = min(end, start+r.Limit)
	}
	res := Result{Total: total, Remaining: after - end, Visited: in.n}
	if end > start {
		res.Items = slices.Clip(best[start:end])
	}
	return res
}

// Len returns the number of items in the snapshot.
func (s *Snapshot) Len() int {
	if len(s.global) == 0 {
		return 0
	}
	return size(s.global[0])
}

// Get returns the item namespace/name, if present.
func (s *Snapshot) Get(namespace, name string) (*Item, bool) {
	root := s.global[s.t.keyIndex(SortByName)] // ordered by (name, namespace)
	pos := rankFunc(root, func(it *Item) bool {
		if it.Name != name {
			return it.Name < name
		}
		return it.Namespace < namespace
	})
	if pos == size(root) {
		return nil, false
	}
	if it := at(root, pos); it.Namespace == namespace && it.Name == name {
		return it, true
	}
	return nil, false
}

// walk evaluates filters over leaves of a tree.
type walk struct {
	in      *idSet // the label-selected slots, nil for all
	filters []Predicate
	sig     uint64 // name signature bits every match has
	skip    int
	limit   int
	// stop ends the walk when the page is full, without counting on.
	stop bool
	// before counts the matches before the walk's start, seen those from
	// it on.
	before, seen int
	// visited counts the items read, matching or not.
	visited int
	res     *Result
}

// match tells whether the item at i of a leaf slice is in the list.
func (w *walk) match(items []*Item, sigs []uint64, ids []uint32, i int) bool {
	if w.in != nil {
		id := ids[i]
		if int(id/64) >= len(w.in.dense) || w.in.dense[id/64]&(1<<(id%64)) == 0 {
			return false
		}
	}
	if sigs[i]&w.sig != w.sig {
		return false
	}
	for _, f := range w.filters {
		if !f(items[i]) {
			return false
		}
	}
	return true
}

// onlySlots reports whether the label selection is the walk's only test,
// which then runs as a tight loop over the leaves' slots (selectedFrom).
func (w *walk) onlySlots() bool {
	return w.in != nil && w.sig == 0 && len(w.filters) == 0
}

// selectedFrom returns the index of the first selected slot of ids at or
// after j, counting from the end when desc; len(ids) when there is none.
func (w *walk) selectedFrom(ids []uint32, j int, desc bool) int {
	dense := w.in.dense
	n := len(ids)
	if desc {
		for ; j < n; j++ {
			id := ids[n-1-j]
			if word := int(id >> 6); word < len(dense) && dense[word]&(1<<(id&63)) != 0 {
				return j
			}
		}
		return n
	}
	for ; j < n; j++ {
		id := ids[j]
		if word := int(id >> 6); word < len(dense) && dense[word]&(1<<(id&63)) != 0 {
			return j
		}
	}
	return n
}

// count counts the matches of a leaf slice before the walk's start.
func (w *walk) count(items []*Item, sigs []uint64, ids []uint32) bool {
	w.visited += len(items)
	if w.onlySlots() {
		for j := w.selectedFrom(ids, 0, false); j < len(ids); j = w.selectedFrom(ids, j+1, false) {
			w.before++
		}
		return true
	}
	for i := range items {
		if w.match(items, sigs, ids, i) {
			w.before++
		}
	}
	return true
}

// keep counts the matches of a leaf slice (read backwards when desc) and
// keeps those of the page.
func (w *walk) keep(desc bool) leafFunc {
	return func(items []*Item, sigs []uint64, ids []uint32) bool {
		fast := w.onlySlots()
		n := len(items)
		for j := 0; j < n; j++ {
			if fast {
				// Skip what is not selected without a call per item.
				k := w.selectedFrom(ids, j, desc)
				w.visited += k - j
				if k == n {
					break
				}
				j = k
			}
			i := j
			if desc {
				i = n - 1 - j
			}
			if !fast {
				w.visited++
				if !w.match(items, sigs, ids, i) {
					continue
				}
			} else {
				w.visited++
			}
			it := items[i]
			if w.stop && w.skip == 0 && w.limit >= 0 && len(w.res.Items) >= w.limit {
				return false
			}
			w.seen++
			switch {
			case w.skip > 0:
				w.skip--
			case w.limit < 0 || len(w.res.Items) < w.limit:
				w.res.Items = append(w.res.Items, it)
			default:
				w.res.Remaining++
			}
		}
		return true
	}
}
