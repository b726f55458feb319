package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	versioned "github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	ksscheme "github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned/scheme"
)

// What client-go sends when a program sets ContentType to protobuf and
// accepts JSON too (as many controllers do), and a protobuf-only client.
const (
	acceptProtobufFirst = "application/vnd.kubernetes.protobuf, application/json"
	acceptProtobufOnly  = "application/vnd.kubernetes.protobuf"
	// kubectl's Table request with protobuf put first: Tables exist in JSON only.
	acceptProtobufTable = "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
)

// Clients that prefer or only speak protobuf are answered in protobuf, through
// kube-apiserver and directly: raw requests, and the generated clientset
// switched to protobuf for list, get and watch. Tables still come in JSON.
func TestProtobufClients(t *testing.T) {
	ns := newNamespace(t, "proto", 2)
	for _, via := range []struct {
		name string
		cfg  *rest.Config
	}{{"kube-apiserver", cp.Admin}, {"direct", directConfig()}} {
		t.Run(via.name, func(t *testing.T) {
			path := "/apis/" + mirrorGroup + "/v1alpha3/namespaces/" + ns + "/pods"
			for _, accept := range []string{acceptProtobufFirst, acceptProtobufOnly} {
				code, ctype, body := rawGet(t, via.cfg, path, accept)
				if code != http.StatusOK || ctype != runtime.ContentTypeProtobuf {
					t.Fatalf("Accept %q: %d %q %.300q", accept, code, ctype, body)
				}
				obj, _, err := ksscheme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
				if err != nil {
					t.Fatalf("Accept %q: decode: %v", accept, err)
				}
				if l, ok := obj.(*v1alpha3.PodList); !ok || len(l.Items) != 2 || l.TotalItems != 2 {
					t.Fatalf("Accept %q: got %T %+v", accept, obj, obj)
				}
			}

			code, ctype, body := rawGet(t, via.cfg, path, acceptProtobufTable)
			var table metav1.Table
			if code != http.StatusOK || !strings.HasPrefix(ctype, runtime.ContentTypeJSON) {
				t.Fatalf("Table preferring protobuf: %d %q %.300s", code, ctype, body)
			}
			if err := json.Unmarshal(body, &table); err != nil || table.Kind != "Table" || len(table.Rows) != 2 {
				t.Fatalf("Table preferring protobuf: %v %.300s", err, body)
			}

			checkProtobufClientset(t, via.cfg, ns)
		})
	}
	if out := mustKubectl(t, "get", "pods."+mirrorGroup, "-n", ns, "--no-headers"); len(nonEmptyLines(out)) != 2 {
		t.Errorf("kubectl get:\n%s", out)
	}
}

// checkProtobufClientset lists, gets and watches pods with the generated
// clientset in protobuf mode and checks every answer was protobuf.
func checkProtobufClientset(t *testing.T, base *rest.Config, ns string) {
	t.Helper()
	cfg := rest.CopyConfig(base)
	cfg.ContentType = runtime.ContentTypeProtobuf
	rec := &contentTypes{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { rec.next = rt; return rec })
	ks := versioned.NewForConfigOrDie(cfg).ResourcesV1alpha3()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	list, err := ks.Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("list: %v %v", err, list)
	}
	pod, err := ks.Pods(ns).Get(ctx, "pod-00", metav1.GetOptions{})
	if err != nil || pod.Name != "pod-00" || len(pod.Spec.Containers) != 1 {
		t.Fatalf("get: %v %+v", err, pod)
	}
	w, err := ks.Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	name := fmt.Sprintf("late-%d", time.Now().UnixNano()%1e6)
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	createPod(t, client, ns, name)
	expectEvent(t, w, watch.Added, name)
	if err := client.CoreV1().Pods(ns).Delete(ctx, name, *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, w, watch.Deleted, name)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.seen) < 3 {
		t.Errorf("answers recorded: %v", rec.seen)
	}
	for _, s := range rec.seen {
		if !strings.HasPrefix(s, runtime.ContentTypeProtobuf) {
			t.Errorf("clientset in protobuf mode got %s", s)
		}
	}
}

func expectEvent(t *testing.T, w watch.Interface, typ watch.EventType, name string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch ended before %s %s", typ, name)
			}
			if p, isPod := ev.Object.(*v1alpha3.Pod); isPod && ev.Type == typ && p.Name == name {
				return
			}
			if ev.Type == watch.Error {
				t.Fatalf("watch error: %v", ev.Object)
			}
		case <-timeout:
			t.Fatalf("watch: no %s of %s", typ, name)
		}
	}
}

// Every served resource lists in protobuf through kube-apiserver.
func TestProtobufEveryResource(t *testing.T) {
	resources, err := kubernetes.NewForConfigOrDie(cp.Admin).Discovery().ServerResourcesForGroupVersion(v1alpha3.SchemeGroupVersion.String())
	if err != nil {
		t.Fatal(err)
	}
	listed, served := 0, 0
	for _, r := range resources.APIResources {
		if strings.Contains(r.Name, "/") {
			continue
		}
		served++
		code, ctype, body := rawGet(t, cp.Admin, "/apis/"+v1alpha3.SchemeGroupVersion.String()+"/"+r.Name+"?limit=50", acceptProtobufFirst)
		if code != http.StatusOK || ctype != runtime.ContentTypeProtobuf {
			t.Errorf("%s: %d %q %.300q", r.Name, code, ctype, body)
			continue
		}
		obj, _, err := ksscheme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
		if err != nil || !meta.IsListType(obj) {
			t.Errorf("%s: decode: %v %T", r.Name, err, obj)
			continue
		}
		listed++
	}
	if served == 0 || listed != served {
		t.Errorf("listed %d of %d served resources in protobuf", listed, served)
	}
}

// rawGet sends one GET with the given Accept header as the config's user.
func rawGet(t *testing.T, cfg *rest.Config, path, accept string) (int, string, []byte) {
	t.Helper()
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, cfg.Host+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// contentTypes records the Content-Type of every answer from the group.
type contentTypes struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (c *contentTypes) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err == nil && strings.HasPrefix(req.URL.Path, "/apis/"+mirrorGroup+"/") {
		c.mu.Lock()
		c.seen = append(c.seen, resp.Header.Get("Content-Type")+" for "+req.Method+" "+req.URL.Path)
		c.mu.Unlock()
	}
	return resp, err
}
