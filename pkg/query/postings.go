package query

import (
	"hash/maphash"
	"math/bits"
	"slices"
)

// The label index maps each label key, and each key=value, to the set of
// objects carrying it: a posting of slot numbers (Item.id). Like the trees,
// every structure here is persistent: a change returns a new version and
// copies only what it touches, so a snapshot keeps the postings of its
// moment for as long as it is held.

// Posting sizes: up to smallPosting members a posting is a sorted slice (a
// copy of at most 2 KiB per change); beyond, a bitmap in blocks of
// 1<<blockShift slots, of which a change copies one block and the block
// directory.
const (
	smallPosting = 512
	blockShift   = 12
	blockWords   = 1 << blockShift / 64
)

type block = [blockWords]uint64

// posting is a set of slots, immutable once a snapshot can reach it; nil
// is the empty set.
type posting struct {
	n      int
	ids    []uint32 // sorted, when n <= smallPosting
	blocks []*block // by slot>>blockShift, nil when empty; otherwise
	// gen is the index generation that may still add to the posting in
	// place (0: none); own marks the blocks it allocated itself in it.
	gen uint64
	own []bool
}

func (p *posting) len() int {
	if p == nil {
		return 0
	}
	return p.n
}

func (p *posting) has(id uint32) bool {
	if p == nil {
		return false
	}
	if p.blocks == nil {
		_, ok := slices.BinarySearch(p.ids, id)
		return ok
	}
	bi := int(id >> blockShift)
	if bi >= len(p.blocks) || p.blocks[bi] == nil {
		return false
	}
	w := id & (1<<blockShift - 1)
	return p.blocks[bi][w/64]&(1<<(w%64)) != 0
}

// with returns p plus id (p itself when id is in it). A posting of
// generation gen is changed in place and returned.
func (p *posting) with(id uint32, gen uint64) *posting {
	if p.has(id) {
		return p
	}
	if p == nil {
		return &posting{n: 1, ids: []uint32{id}, gen: gen}
	}
	if gen != 0 && p.gen == gen {
		return p.add(id)
	}
	if p.blocks == nil && p.n < smallPosting {
		i, _ := slices.BinarySearch(p.ids, id)
		ids := make([]uint32, 0, len(p.ids)+1)
		ids = append(append(append(ids, p.ids[:i]...), id), p.ids[i:]...)
		return &posting{n: p.n + 1, ids: ids, gen: gen}
	}
	blocks := p.blocks
	var own []bool
	if blocks == nil {
		blocks = toBlocks(p.ids)
		own = make([]bool, len(blocks))
		for i := range own {
			own[i] = true
		}
	}
	out := &posting{n: p.n, blocks: slices.Clone(blocks), gen: gen, own: own}
	return out.add(id)
}

// add puts id, which is not in p, into p in place: p belongs to the
// current generation, or was just made.
func (p *posting) add(id uint32) *posting {
	if p.blocks == nil && p.n < smallPosting {
		i, _ := slices.BinarySearch(p.ids, id)
		p.ids = slices.Insert(p.ids, i, id)
		p.n++
		return p
	}
	if p.blocks == nil {
		p.blocks = toBlocks(p.ids)
		p.ids = nil
		p.own = make([]bool, len(p.blocks))
		for i := range p.own {
			p.own[i] = true
		}
	}
	bi := int(id >> blockShift)
	for len(p.blocks) <= bi {
		p.blocks = append(p.blocks, nil)
	}
	for len(p.own) < len(p.blocks) {
		p.own = append(p.own, false)
	}
	if !p.own[bi] {
		b := new(block)
		if p.blocks[bi] != nil {
			*b = *p.blocks[bi]
		}
		p.blocks[bi], p.own[bi] = b, true
	}
	w := id & (1<<blockShift - 1)
	p.blocks[bi][w/64] |= 1 << (w % 64)
	p.n++
	return p
}

// without returns p minus id (p itself when id is not in it); nil when
// empty.
func (p *posting) without(id uint32) *posting {
	if !p.has(id) {
		return p
	}
	if p.n == 1 {
		return nil
	}
	if p.blocks == nil {
		i, _ := slices.BinarySearch(p.ids, id)
		ids := make([]uint32, 0, len(p.ids)-1)
		return &posting{n: p.n - 1, ids: append(append(ids, p.ids[:i]...), p.ids[i+1:]...)}
	}
	if p.n-1 <= smallPosting/2 {
		// Back to a slice, with room to grow before it turns into blocks
		// again.
		ids := make([]uint32, 0, p.n-1)
		p.each(func(x uint32) {
			if x != id {
				ids = append(ids, x)
			}
		})
		return &posting{n: p.n - 1, ids: ids}
	}
	bi := int(id >> blockShift)
	out := append([]*block(nil), p.blocks...)
	b := *out[bi]
	w := id & (1<<blockShift - 1)
	b[w/64] &^= 1 << (w % 64)
	out[bi] = &b
	if b == (block{}) {
		out[bi] = nil
	}
	return &posting{n: p.n - 1, blocks: out}
}

