package query

import (
	"fmt"
	"maps"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkPosting compares p with the set want, through every way of reading it.
func checkPosting(t *testing.T, step int, p *posting, want map[uint32]bool, universe uint32) {
	t.Helper()
	if p.len() != len(want) {
		t.Fatalf("step %d: len %d, want %d", step, p.len(), len(want))
	}
	if len(want) == 0 && p != nil {
		t.Fatalf("step %d: an empty posting is not nil", step)
	}
	if p != nil && (p.blocks == nil) != (p.ids != nil || p.n == 0) {
		t.Fatalf("step %d: both or neither of ids and blocks", step)
	}
	var got []uint32
	p.each(func(id uint32) { got = append(got, id) })
	wantIDs := slices.Sorted(maps.Keys(want))
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("step %d: members %v, want %v", step, got, wantIDs)
	}
	for id := range universe {
		if p.has(id) != want[id] {
			t.Fatalf("step %d: has(%d) = %v", step, id, !want[id])
		}
	}
	dense := make([]uint64, (universe+63)/64)
	p.orInto(dense)
	n := 0
	for wi, w := range dense {
		n += bits.OnesCount64(w)
		for w != 0 {
			if id := uint32(wi*64 + bits.TrailingZeros64(w)); !want[id] {
				t.Fatalf("step %d: orInto set %d", step, id)
			}
			w &= w - 1
		}
	}
	if n != len(want) {
		t.Fatalf("step %d: orInto set %d bits, want %d", step, n, len(want))
	}
	p.clearFrom(dense)
	if slices.ContainsFunc(dense, func(w uint64) bool { return w != 0 }) {
		t.Fatalf("step %d: clearFrom left bits", step)
	}
}

// TestPostingMatchesSet adds and removes slots at random, growing postings
// past the slice size into blocks and shrinking them back, and checks
// every version against a plain set, old versions included.
func TestPostingMatchesSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const universe = 3 * (1 << blockShift) // three blocks
	var p *posting
	want := map[uint32]bool{}
	type version struct {
		p    *posting
		want map[uint32]bool
	}
	var old []version
	gen := uint64(1)
	for step := 0; step < 6000; step++ {
		// Grow for a while, then shrink, then grow again, so postings
		// cross the size where they change form both ways.
		grow := (step/1500)%2 == 0
		id := uint32(rng.IntN(universe))
		if rng.IntN(4) == 0 {
			id = uint32(rng.IntN(64)) // dense at the start, to empty whole words
		}
		if grow == (rng.IntN(10) > 0) {
			p = p.with(id, gen) // in place since the last recorded version
			want[id] = true
		} else {
			if len(want) > 0 && rng.IntN(10) > 0 {
				for x := range want { // remove a member
					id = x
					break
				}
			}
			p = p.without(id)
			delete(want, id)
		}
		if step%97 == 0 {
			checkPosting(t, step, p, want, universe)
			old = append(old, version{p, maps.Clone(want)})
			gen++ // recorded versions must not change
		}
	}
	for i, v := range old {
		checkPosting(t, -i, v.p, v.want, universe)
	}
}

// TestPmapMatchesMap checks the persistent map against a Go map, with
// hashes narrowed so that keys share nodes down to the collision lists.
func TestPmapMatchesMap(t *testing.T) {
	for _, hashBits := range []uint{64, 8, 0} {
		t.Run(fmt.Sprintf("hash bits %d", hashBits), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, uint64(hashBits)))
			hash := func(key string) uint64 {
				if hashBits == 64 {
					return pmapHash(key)
				}
				return pmapHash(key) & (1<<hashBits - 1)
			}
			var root *hnode[int]
			n := 0
			want := map[string]int{}
			type version struct {
				root *hnode[int]
				want map[string]int
			}
			var old []version
			check := func(step int, root *hnode[int], want map[string]int) {
				t.Helper()
				for i := range 300 {
					key := fmt.Sprint("k", i)
					got, ok := hget(root, hash(key), key)
					if w, wok := want[key]; ok != wok || got != w {
						t.Fatalf("step %d: get(%s) = %d, %v; want %d, %v", step, key, got, ok, w, wok)
					}
				}
			}
			for step := 0; step < 4000; step++ {
				key := fmt.Sprint("k", rng.IntN(300))
				if rng.IntN(3) > 0 {
					var added bool
					root, added = hset(root, hash(key), key, step, 0)
					if _, had := want[key]; added == had {
						t.Fatalf("step %d: set(%s) added=%v, present before %v", step, key, added, had)
					}
					if added {
						n++
					}
					want[key] = step
				} else {
					var removed bool
					root, removed = hdel(root, hash(key), key, 0)
					if _, had := want[key]; removed != had {
						t.Fatalf("step %d: del(%s) removed=%v, present %v", step, key, removed, had)
					}
					delete(want, key)
				}
				if step%50 == 0 {
					check(step, root, want)
					old = append(old, version{root, maps.Clone(want)})
				}
			}
			for i, v := range old {
				check(-i, v.root, v.want)
			}
			for key := range want {
				root, _ = hdel(root, hash(key), key, 0)
			}
			if root != nil {
				t.Fatal("a map emptied by deletes has nodes left")
			}
		})
	}
	var m pmap[string]
	m = m.set("a", "1").set("b", "2").set("a", "3").del("b").del("c")
	if v, ok := m.get("a"); !ok || v != "3" || m.len() != 1 {
		t.Fatalf("pmap: a=%q %v, len %d", v, ok, m.len())
	}
}

// TestSlotTable checks the persistent slot array, growing in depth, and
// that old versions keep their items.
func TestSlotTable(t *testing.T) {
	var tab slotTable
	items := make([]*Item, 40000)
	for i := range items {
		items[i] = &Item{Name: fmt.Sprint(i)}
	}
	v1 := tab.set(3, items[3], 0)
	v2 := v1.set(39999, items[39999], 0).set(3, nil, 0).set(1024, items[1024], 0)
	if v1.get(3) != items[3] || v1.get(39999) != nil || v1.get(1<<30) != nil {
		t.Fatal("first version changed")
	}
	if v2.get(3) != nil || v2.get(39999) != items[39999] || v2.get(1024) != items[1024] || v2.get(1025) != nil {
		t.Fatal("second version is wrong")
	}
	for i := range items {
		tab = tab.set(uint32(i), items[i], 0)
	}
	for i := range items {
		if tab.get(uint32(i)) != items[i] {
			t.Fatalf("slot %d", i)
		}
	}
}
