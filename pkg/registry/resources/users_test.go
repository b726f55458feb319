package resources_test

import (
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// The served User carries no password in any form: not the spec field,
// and not kubectl's last-applied annotation, which holds spec.password as
// it was applied; and the cached upstream object is left as it was.
func TestServedUserHasNoLastAppliedPassword(t *testing.T) {
	var convert func(*iamv1beta1.User) any
	for _, res := range resources.All() {
		if res.Name == "users" {
			convert = func(u *iamv1beta1.User) any { return res.ToServed(u) }
		}
	}
	upstream := &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: "dave", Annotations: map[string]string{
			"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"iam.kubesphere.io/v1beta1","kind":"User","metadata":{"name":"dave"},"spec":{"email":"d@example.com","password":"Plain-Secret-1"}}`,
			"team": "blue",
		}},
		Spec: iamv1beta1.UserSpec{Email: "d@example.com", EncryptedPassword: "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"},
	}
	out, err := json.Marshal(convert(upstream))
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"Plain-Secret-1", "$2a$", "password", "last-applied"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("served User contains %q: %s", leak, out)
		}
	}
	if !strings.Contains(string(out), `"team":"blue"`) {
		t.Errorf("other annotations lost: %s", out)
	}
	if _, ok := upstream.Annotations["kubectl.kubernetes.io/last-applied-configuration"]; !ok || len(upstream.Annotations) != 2 {
		t.Errorf("the cached upstream object was modified: %v", upstream.Annotations)
	}
}
