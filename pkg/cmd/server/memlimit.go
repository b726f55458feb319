package server

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"k8s.io/klog/v2"
)

// memoryLimitShare is the part of the container's memory limit the Go
// runtime aims to stay under: the rest is for what it does not count
// (the binary's text, fragmentation) and for its own reaction time.
const memoryLimitShare = 0.9

// applyMemoryLimit gives the Go runtime a soft memory limit of 90% of the
// cgroup memory limit of the process when GOMEMLIMIT is unset, so that the
// garbage collector works harder near the limit instead of letting the heap
// double past it and the container be OOM-killed. root is "/" outside tests.
func applyMemoryLimit(root string) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		klog.InfoS("Go memory limit from GOMEMLIMIT", "GOMEMLIMIT", v, "bytes", debug.SetMemoryLimit(-1))
		return
	}
	limit, file, ok := cgroupMemoryLimit(root)
	if !ok {
		klog.V(2).InfoS("No cgroup memory limit found; the Go runtime has no memory limit")
		return
	}
	soft := int64(float64(limit) * memoryLimitShare)
	debug.SetMemoryLimit(soft)
	klog.InfoS("Go memory limit set from the cgroup memory limit", "cgroupLimit", limit, "file", file, "goMemoryLimit", soft)
}

// cgroupMemoryLimit returns the memory limit of the process's cgroup (v2
// memory.max, else v1 memory.limit_in_bytes) and the file it came from;
// false when there is none or it is unlimited.
func cgroupMemoryLimit(root string) (int64, string, bool) {
	var candidates []string
	// The process's own cgroup, as /proc/self/cgroup names it: "0::/path"
	// (v2) or "N:memory:/path" (v1); inside a container's cgroup namespace
	// the path is "/" and the mount point is the cgroup itself.
	if f, err := os.Open(filepath.Join(root, "proc/self/cgroup")); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			parts := strings.SplitN(s.Text(), ":", 3)
			if len(parts) != 3 {
				continue
			}
			switch {
			case parts[0] == "0" && parts[1] == "":
				candidates = append(candidates, filepath.Join(root, "sys/fs/cgroup", parts[2], "memory.max"))
			case strings.Contains(","+parts[1]+",", ",memory,"):
				candidates = append(candidates, filepath.Join(root, "sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes"))
			}
		}
		_ = f.Close()
	}
	candidates = append(candidates,
		filepath.Join(root, "sys/fs/cgroup/memory.max"),
		filepath.Join(root, "sys/fs/cgroup/memory/memory.limit_in_bytes"))
	for _, file := range candidates {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(data))
		if v == "max" {
			return 0, file, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		// cgroup v1 writes "no limit" as a page-rounded MaxInt64.
		if err != nil || n <= 0 || n >= 1<<62 {
			return 0, file, false
		}
		return n, file, true
	}
	return 0, "", false
}
