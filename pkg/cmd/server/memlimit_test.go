package server

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// The memory limit is read from the process's own cgroup, v2 or v1, in a
// container's cgroup namespace or not; "max" and v1's huge "no limit" are no
// limit.
func TestCgroupMemoryLimit(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		want  int64
		ok    bool
	}{
		"v2 in a container": {map[string]string{"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/memory.max": "2147483648\n"}, 2147483648, true},
		"v2 on a host": {map[string]string{"proc/self/cgroup": "0::/system.slice/ks.service\n",
			"sys/fs/cgroup/system.slice/ks.service/memory.max": "1073741824\n", "sys/fs/cgroup/memory.max": "max\n"}, 1073741824, true},
		"v2 unlimited": {map[string]string{"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/memory.max": "max\n"}, 0, false},
		"v1": {map[string]string{"proc/self/cgroup": "12:cpu,cpuacct:/\n9:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n"}, 536870912, true},
		"v1 unlimited": {map[string]string{"proc/self/cgroup": "9:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0, false},
		"none": {map[string]string{}, 0, false},
	} {
		t.Run(name, func(t *testing.T) {
			got, file, ok := cgroupMemoryLimit(writeFiles(t, tc.files))
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %d %v from %q, want %d %v", got, ok, file, tc.want, tc.ok)
			}
		})
	}
}

// Without GOMEMLIMIT the runtime's limit becomes 90% of the cgroup's; with
// it, GOMEMLIMIT stands.
func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	root := writeFiles(t, map[string]string{"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/memory.max": "1000000000\n"})

	t.Setenv("GOMEMLIMIT", "")
	applyMemoryLimit(root)
	if got := debug.SetMemoryLimit(-1); got != 900000000 {
		t.Fatalf("memory limit %d, want 900000000", got)
	}

	debug.SetMemoryLimit(before)
	t.Setenv("GOMEMLIMIT", "123MiB")
	applyMemoryLimit(root)
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("memory limit %d with GOMEMLIMIT set, want it untouched (%d)", got, before)
	}
}
