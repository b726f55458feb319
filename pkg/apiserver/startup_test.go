package apiserver

import "testing"

func TestStartupMemoryCheck(t *testing.T) {
	check := newStartupMemory()
	if check.Name() != "startup-memory-returned" {
		t.Errorf("name %q", check.Name())
	}
	if err := check.Check(nil); err == nil {
		t.Errorf("ready before the start-up memory was returned")
	}
	close(check.done)
	if err := check.Check(nil); err != nil {
		t.Errorf("not ready once the start-up memory was returned: %v", err)
	}
}
