package mirror

import (
	"math"
	"runtime/debug"
)

// SyncGCPercent is the GOGC the initial lists run with when the runtime has
// a memory limit: decoding and indexing every object allocates several
// times what the caches keep, and at the default 100 the collector marks the
// growing heap again and again (a quarter of start-up's CPU at 100k pods).
// The memory limit still bounds the heap. 200, not more: the heap held once
// synced and returned grows with it (1.65x the caches at 200, 1.85x at 400,
// against a target of 2x).
const SyncGCPercent = 200

// RelaxGCForSync raises GOGC to SyncGCPercent for the initial sync when a
// memory limit is set (GOMEMLIMIT, or the cgroup limit ks-apiserver applies)
// and GOGC is lower, and returns what restores the previous setting. Without
// a limit it changes nothing: the heap would have no bound.
func RelaxGCForSync() (restore func()) {
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		return func() {}
	}
	prev := debug.SetGCPercent(SyncGCPercent)
	if prev < 0 || prev >= SyncGCPercent {
		debug.SetGCPercent(prev) // GOGC=off, or already higher: the operator's choice
		return func() {}
	}
	return func() { debug.SetGCPercent(prev) }
}
