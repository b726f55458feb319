package query

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
)

// fingerprint hashes everything a snapshot can reach: every tree node, leaf
// slice, posting, block, label key, map node and slot-table node, by
// content and by address. Changes made in place to the index's newest
// nodes must leave it as it was when the snapshot was taken.
type fingerprint struct{ h maphash.Hash }

func (f *fingerprint) ptr(p unsafe.Pointer) { maphash.WriteComparable(&f.h, uintptr(p)) }
func (f *fingerprint) num(v uint64)         { maphash.WriteComparable(&f.h, v) }

func (f *fingerprint) snapshot(s *Snapshot) uint64 {
	f.h.Reset()
	for _, roots := range [][]*node{s.global, s.byNS} {
		f.num(uint64(len(roots)))
		for _, n := range roots {
			f.node(n)
		}
	}
	l := &s.labels
	hamt(f, l.keys.root, func(lk *labelKey) {
		f.ptr(unsafe.Pointer(lk))
		f.num(lk.gen)
		f.posting(lk.all)
		hamt(f, lk.values.root, f.posting)
	})
	f.num(uint64(l.keys.n))
	f.posting(l.live)
	f.slots(l.slots.root)
	f.num(uint64(l.slots.depth))
	f.num(uint64(l.next))
	f.num(uint64(len(l.attrs)))
	for _, m := range l.attrs {
		hamt(f, m.root, f.posting)
		f.num(uint64(m.n))
	}
	return f.h.Sum64()
}

func (f *fingerprint) node(n *node) {
	f.ptr(unsafe.Pointer(n))
	if n == nil {
		return
	}
	f.num(uint64(n.size))
	f.num(n.gen)
	f.ptr(unsafe.Pointer(n.lo))
	f.num(uint64(len(n.items)))
	for i, it := range n.items {
		f.ptr(unsafe.Pointer(it))
		f.num(n.sigs[i])
		f.num(uint64(n.ids[i]))
	}
	f.num(uint64(len(n.sigs)<<32 | len(n.ids)))
	f.num(uint64(len(n.children)))
	for _, c := range n.children {
		f.node(c)
	}
}

func (f *fingerprint) posting(p *posting) {
	f.ptr(unsafe.Pointer(p))
	if p == nil {
		return
	}
	f.num(uint64(p.n))
	f.num(p.gen)
	f.num(uint64(len(p.ids)))
	for _, id := range p.ids {
		f.num(uint64(id))
	}
	f.num(uint64(len(p.blocks)))
	for _, b := range p.blocks {
		f.ptr(unsafe.Pointer(b))
		if b != nil {
			for _, w := range b {
				f.num(w)
			}
		}
	}
	f.num(uint64(len(p.own)))
	for _, o := range p.own {
		if o {
			f.num(1)
		} else {
			f.num(0)
		}
	}
}

func (f *fingerprint) slots(n *slotNode) {
	f.ptr(unsafe.Pointer(n))
	if n == nil {
		return
	}
	f.num(n.gen)
	for _, it := range n.items {
		f.ptr(unsafe.Pointer(it))
	}
	for _, k := range n.kids {
		f.slots(k)
	}
}

func hamt[V any](f *fingerprint, n *hnode[V], val func(V)) {
	f.ptr(unsafe.Pointer(n))
	if n == nil {
		return
	}
	f.num(n.bitmap)
	f.num(uint64(len(n.entries)))
	for _, e := range n.entries {
		f.num(e.hash)
		f.h.WriteString(e.key)
		if e.child != nil {
			hamt(f, e.child, val)
		} else {
			val(e.val)
		}
	}
}

// TestFrozenNodesNeverChange builds an index as an informer fills it (mostly
// inserts, then updates, relabels and deletes), taking snapshots at random
// moments, some close together and some far apart, and checks that nothing a
// snapshot reaches changes afterwards: in-place changes must stay within the
// nodes made since the last snapshot.
func TestFrozenNodesNeverChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	ix := NewIndex(testType())
	phases := []corev1.PodPhase{corev1.PodRunning, corev1.PodPending, corev1.PodFailed}
	objs := map[string]*corev1.Pod{}
	var keys []string
	type frozen struct {
		snap  *Snapshot
		step  int
		print uint64
	}
	var held []frozen
	var f fingerprint
	f.h.SetSeed(maphash.MakeSeed())
	check := func(step int, all bool) {
		t.Helper()
		for i, h := range held {
			if !all && i%7 != step%7 {
				continue
			}
			if got := f.snapshot(h.snap); got != h.print {
				t.Fatalf("step %d: the snapshot of step %d changed (a frozen node was modified in place)", step, h.step)
			}
		}
	}
	next := 0
	for step := 0; step < 30000; step++ {
		switch op := rng.IntN(100); {
		case step < 15000 || op < 50 || len(keys) == 0: // a new object
			ns, name := fmt.Sprintf("ns%d", rng.IntN(5)), fmt.Sprintf("p%05d", rng.IntN(100000))
			key := ns + "/" + name
			if _, ok := objs[key]; ok {
				continue
			}
			p := testPod(ns, name, rng.IntN(50), phases[rng.IntN(len(phases))])
			p.Labels = randomLabels(rng, name)
			if err := ix.Set(p); err != nil {
				t.Fatal(err)
			}
			objs[key] = p
			keys = append(keys, key)
		case op < 85: // a change: phase, labels, or creation time
			key := keys[rng.IntN(len(keys))]
			old := objs[key]
			p := testPod(old.Namespace, old.Name, int(old.CreationTimestamp.Unix()), phases[rng.IntN(len(phases))])
			p.Labels = old.Labels
			if rng.IntN(2) == 0 {
				p.Labels = randomLabels(rng, old.Name)
			}
			if rng.IntN(4) == 0 {
				p.CreationTimestamp.Time = p.CreationTimestamp.Add(time.Duration(1+rng.Int64N(5)) * time.Second)
			}
			if err := ix.Set(p); err != nil {
				t.Fatal(err)
			}
			objs[key] = p
		default: // a deletion
			i := rng.IntN(len(keys))
			key := keys[i]
			ix.Delete(objs[key])
			delete(objs, key)
			keys[i] = keys[len(keys)-1]
			keys = keys[:len(keys)-1]
		}
		if step < next {
			continue
		}
		// Snapshots a step apart, or hundreds: both long runs of in-place
		// changes and nodes frozen right after they were made.
		next = step + 1 + rng.IntN([]int{2, 50, 1500}[rng.IntN(3)])
		s := ix.Snapshot()
		held = append(held, frozen{snap: s, step: step, print: f.snapshot(s)})
		if got := s.Len(); got != len(objs) {
			t.Fatalf("step %d: snapshot has %d items, want %d", step, got, len(objs))
		}
		check(step, false)
	}
	check(-1, true)
	if len(held) < 50 {
		t.Fatalf("only %d snapshots taken", len(held))
	}
}
