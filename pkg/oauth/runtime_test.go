package oauth

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// The runtime's periodic work runs on the server's clock (Config.Now): a
// test clock days away from the wall clock decides when keys are created
// and rotated.
func TestRuntimeUsesServerClock(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	core := fake.NewClientset()
	rt := &Runtime{Server: e.srv, Core: core, Namespace: "kubesphere-system",
		KeyRotationPeriod: 24 * time.Hour, KeyPublishLead: time.Hour, MaxTokenLife: 2 * time.Hour}
	// notBefore lists when the stored keys sign (the keys themselves are
	// secrets, never printed).
	keys := func() []time.Time {
		t.Helper()
		secret, err := core.CoreV1().Secrets(rt.Namespace).Get(ctx, KeysSecretName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var set KeySet
		if err := json.Unmarshal(secret.Data[keysDataKey], &set); err != nil {
			t.Fatal(err)
		}
		var out []time.Time
		for _, k := range set.Keys {
			out = append(out, k.NotBefore)
		}
		return out
	}

	if err := rt.ensureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keys(); len(got) != 1 || !got[0].Equal(e.clock.Now()) {
		t.Fatalf("created keys signing from %v, want one from the server's clock %v", got, e.clock.Now())
	}
	rt.rotateKeys(ctx)
	if got := keys(); len(got) != 1 {
		t.Fatalf("rotated at once: %d keys", len(got))
	}
	// One publish lead before the period ends, the next key is published.
	e.clock.Add(23 * time.Hour)
	rt.rotateKeys(ctx)
	got := keys()
	if len(got) != 2 || !got[1].Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("after 23 h on the server's clock: keys signing from %v, want a second key from %v", got, e.clock.Now().Add(time.Hour))
	}
}
