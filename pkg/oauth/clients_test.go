package oauth

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClientsFile(t *testing.T) {
	sum := sha256.Sum256([]byte("console-secret"))
	file := filepath.Join(t.TempDir(), "clients.yaml")
	content := `clients:
- id: console
  secretHash: sha256:` + hex.EncodeToString(sum[:]) + `
  grants: [password, refresh_token]
  accessTokenTTL: 15m
  redirectURIs: [https://console.example.com/]
- id: script
  secret: plain
  grants: [refresh_token]
`
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	configs, err := LoadClientsFile(file)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := NewClients(configs, 2*time.Hour, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	console, ok := clients.Authenticate("console", "console-secret")
	if !ok || console.AccessTokenTTL != 15*time.Minute || console.RefreshTokenTTL != 24*time.Hour || !console.AllowsRedirect("https://console.example.com/") {
		t.Fatalf("%+v", console)
	}
	if console.AllowsRedirect("https://console.example.com/evil") {
		t.Fatal("redirect URIs must match exactly")
	}
	if _, ok := clients.Authenticate("console", "console-secre"); ok {
		t.Fatal("a prefix of the secret authenticated")
	}
	if _, ok := clients.Authenticate("script", "plain"); !ok {
		t.Fatal("plaintext secret")
	}
	for name, bad := range map[string]string{
		"unknown field": "clients:\n- id: a\n  secret: b\n  grant: [password]\n",
		"no secret":     "clients:\n- id: a\n  grants: [password]\n",
		"both secrets":  "clients:\n- id: a\n  secret: b\n  secretHash: sha256:00\n",
		"bad hash":      "clients:\n- id: a\n  secretHash: md5:00\n",
		"bad grant":     "clients:\n- id: a\n  secret: b\n  grants: [implicit]\n",
		"bad ttl":       "clients:\n- id: a\n  secret: b\n  accessTokenTTL: forever\n",
		"relative URI":  "clients:\n- id: a\n  secret: b\n  redirectURIs: [/home]\n",
		"duplicate id":  "clients:\n- id: a\n  secret: b\n- id: a\n  secret: c\n",
		"missing id":    "clients:\n- secret: b\n",
	} {
		if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		configs, err := LoadClientsFile(file)
		if err == nil {
			_, err = NewClients(configs, time.Hour, time.Hour)
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "plain") {
			t.Errorf("%s: error shows a secret: %v", name, err)
		}
	}
}
