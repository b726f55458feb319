package servingcert

import (
	"context"
	"crypto/x509"
	"net"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// A managed Secret walks through its renewal: at every step the certificate
// served verifies against ca.crt, a client holding the previous step's
// ca.crt also verifies it (the new CA is trusted before it is served), the
// successor waits for promoteAfter and for the caBundle, and the old CA
// leaves once expired.
func TestRenewKeepsEveryStepTrusted(t *testing.T) {
	validity := 60 * time.Second
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := New(Config{
		Namespace: "kubesphere-system", Name: "cert", Manage: true, Validity: validity, APIService: "v1alpha3.resources.kubesphere.io",
		DNSNames: []string{"ks-apiserver.kubesphere-system.svc"}, IPs: []net.IP{net.ParseIP("127.0.0.1")},
		Now: func() time.Time { return now },
	})
	is, err := issue(now, validity, s.cfg.DNSNames, s.cfg.IPs)
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "cert", Annotations: map[string]string{ManagedAnnotation: managedBy}},
		Data:       map[string][]byte{CertKey: is.certPEM, KeyKey: is.keyPEM, CAKey: is.caPEM},
	}
	first := firstCert(is.certPEM)
	verify := func(step string, leafPEM, bundle []byte) {
		t.Helper()
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(bundle)
		if _, err := firstCert(leafPEM).Verify(x509.VerifyOptions{Roots: roots, DNSName: "ks-apiserver.kubesphere-system.svc", CurrentTime: now}); err != nil {
			t.Fatalf("%s: the served certificate does not verify: %v", step, err)
		}
	}
	publish := func() {
		b := secret.Data[CAKey]
		s.published.Store(&b)
	}
	publish()
	step := func(name string, at time.Duration, wantChange bool) {
		t.Helper()
		now = first.NotBefore.Add(clockSkew + at)
		before := secret.Data[CAKey]
		out, changed, err := s.renew(secret)
		if err != nil {
			t.Fatal(err)
		}
		if changed != wantChange {
			t.Fatalf("%s: changed = %v, want %v", name, changed, wantChange)
		}
		verify(name, out.Data[CertKey], out.Data[CAKey])
		verify(name+" (previous ca.crt)", out.Data[CertKey], before)
		secret = out
	}

	step("fresh", 10*time.Second, false)
	step("a third left", 41*time.Second, true)
	if secret.Data[nextCertKey] == nil || len(parseCerts(secret.Data[CAKey])) != 2 {
		t.Fatal("no successor staged with its CA trusted")
	}
	step("caBundle not yet published", 50*time.Second, false)
	publish()
	step("published, promoted", 50*time.Second+time.Millisecond, true)
	if secret.Data[nextCertKey] != nil || firstCert(secret.Data[CertKey]).Equal(first) {
		t.Fatal("the successor was not promoted")
	}
	if len(parseCerts(secret.Data[CAKey])) != 2 {
		t.Fatal("the old CA left before it expired")
	}
	step("old CA expired", 61*time.Second, true)
	if cas := parseCerts(secret.Data[CAKey]); len(cas) != 1 || signer(firstCert(secret.Data[CertKey]), cas) == nil {
		t.Fatalf("ca.crt after the old CA expired: %d CAs", len(cas))
	}

}

// A Secret ks-apiserver did not create (cert-manager's, a user's) is never
// rewritten, however close to its expiry; a missing one is created.
func TestReconcileLeavesForeignSecrets(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	is, err := issue(now.Add(-50*time.Second), time.Minute, []string{"x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "cert", Namespace: "ns"},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{CertKey: is.certPEM, KeyKey: is.keyPEM, CAKey: is.caPEM},
	}
	client := fake.NewClientset(foreign)
	s := New(Config{Client: client, Namespace: "ns", Name: "cert", Manage: true, Validity: time.Minute})
	if err := s.reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := client.CoreV1().Secrets("ns").Get(ctx, "cert", metav1.GetOptions{})
	if err != nil || !reflect.DeepEqual(got.Data, foreign.Data) {
		t.Fatalf("a foreign Secret was rewritten: %v", err)
	}
	if err := client.CoreV1().Secrets("ns").Delete(ctx, "cert", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	created, err := client.CoreV1().Secrets("ns").Get(ctx, "cert", metav1.GetOptions{})
	if err != nil || created.Annotations[ManagedAnnotation] != managedBy || created.Type != corev1.SecretTypeTLS {
		t.Fatalf("no managed Secret created: %v", err)
	}
}

func TestUseRejectsBrokenSecrets(t *testing.T) {
	s := New(Config{Validity: time.Hour})
	is, err := issue(time.Now(), time.Hour, []string{"x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	good := &corev1.Secret{Data: map[string][]byte{CertKey: is.certPEM, KeyKey: is.keyPEM}}
	if err := s.use(good); err != nil {
		t.Fatal(err)
	}
	enqueued := 0
	s.AddListener(listenerFunc(func() { enqueued++ }))
	other, _ := issue(time.Now(), time.Hour, []string{"x"}, nil)
	// A key that does not match the certificate is refused; the previous
	// pair stays served and nobody is told to reload.
	if err := s.use(&corev1.Secret{Data: map[string][]byte{CertKey: is.certPEM, KeyKey: other.keyPEM}}); err == nil {
		t.Fatal("a mismatched key pair was accepted")
	}
	if cert, _ := s.CurrentCertKeyContent(); string(cert) != string(is.certPEM) || enqueued != 0 {
		t.Fatal("a refused Secret replaced the served certificate")
	}
	if err := s.use(&corev1.Secret{Data: map[string][]byte{CertKey: other.certPEM, KeyKey: other.keyPEM}}); err != nil || enqueued != 1 {
		t.Fatalf("a new pair was not served (%v, %d reloads)", err, enqueued)
	}
}

type listenerFunc func()

func (f listenerFunc) Enqueue() { f() }
