package query

// Snapshot is the state of an Index at one moment. Lists read it without
// locks; pages of one walk read the same snapshot and so agree with each
// other.
type Snapshot struct {
	t      *Type
	global []*node
	byNS   []*node
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
}

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
}

// List answers r. Without filters it costs O(log n + page size): totals come
// from subtree sizes and the page is reached by position. With filters it
// visits the items of the namespace (or of all) once, in order, and never
// sorts.
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
		probe := &Item{Namespace: r.After.Namespace, Name: r.After.Name, keys: make([]Key, len(s.t.keys))}
		if r.Namespace != "" && s.byNS != nil {
			probe.Namespace = r.Namespace // a position within the namespace's range
		}
		probe.keys[k] = r.After.Key
		if r.Descending {
			start = min(start, rank(root, probe, cmp, false)-1)
		} else {
			start = max(start, rank(root, probe, cmp, true))
		}
	}

	var res Result
	limit := r.Limit
	if len(r.Filters) == 0 {
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
	} else {
		// Every match counts towards the total, even those before the
		// cursor; the page's are kept. Leaves are read as slices, in order.
		w := walk{filters: r.Filters, sig: r.NameSig, skip: r.Offset, limit: limit, res: &res}
		if r.Descending {
			leafRange(root, lo, start+1, true, w.keep(true))
			leafRange(root, start+1, hi, true, w.count)
		} else {
			leafRange(root, lo, start, false, w.count)
			leafRange(root, start, hi, false, w.keep(false))
		}
	}
	if n := len(res.Items); n > 0 {
		last := res.Items[n-1]
		res.Last = &Cursor{Key: last.keys[k], Namespace: last.Namespace, Name: last.Name}
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
	filters []Predicate
	sig     uint64 // name signature bits every match has
	skip    int
	limit   int
	res     *Result
}

func (w *walk) match(it *Item) bool {
	for _, f := range w.filters {
		if !f(it) {
			return false
		}
	}
	return true
}

// count counts the matches of a leaf slice towards the total only.
func (w *walk) count(items []*Item, sigs []uint64) bool {
	for i, it := range items {
		if sigs[i]&w.sig == w.sig && w.match(it) {
			w.res.Total++
		}
	}
	return true
}

// keep counts the matches of a leaf slice (read backwards when desc) and
// keeps those of the page.
func (w *walk) keep(desc bool) func([]*Item, []uint64) bool {
	return func(items []*Item, sigs []uint64) bool {
		for i := range items {
			if desc {
				i = len(items) - 1 - i
			}
			if it := items[i]; sigs[i]&w.sig != w.sig || !w.match(it) {
				continue
			}
			it := items[i]
			w.res.Total++
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
