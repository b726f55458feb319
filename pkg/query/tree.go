package query

import (
	"slices"
	"sort"
)

// The sorted indexes are persistent B+trees with subtree sizes: items sit in
// leaves of up to maxLeaf, in order, so a walk over a range reads memory
// mostly sequentially, and sizes give positional access (page 500, the
// number of items before a key) in O(log n). Every change returns a new root
// and copies only the nodes on its path; an old root stays a valid,
// unchanging snapshot for as long as someone holds it. A node is never
// modified once a snapshot can reach it: inserts change in place only the
// nodes created in the index's current generation (see Index.gen), which
// no snapshot has seen, so the initial list's 100k inserts do not copy a
// path each.
const (
	maxLeaf     = 64
	maxChildren = 32
	// minFill is the size under which a node is merged with a neighbour
	// after a removal.
	minLeaf     = maxLeaf / 4
	minChildren = maxChildren / 4
)

type node struct {
	size  int     // items in the subtree
	lo    *Item   // the subtree's first item
	items []*Item // leaf: the items, in order
	// sigs are the items' name signatures, beside them in the leaf: a
	// walk filtering names skips most items without reading them.
	sigs []uint64
	// ids are the items' slots, for label postings to be tested against
	// without reading the items.
	ids      []uint32
	children []*node // inner node: the subtrees, in order
	// gen is the index generation the node was created in; an insert of
	// that same generation may change it in place (0: never).
	gen uint64
}

type compareFunc func(a, b *Item) int

type leafFunc func(items []*Item, sigs []uint64, ids []uint32) bool

func size(n *node) int {
	if n == nil {
		return 0
	}
	return n.size
}

func (n *node) leaf() bool { return n.children == nil }

// owned reports whether an insert of generation gen may change n in place.
func (n *node) owned(gen uint64) bool { return gen != 0 && n.gen == gen }

func newLeaf(items []*Item) *node {
	sigs := make([]uint64, len(items))
	ids := make([]uint32, len(items))
	for i, it := range items {
		sigs[i], ids[i] = it.sig, it.id
	}
	return &node{size: len(items), lo: items[0], items: items, sigs: sigs, ids: ids}
}

func newInner(children []*node) *node {
	n := &node{lo: children[0].lo, children: children}
	for _, c := range children {
		n.size += c.size
	}
	return n
}

// child returns the index of the child whose range holds it.
func (n *node) child(it *Item, cmp compareFunc) int {
	i := sort.Search(len(n.children), func(i int) bool { return cmp(n.children[i].lo, it) > 0 })
	return max(i-1, 0)
}

// insert returns root with it added; it must not be in the tree yet. Nodes
// of generation gen are changed in place, the others copied (into gen).
func insert(root *node, it *Item, cmp compareFunc, gen uint64) *node {
	if root == nil {
		n := newLeaf([]*Item{it})
		n.gen = gen
		return n
	}
	a, b := insertAt(root, it, cmp, gen)
	if b != nil {
		n := newInner([]*node{a, b})
		n.gen = gen
		return n
	}
	return a
}

// insertAt returns n with it added, split in two when it overflowed.
func insertAt(n *node, it *Item, cmp compareFunc, gen uint64) (*node, *node) {
	if n.leaf() {
		i := sort.Search(len(n.items), func(i int) bool { return cmp(n.items[i], it) > 0 })
		if n.owned(gen) {
			n.items = insertGrow(n.items, i, it, maxLeaf+1)
			n.sigs = insertGrow(n.sigs, i, it.sig, maxLeaf+1)
			n.ids = insertGrow(n.ids, i, it.id, maxLeaf+1)
			n.size, n.lo = len(n.items), n.items[0]
			if len(n.items) <= maxLeaf {
				return n, nil
			}
			half := len(n.items) / 2
			b := newLeaf(slices.Clone(n.items[half:]))
			b.gen = gen
			// Both halves get slices of their size: a node keeps what it
			// holds, and the cache holds every leaf.
			n.items, n.sigs, n.ids, n.size = slices.Clone(n.items[:half]), slices.Clone(n.sigs[:half]), slices.Clone(n.ids[:half]), half
			return n, b
		}
		items := make([]*Item, 0, len(n.items)+1)
		items = append(append(append(items, n.items[:i]...), it), n.items[i:]...)
		if len(items) <= maxLeaf {
			a := newLeaf(items)
			a.gen = gen
			return a, nil
		}
		half := len(items) / 2
		a, b := newLeaf(items[:half:half]), newLeaf(items[half:])
		a.gen, b.gen = gen, gen
		return a, b
	}
	ci := n.child(it, cmp)
	a, b := insertAt(n.children[ci], it, cmp, gen)
	if n.owned(gen) {
		n.children[ci] = a
		if b != nil {
			n.children = insertGrow(n.children, ci+1, b, maxChildren+1)
		}
		n.size++
		n.lo = n.children[0].lo
		if len(n.children) <= maxChildren {
			return n, nil
		}
		half := len(n.children) / 2
		right := newInner(slices.Clone(n.children[half:]))
		right.gen = gen
		n.children = slices.Clone(n.children[:half])
		n.size -= right.size
		return n, right
	}
	children := make([]*node, 0, len(n.children)+1)
	children = append(append(children, n.children[:ci]...), a)
	if b != nil {
		children = append(children, b)
	}
	children = append(children, n.children[ci+1:]...)
	if len(children) <= maxChildren {
		x := newInner(children)
		x.gen = gen
		return x, nil
	}
	half := len(children) / 2
	x, y := newInner(children[:half:half]), newInner(children[half:])
	x.gen, y.gen = gen, gen
	return x, y
}