func toBlocks(ids []uint32) []*block {
	var blocks []*block
	for _, id := range ids {
		bi := int(id >> blockShift)
		for len(blocks) <= bi {
			blocks = append(blocks, nil)
		}
		if blocks[bi] == nil {
			blocks[bi] = new(block)
		}
		w := id & (1<<blockShift - 1)
		blocks[bi][w/64] |= 1 << (w % 64)
	}
	return blocks
}

// each calls fn for every member, in increasing order.
func (p *posting) each(fn func(uint32)) {
	if p == nil {
		return
	}
	if p.blocks == nil {
		for _, id := range p.ids {
			fn(id)
		}
		return
	}
	for bi, b := range p.blocks {
		if b == nil {
			continue
		}
		for wi, w := range b {
			for w != 0 {
				fn(uint32(bi<<blockShift + wi*64 + bits.TrailingZeros64(w)))
				w &= w - 1
			}
		}
	}
}

// orInto sets the members' bits in dense, a bitmap of slots.
func (p *posting) orInto(dense []uint64) { p.applyTo(dense, false) }

// clearFrom clears the members' bits in dense.
func (p *posting) clearFrom(dense []uint64) { p.applyTo(dense, true) }

// applyTo sets (or, with clear, clears) the members' bits in dense; bits
// past its end are ignored.
func (p *posting) applyTo(dense []uint64, clear bool) {
	if p == nil {
		return
	}
	if p.blocks == nil {
		for _, id := range p.ids {
			if i := int(id / 64); i < len(dense) {
				if clear {
					dense[i] &^= 1 << (id % 64)
				} else {
					dense[i] |= 1 << (id % 64)
				}
			}
		}
		return
	}
	for bi, b := range p.blocks {
		if b == nil {
			continue
		}
		off := bi * blockWords
		for wi, w := range b {
			if off+wi >= len(dense) {
				break
			}
			if clear {
				dense[off+wi] &^= w
			} else {
				dense[off+wi] |= w
			}
		}
	}
}

// pmap is a persistent map from strings: a hash array mapped trie of 64-way
// nodes, of which a change copies the path to its entry. The zero value is
// the empty map.
type pmap[V any] struct {
	root *hnode[V]
	n    int
}

type hnode[V any] struct {
	bitmap  uint64 // which of the 64 slots have an entry; unused in collision nodes
	entries []hentry[V]
}

type hentry[V any] struct {
	hash  uint64
	key   string
	val   V
	child *hnode[V] // a subtree, instead of key and val
}

const (
	hbits = 6
	// Past hmaxShift the hash is used up: a node holds its entries in a
	// list (keys with the same 64-bit hash).
	hmaxShift = 60
)

var pmapSeed = maphash.MakeSeed()

func pmapHash(key string) uint64 { return maphash.String(pmapSeed, key) }

func (m pmap[V]) len() int { return m.n }

func (m pmap[V]) get(key string) (V, bool) { return hget(m.root, pmapHash(key), key) }

func hget[V any](n *hnode[V], h uint64, key string) (V, bool) {
	for shift := 0; n != nil; shift += hbits {
		if shift >= hmaxShift {
			for _, e := range n.entries {
				if e.key == key {
					return e.val, true
				}
			}
			break
		}
		bit := uint64(1) << ((h >> shift) & 63)
		if n.bitmap&bit == 0 {
			break
		}
		e := &n.entries[bits.OnesCount64(n.bitmap&(bit-1))]
		if e.child != nil {
			n = e.child
			continue
		}
		if e.key == key {
			return e.val, true
		}
		break
	}
	var zero V
	return zero, false
}

// set returns m with key mapped to val.
func (m pmap[V]) set(key string, val V) pmap[V] {
	root, added := hset(m.root, pmapHash(key), key, val, 0)
	if added {
		m.n++
	}
	m.root = root
	return m
}

