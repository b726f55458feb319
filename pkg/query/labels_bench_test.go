package query

import (
	"fmt"
	"testing"
	"unsafe"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// labelIndexBytes counts the bytes the label index holds beyond the
// objects and trees: the slot table, the postings and the maps to them, and
// the slots beside the items in the trees' leaves. Label strings are the
// objects' own and are not counted.
func labelIndexBytes(ix *Index) (slots, postings, maps, leafIDs int) {
	var slotWalk func(n *slotNode)
	slotWalk = func(n *slotNode) {
		if n == nil {
			return
		}
		slots += int(unsafe.Sizeof(*n)) + cap(n.kids)*8 + cap(n.items)*8
		for _, c := range n.kids {
			slotWalk(c)
		}
	}
	s := ix.Snapshot()
	slotWalk(s.labels.slots.root)
	countPosting := func(p *posting) {
		if p == nil {
			return
		}
		postings += int(unsafe.Sizeof(*p)) + cap(p.ids)*4 + cap(p.blocks)*8
		for _, b := range p.blocks {
			if b != nil {
				postings += int(unsafe.Sizeof(*b))
			}
		}
	}
	countPosting(s.labels.live)
	var mapWalk func(n *hnode[*posting])
	mapWalk = func(n *hnode[*posting]) {
		if n == nil {
			return
		}
		maps += int(unsafe.Sizeof(*n)) + cap(n.entries)*int(unsafe.Sizeof(hentry[*posting]{}))
		for _, e := range n.entries {
			if e.child != nil {
				mapWalk(e.child)
			} else {
				countPosting(e.val)
			}
		}
	}
	var keyWalk func(n *hnode[*labelKey])
	keyWalk = func(n *hnode[*labelKey]) {
		if n == nil {
			return
		}
		maps += int(unsafe.Sizeof(*n)) + cap(n.entries)*int(unsafe.Sizeof(hentry[*labelKey]{}))
		for _, e := range n.entries {
			if e.child != nil {
				keyWalk(e.child)
				continue
			}
			maps += int(unsafe.Sizeof(*e.val))
			countPosting(e.val.all)
			mapWalk(e.val.values.root)
		}
	}
	keyWalk(s.labels.keys.root)
	var leafWalk func(n *node)
	leafWalk = func(n *node) {
		if n == nil {
			return
		}
		leafIDs += cap(n.ids)*4 + 24
		for _, c := range n.children {
			leafWalk(c)
		}
	}
	for _, root := range append(append([]*node(nil), s.global...), s.byNS...) {
		leafWalk(root)
	}
	return slots, postings, maps, leafIDs
}

// BenchmarkLabelIndexBytes prints the bytes per pod of the label index over
// 100k realistic pods (five labels each, as a Deployment's), counted
// structure by structure.
func BenchmarkLabelIndexBytes(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 4_000 // a smoke run: the benchmark works, the figure means little
	}
	t := (&Type{Resource: "pods", Namespaced: true}).Complete()
	ix := NewIndex(t)
	for i := range n {
		p := fixtures.RealisticPod(i)
		p.ManagedFields = nil
		if err := ix.Set(runtime.Object(p)); err != nil {
			b.Fatal(err)
		}
	}
	slots, postings, maps, leafIDs := labelIndexBytes(ix)
	total := slots + postings + maps + leafIDs
	fmt.Printf("label index at %d pods: %.1f B/pod (slot table %.1f, postings %.1f, label maps %.1f, slots in tree leaves %.1f; "+
		"besides, an Item with its slot number is %d B, allocated in the 144 B size class, 128 B without)\n",
		n, float64(total)/float64(n), float64(slots)/float64(n), float64(postings)/float64(n), float64(maps)/float64(n), float64(leafIDs)/float64(n), unsafe.Sizeof(Item{}))
	b.ReportMetric(float64(total)/float64(n), "label-index-B/pod")
}
