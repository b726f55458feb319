package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Grant types a client may be allowed.
const (
	GrantPassword     = "password"
	GrantRefreshToken = "refresh_token"
)

// ClientsFile is the format of --oauth-clients-file (YAML or JSON):
//
//	clients:
//	- id: console
//	  secretHash: sha256:<hex of SHA-256 of the secret>   # or secret: <plaintext>
//	  grants: [password, refresh_token]
//	  accessTokenTTL: 2h
//	  refreshTokenTTL: 24h
//	  redirectURIs: [https://console.example.com/]
type ClientsFile struct {
	Clients []ClientConfig `json:"clients"`
}

// ClientConfig is one OAuth client as configured.
type ClientConfig struct {
	// ID is the client_id.
	ID string `json:"id"`
	// Secret is the plaintext secret; it is hashed on load and not kept.
	Secret string `json:"secret,omitempty"`
	// SecretHash is "sha256:" followed by the hex SHA-256 of the secret.
	SecretHash string `json:"secretHash,omitempty"`
	// Grants the client may use: password, refresh_token.
	Grants []string `json:"grants"`
	// AccessTokenTTL and RefreshTokenTTL override the server defaults.
	AccessTokenTTL  string `json:"accessTokenTTL,omitempty"`
	RefreshTokenTTL string `json:"refreshTokenTTL,omitempty"`
	// RedirectURIs are where /oauth/logout may send the browser afterwards.
	RedirectURIs []string `json:"redirectURIs,omitempty"`
}

// Client is a configured client, its secret held as a digest only.
type Client struct {
	ID              string
	secretDigest    [32]byte
	Grants          map[string]bool
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	RedirectURIs    []string
}

// DefaultClientID and defaultClientSecret are KubeSphere's well-known
// client, kept for compatibility with existing scripts and the console.
const (
	DefaultClientID     = "kubesphere"
	defaultClientSecret = "kubesphere"
)

// Clients is the registry of configured clients.
type Clients struct {
	byID  map[string]*Client
	dummy [32]byte
}

// NewClients builds the registry from configurations; accessTTL and
// refreshTTL are the defaults for clients that set none.
func NewClients(configs []ClientConfig, accessTTL, refreshTTL time.Duration) (*Clients, error) {
	c := &Clients{byID: map[string]*Client{}, dummy: sha256.Sum256([]byte("no such client"))}
	for i, cfg := range configs {
		if cfg.ID == "" {
			return nil, fmt.Errorf("client %d: id is required", i)
		}
		if _, dup := c.byID[cfg.ID]; dup {
			return nil, fmt.Errorf("client %q: defined twice", cfg.ID)
		}
		client := &Client{ID: cfg.ID, Grants: map[string]bool{}, AccessTokenTTL: accessTTL, RefreshTokenTTL: refreshTTL}
		switch {
		case cfg.Secret != "" && cfg.SecretHash != "":
			return nil, fmt.Errorf("client %q: set secret or secretHash, not both", cfg.ID)
		case cfg.Secret != "":
			client.secretDigest = sha256.Sum256([]byte(cfg.Secret))
		case strings.HasPrefix(cfg.SecretHash, "sha256:"):
			raw, err := hex.DecodeString(strings.TrimPrefix(cfg.SecretHash, "sha256:"))
			if err != nil || len(raw) != 32 {
				return nil, fmt.Errorf("client %q: secretHash must be sha256:<64 hex digits>", cfg.ID)
			}
			copy(client.secretDigest[:], raw)
		default:
			return nil, fmt.Errorf("client %q: a secret (or secretHash) is required", cfg.ID)
		}
		for _, g := range cfg.Grants {
			if g != GrantPassword && g != GrantRefreshToken {
				return nil, fmt.Errorf("client %q: unsupported grant %q (password, refresh_token)", cfg.ID, g)
			}
			client.Grants[g] = true
		}
		for name, v := range map[string]*time.Duration{"accessTokenTTL": &client.AccessTokenTTL, "refreshTokenTTL": &client.RefreshTokenTTL} {
			s := map[string]string{"accessTokenTTL": cfg.AccessTokenTTL, "refreshTokenTTL": cfg.RefreshTokenTTL}[name]
			if s == "" {
				continue
			}
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("client %q: %s %q is not a positive duration", cfg.ID, name, s)
			}
			*v = d
		}
		for _, u := range cfg.RedirectURIs {
			parsed, err := url.Parse(u)
			if err != nil || !parsed.IsAbs() || parsed.Fragment != "" {
				return nil, fmt.Errorf("client %q: redirect URI %q must be an absolute URL without fragment", cfg.ID, u)
			}
		}
		client.RedirectURIs = cfg.RedirectURIs
		c.byID[cfg.ID] = client
	}
	return c, nil
}

// LoadClientsFile reads a ClientsFile.
func LoadClientsFile(path string) ([]ClientConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f ClientsFile
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f.Clients, nil
}

// DefaultClientConfig is the kubesphere/kubesphere client.
func DefaultClientConfig() ClientConfig {
	return ClientConfig{ID: DefaultClientID, Secret: defaultClientSecret, Grants: []string{GrantPassword, GrantRefreshToken}}
}

// Get returns a client by id.
func (c *Clients) Get(id string) (*Client, bool) {
	client, ok := c.byID[id]
	return client, ok
}

// IDs lists the configured client IDs.
func (c *Clients) IDs() []string {
	var ids []string
	for id := range c.byID {
		ids = append(ids, id)
	}
	return ids
}

// Authenticate checks a client's credentials in time independent of where
// the secret differs and of whether the client exists.
func (c *Clients) Authenticate(id, secret string) (*Client, bool) {
	given := sha256.Sum256([]byte(secret))
	client, ok := c.byID[id]
	want := c.dummy
	if ok {
		want = client.secretDigest
	}
	match := subtle.ConstantTimeCompare(given[:], want[:]) == 1
	return client, ok && match
}

// AllowsRedirect reports whether uri is exactly one of the client's
// registered redirect URIs.
func (cl *Client) AllowsRedirect(uri string) bool {
	for _, u := range cl.RedirectURIs {
		if u == uri {
			return true
		}
	}
	return false
}