func hset[V any](n *hnode[V], h uint64, key string, val V, shift int) (*hnode[V], bool) {
	if n == nil {
		n = &hnode[V]{}
	}
	if shift >= hmaxShift {
		out := &hnode[V]{entries: append([]hentry[V](nil), n.entries...)}
		for i := range out.entries {
			if out.entries[i].key == key {
				out.entries[i].val = val
				return out, false
			}
		}
		out.entries = append(out.entries, hentry[V]{hash: h, key: key, val: val})
		return out, true
	}
	bit := uint64(1) << ((h >> shift) & 63)
	i := bits.OnesCount64(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		entries := make([]hentry[V], 0, len(n.entries)+1)
		entries = append(append(append(entries, n.entries[:i]...), hentry[V]{hash: h, key: key, val: val}), n.entries[i:]...)
		return &hnode[V]{bitmap: n.bitmap | bit, entries: entries}, true
	}
	out := &hnode[V]{bitmap: n.bitmap, entries: append([]hentry[V](nil), n.entries...)}
	e := &out.entries[i]
	added := false
	switch {
	case e.child != nil:
		e.child, added = hset(e.child, h, key, val, shift+hbits)
	case e.key == key:
		e.val = val
	default:
		// Two keys share this slot: move both one level down.
		child, _ := hset(nil, e.hash, e.key, e.val, shift+hbits)
		child, _ = hset(child, h, key, val, shift+hbits)
		*e = hentry[V]{child: child}
		added = true
	}
	return out, added
}

// del returns m without key.
func (m pmap[V]) del(key string) pmap[V] {
	root, ok := hdel(m.root, pmapHash(key), key, 0)
	if ok {
		m.n--
		m.root = root
	}
	return m
}

func hdel[V any](n *hnode[V], h uint64, key string, shift int) (*hnode[V], bool) {
	if n == nil {
		return nil, false
	}
	if shift >= hmaxShift {
		for i, e := range n.entries {
			if e.key == key {
				if len(n.entries) == 1 {
					return nil, true
				}
				entries := make([]hentry[V], 0, len(n.entries)-1)
				return &hnode[V]{entries: append(append(entries, n.entries[:i]...), n.entries[i+1:]...)}, true
			}
		}
		return n, false
	}
	bit := uint64(1) << ((h >> shift) & 63)
	if n.bitmap&bit == 0 {
		return n, false
	}
	i := bits.OnesCount64(n.bitmap & (bit - 1))
	e := n.entries[i]
	if e.child != nil {
		c, ok := hdel(e.child, h, key, shift+hbits)
		if !ok {
			return n, false
		}
		if c != nil {
			if len(c.entries) == 1 && c.entries[0].child == nil {
				e = c.entries[0] // a lone entry moves back up
			} else {
				e.child = c
			}
			out := &hnode[V]{bitmap: n.bitmap, entries: append([]hentry[V](nil), n.entries...)}
			out.entries[i] = e
			return out, true
		}
	} else if e.key != key {
		return n, false
	}
	if len(n.entries) == 1 {
		return nil, true
	}
	entries := make([]hentry[V], 0, len(n.entries)-1)
	return &hnode[V]{bitmap: n.bitmap &^ bit, entries: append(append(entries, n.entries[:i]...), n.entries[i+1:]...)}, true
}

// slotTable is a persistent array from slot to item: a trie of 32-way
// nodes, of which a change copies the path to its slot.
type slotTable struct {
	root  *slotNode
	depth int // levels; the table holds slots below 32^depth
}

type slotNode struct {
	kids  []*slotNode
	items []*Item
	gen   uint64 // index generation that may change the node in place (0: none)
}

const slotBits = 5

func (t slotTable) get(id uint32) *Item {
	if t.root == nil || uint64(id) >= 1<<(slotBits*t.depth) {
		return nil
	}
	n := t.root
	for d := t.depth - 1; d > 0; d-- {
		n = n.kids[(id>>(slotBits*d))&(1<<slotBits-1)]
		if n == nil {
			return nil
		}
	}
	return n.items[id&(1<<slotBits-1)]
}

func (t slotTable) set(id uint32, it *Item, gen uint64) slotTable {
	if t.root == nil {
		t = slotTable{root: &slotNode{items: make([]*Item, 1<<slotBits), gen: gen}, depth: 1}
	}
	for uint64(id) >= 1<<(slotBits*t.depth) {
		kids := make([]*slotNode, 1<<slotBits)
		kids[0] = t.root
		t = slotTable{root: &slotNode{kids: kids, gen: gen}, depth: t.depth + 1}
	}
	t.root = slotSet(t.root, t.depth-1, id, it, gen)
	return t
}

// slotSet returns n with slot id set to it: n itself, changed in place,
// when it is of generation gen, or else a copy.
func slotSet(n *slotNode, d int, id uint32, it *Item, gen uint64) *slotNode {
	out := n
	if n == nil || gen == 0 || n.gen != gen {
		out = &slotNode{gen: gen}
		if d == 0 {
			out.items = make([]*Item, 1<<slotBits)
			if n != nil {
				copy(out.items, n.items)
			}
		} else {
			out.kids = make([]*slotNode, 1<<slotBits)
			if n != nil {
				copy(out.kids, n.kids)
			}
		}
	}
	if d == 0 {
		out.items[id&(1<<slotBits-1)] = it
		return out
	}
	i := (id >> (slotBits * d)) & (1<<slotBits - 1)
	out.kids[i] = slotSet(out.kids[i], d-1, id, it, gen)
	return out
}