// insertGrow is slices.Insert, growing s by a quarter at a time and to at
// most limit (a node past full splits): capacity a node does not use is
// held by the cache for as long as the node lives.
func insertGrow[T any](s []T, i int, v T, limit int) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, min(max(len(s)/4, 4), limit-len(s)))
	}
	return slices.Insert(s, i, v)
}

// remove returns root without the item comparing equal to it, and whether
// there was one.
func remove(root *node, it *Item, cmp compareFunc) (*node, bool) {
	if root == nil {
		return nil, false
	}
	n, ok := removeAt(root, it, cmp)
	if !ok {
		return root, false
	}
	for n != nil && !n.leaf() && len(n.children) == 1 {
		n = n.children[0]
	}
	return n, true
}

func removeAt(n *node, it *Item, cmp compareFunc) (*node, bool) {
	if n.leaf() {
		i := sort.Search(len(n.items), func(i int) bool { return cmp(n.items[i], it) >= 0 })
		if i == len(n.items) || cmp(n.items[i], it) != 0 {
			return n, false
		}
		if len(n.items) == 1 {
			return nil, true
		}
		items := make([]*Item, 0, len(n.items)-1)
		return newLeaf(append(append(items, n.items[:i]...), n.items[i+1:]...)), true
	}
	ci := n.child(it, cmp)
	c, ok := removeAt(n.children[ci], it, cmp)
	if !ok {
		return n, false
	}
	children := make([]*node, 0, len(n.children)+1)
	children = append(children, n.children[:ci]...)
	if c != nil {
		children = append(children, c)
	}
	children = append(children, n.children[ci+1:]...)
	if c != nil && underfull(c) && len(children) > 1 {
		// Merge the shrunk child with a neighbour (and split the pair
		// again if together they overflow) so leaves stay dense.
		j := ci
		if j == len(children)-1 {
			j--
		}
		pair := rebalance(children[j], children[j+1])
		children = append(append(children[:j:j], pair...), children[j+2:]...)
	}
	if len(children) == 0 {
		return nil, true
	}
	return newInner(children), true
}

func underfull(n *node) bool {
	if n.leaf() {
		return len(n.items) < minLeaf
	}
	return len(n.children) < minChildren
}

// rebalance returns two neighbouring nodes of the same height as one node,
// or as two evenly filled ones when one would overflow.
func rebalance(a, b *node) []*node {
	if a.leaf() != b.leaf() {
		return []*node{a, b}
	}
	if a.leaf() {
		items := append(append(make([]*Item, 0, len(a.items)+len(b.items)), a.items...), b.items...)
		if len(items) <= maxLeaf {
			return []*node{newLeaf(items)}
		}
		half := len(items) / 2
		return []*node{newLeaf(items[:half:half]), newLeaf(items[half:])}
	}
	children := append(append(make([]*node, 0, len(a.children)+len(b.children)), a.children...), b.children...)
	if len(children) <= maxChildren {
		return []*node{newInner(children)}
	}
	half := len(children) / 2
	return []*node{newInner(children[:half:half]), newInner(children[half:])}
}

