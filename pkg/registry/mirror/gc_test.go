package mirror_test

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// TestRelaxGCForSync checks that GOGC is raised for the initial sync only
// when a memory limit bounds the heap, restored afterwards, and left alone
// when the operator set it higher or off.
func TestRelaxGCForSync(t *testing.T) {
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	prevGC := debug.SetGCPercent(100)
	t.Cleanup(func() {
		debug.SetMemoryLimit(prevLimit)
		debug.SetGCPercent(prevGC)
	})
	gc := func() int {
		v := debug.SetGCPercent(-1)
		debug.SetGCPercent(v)
		return v
	}

	restore := mirror.RelaxGCForSync()
	if got := gc(); got != 100 {
		t.Fatalf("without a memory limit GOGC is %d during sync, want 100 (unbounded heap)", got)
	}
	restore()

	debug.SetMemoryLimit(1 << 30)
	restore = mirror.RelaxGCForSync()
	if got := gc(); got != mirror.SyncGCPercent {
		t.Fatalf("with a memory limit GOGC is %d during sync, want %d", got, mirror.SyncGCPercent)
	}
	restore()
	if got := gc(); got != 100 {
		t.Fatalf("GOGC after sync is %d, want 100 restored", got)
	}

	for _, operator := range []int{-1, 1000} {
		debug.SetGCPercent(operator)
		restore = mirror.RelaxGCForSync()
		if got := gc(); got != operator {
			t.Fatalf("operator's GOGC %d became %d during sync", operator, got)
		}
		restore()
		if got := gc(); got != operator {
			t.Fatalf("operator's GOGC %d became %d after sync", operator, got)
		}
	}
}
