package query

// tree is a persistent treap of items ordered by a comparison function, with
// subtree sizes for positional access. Every change returns a new root and
// copies only the nodes on the changed paths; an old root stays a valid,
// unchanging snapshot for as long as someone holds it. Nodes are never
// modified once reachable from a root.
type node struct {
	it          *Item
	left, right *node
	pri         uint32
	size        int
}

type compareFunc func(a, b *Item) int

func size(n *node) int {
	if n == nil {
		return 0
	}
	return n.size
}

// with returns a copy of n with new children.
func (n *node) with(left, right *node) *node {
	return &node{it: n.it, left: left, right: right, pri: n.pri, size: size(left) + size(right) + 1}
}

// insert returns root with it added; it must not be in the tree yet.
func insert(root *node, it *Item, pri uint32, cmp compareFunc) *node {
	if root == nil {
		return &node{it: it, pri: pri, size: 1}
	}
	if cmp(it, root.it) < 0 {
		l := insert(root.left, it, pri, cmp)
		if l.pri > root.pri {
			// rotate right: l becomes the root of this subtree.
			return l.with(l.left, root.with(l.right, root.right))
		}
		return root.with(l, root.right)
	}
	r := insert(root.right, it, pri, cmp)
	if r.pri > root.pri {
		return r.with(root.with(root.left, r.left), r.right)
	}
	return root.with(root.left, r)
}

// remove returns root without the item comparing equal to it, and whether
// there was one.
func remove(root *node, it *Item, cmp compareFunc) (*node, bool) {
	if root == nil {
		return nil, false
	}
	switch c := cmp(it, root.it); {
	case c < 0:
		l, ok := remove(root.left, it, cmp)
		if !ok {
			return root, false
		}
		return root.with(l, root.right), true
	case c > 0:
		r, ok := remove(root.right, it, cmp)
		if !ok {
			return root, false
		}
		return root.with(root.left, r), true
	}
	return merge(root.left, root.right), true
}

// replace returns root with the item equal to it (in order) swapped for it,
// for a change that keeps the item's position.
func replace(root *node, it *Item, cmp compareFunc) (*node, bool) {
	if root == nil {
		return nil, false
	}
	switch c := cmp(it, root.it); {
	case c < 0:
		l, ok := replace(root.left, it, cmp)
		if !ok {
			return root, false
		}
		return root.with(l, root.right), true
	case c > 0:
		r, ok := replace(root.right, it, cmp)
		if !ok {
			return root, false
		}
		return root.with(root.left, r), true
	}
	n := root.with(root.left, root.right)
	n.it = it
	return n, true
}

// merge joins two trees where every item of a orders before every item of b.
func merge(a, b *node) *node {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.pri > b.pri:
		return a.with(a.left, merge(a.right, b))
	default:
		return b.with(merge(a, b.left), b.right)
	}
}

// rank returns how many items of the tree order before it (strictly, or up
// to and including equal ones when inclusive).
func rank(root *node, it *Item, cmp compareFunc, inclusive bool) int {
	r := 0
	for n := root; n != nil; {
		c := cmp(it, n.it)
		if c < 0 || (c == 0 && !inclusive) {
			n = n.left
			continue
		}
		r += size(n.left) + 1
		n = n.right
	}
	return r
}

// rankFunc is rank for a position given by a probe: the number of items for
// which before returns true; before must be monotone (true, then false) in
// the tree's order.
func rankFunc(root *node, before func(*Item) bool) int {
	r := 0
	for n := root; n != nil; {
		if before(n.it) {
			r += size(n.left) + 1
			n = n.right
		} else {
			n = n.left
		}
	}
	return r
}

// ascend calls fn for the items at positions from, from+1, ... in order
// until fn returns false or the tree ends. It returns false if fn did.
func ascend(n *node, from int, fn func(*Item) bool) bool {
	for n != nil {
		ls := size(n.left)
		if from < ls {
			if !ascend(n.left, from, fn) {
				return false
			}
			from = 0
		} else {
			from -= ls
		}
		if from == 0 {
			if !fn(n.it) {
				return false
			}
		} else {
			from--
		}
		n = n.right
	}
	return true
}

// descend calls fn for the items at positions from, from-1, ... down to 0
// until fn returns false. It returns false if fn did.
func descend(n *node, from int, fn func(*Item) bool) bool {
	for n != nil && from >= 0 {
		ls := size(n.left)
		if from > ls {
			if !descend(n.right, from-ls-1, fn) {
				return false
			}
			from = ls
		}
		if from == ls {
			if !fn(n.it) {
				return false
			}
			from--
		}
		n = n.left
	}
	return true
}