// replace returns root with the item equal to it (in order) swapped for it,
// for a change that keeps the item's position. Nodes of generation gen are
// changed in place, the others copied (into gen), as insert does: an update
// of an object whose leaf no snapshot has seen since allocates nothing.
func replace(root *node, it *Item, cmp compareFunc, gen uint64) (*node, bool) {
	if root == nil {
		return nil, false
	}
	if root.leaf() {
		i := sort.Search(len(root.items), func(i int) bool { return cmp(root.items[i], it) >= 0 })
		if i == len(root.items) || cmp(root.items[i], it) != 0 {
			return root, false
		}
		n := root
		if !n.owned(gen) {
			n = newLeaf(slices.Clone(root.items))
			n.gen = gen
		}
		n.items[i], n.sigs[i], n.ids[i] = it, it.sig, it.id
		n.lo = n.items[0]
		return n, true
	}
	ci := root.child(it, cmp)
	c, ok := replace(root.children[ci], it, cmp, gen)
	if !ok {
		return root, false
	}
	n := root
	if !n.owned(gen) {
		n = newInner(slices.Clone(root.children))
		n.gen = gen
	}
	n.children[ci] = c
	n.lo = n.children[0].lo
	return n, true
}

// rank returns how many items of the tree order before it (strictly, or up
// to and including equal ones when inclusive).
func rank(root *node, it *Item, cmp compareFunc, inclusive bool) int {
	if inclusive {
		return rankFunc(root, func(x *Item) bool { return cmp(x, it) <= 0 })
	}
	return rankFunc(root, func(x *Item) bool { return cmp(x, it) < 0 })
}

// rankFunc is the number of items for which before returns true; before
// must be monotone (true, then false) in the tree's order.
func rankFunc(root *node, before func(*Item) bool) int {
	r := 0
	for n := root; n != nil; {
		if n.leaf() {
			return r + sort.Search(len(n.items), func(i int) bool { return !before(n.items[i]) })
		}
		ci := sort.Search(len(n.children), func(i int) bool { return !before(n.children[i].lo) }) - 1
		if ci < 0 {
			return r
		}
		for _, c := range n.children[:ci] {
			r += c.size
		}
		n = n.children[ci]
	}
	return r
}

// at returns the item at position i, which must be in range.
func at(n *node, i int) *Item {
	for !n.leaf() {
		for _, c := range n.children {
			if i < c.size {
				n = c
				break
			}
			i -= c.size
		}
	}
	return n.items[i]
}

// ascend calls fn for the items at positions from, from+1, ... in order
// until fn returns false or the tree ends. It returns false if fn did.
func ascend(n *node, from int, fn func(*Item) bool) bool {
	if n == nil || from >= n.size {
		return true
	}
	if n.leaf() {
		for _, it := range n.items[max(from, 0):] {
			if !fn(it) {
				return false
			}
		}
		return true
	}
	for _, c := range n.children {
		if from >= c.size {
			from -= c.size
			continue
		}
		if !ascend(c, from, fn) {
			return false
		}
		from = 0
	}
	return true
}

// descend calls fn for the items at positions from, from-1, ... down to 0
// until fn returns false. It returns false if fn did.
func descend(n *node, from int, fn func(*Item) bool) bool {
	if n == nil || from < 0 {
		return true
	}
	if n.leaf() {
		for i := min(from, len(n.items)-1); i >= 0; i-- {
			if !fn(n.items[i]) {
				return false
			}
		}
		return true
	}
	// offset of each child: walk forward to the child holding from, then
	// back.
	offset, ci := 0, 0
	for ci < len(n.children)-1 && from >= offset+n.children[ci].size {
		offset += n.children[ci].size
		ci++
	}
	for ; ci >= 0; ci-- {
		if !descend(n.children[ci], from-offset, fn) {
			return false
		}
		if ci > 0 {
			from = offset - 1
			offset -= n.children[ci-1].size
		}
	}
	return true
}

// leafRange calls fn with the parts of the leaves that hold positions
// [lo, hi) (items, their name signatures and slots), in order, or in
// reverse order of leaves when desc (fn then reads each slice backwards). It
// stops when fn returns false, and returns false then.
func leafRange(n *node, lo, hi int, desc bool, fn leafFunc) bool {
	if n == nil || lo >= hi || hi <= 0 || lo >= n.size {
		return true
	}
	if n.leaf() {
		from, to := max(lo, 0), min(hi, len(n.items))
		return fn(n.items[from:to], n.sigs[from:to], n.ids[from:to])
	}
	if !desc {
		off := 0
		for _, c := range n.children {
			if off >= hi {
				break
			}
			if off+c.size > lo && !leafRange(c, lo-off, hi-off, false, fn) {
				return false
			}
			off += c.size
		}
		return true
	}
	off := n.size
	for i := len(n.children) - 1; i >= 0; i-- {
		c := n.children[i]
		off -= c.size
		if off+c.size <= lo {
			break
		}
		if off < hi && !leafRange(c, lo-off, hi-off, true, fn) {
			return false
		}
	}
	return true
}
