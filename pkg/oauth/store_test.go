package oauth_test

import (
	"testing"

	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	"github.com/ks-apiserver/ks-apiserver/pkg/oauth/storetest"
)

// The store conformance suite on the in-memory store; test/e2e runs it on
// the Secret-backed store against a real kube-apiserver.
func TestMemoryStoreConformance(t *testing.T) {
	s := oauth.NewMemoryStore()
	storetest.Run(t, s, s, "memory")
}
