package apiserver

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// releaseAfterSync waits for the upstream caches' initial lists and then
// returns the start-up garbage to the OS, and says so to released (a readyz
// check): decoding and indexing every object leaves the heap (and RSS) at about 2.6 times what the caches keep, which
// the runtime would otherwise give back only slowly, if ever (the heap
// grows again to twice the live data before each collection). restoreGC
// undoes mirror.RelaxGCForSync first.
func releaseAfterSync(ctx context.Context, caches *mirror.Caches, restoreGC func(), released startupMemory) {
	start := time.Now()
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(context.Context) (bool, error) {
		return caches.ReadyCheck().Check(nil) == nil, nil
	})
	restoreGC()
	if err != nil {
		return
	}
	held, returned, live := releaseMemory()
	close(released.done)
	klog.InfoS("Upstream caches synced; start-up memory returned to the OS", "after", time.Since(start).Round(time.Millisecond),
		"heapLiveBytes", live, "heapHeldBytesBefore", held, "heapHeldBytesAfter", returned)
}

// releaseMemory collects and returns free heap memory to the OS, and
// reports the heap held from the OS before and after, and the live heap.
func releaseMemory() (held, returned, live uint64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	held = m.HeapSys - m.HeapReleased
	debug.FreeOSMemory()
	runtime.ReadMemStats(&m)
	return held, m.HeapSys - m.HeapReleased, m.HeapAlloc
}

// startupMemory is the readyz check "startup-memory-returned": ready once
// releaseAfterSync has returned the start-up garbage, a moment after the
// caches synced (0.7-1 s at 100k pods), so that a replica is ready at the
// RSS it keeps (at 100k pods about 850 MB instead of 1.1-1.3 GB).
type startupMemory struct{ done chan struct{} }

func newStartupMemory() startupMemory { return startupMemory{done: make(chan struct{})} }

// Name names the check.
func (startupMemory) Name() string { return "startup-memory-returned" }

// Check fails until the start-up memory is returned.
func (s startupMemory) Check(*http.Request) error {
	select {
	case <-s.done:
		return nil
	default:
		return errors.New("start-up memory not yet returned to the OS")
	}
}
