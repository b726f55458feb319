package e2e

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Label selectors of every operator, answered from ks-apiserver's label
// index, select what kube-apiserver selects, with exact totals and whole
// walks of continue pages, on /apis (directly and through kube-apiserver,
// as labelSelector and beside search labels) and on /kapis (labelSelector
// and label=); and again after the pods change labels.
func TestLabelSelectorsMatchKubeAPIServer(t *testing.T) {
	ns := newNamespace(t, "labels", 24)
	ctx := context.Background()
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	relabel := func(round int) {
		t.Helper()
		for i := range 24 {
			tier := []string{"front", "back", "db"}[(i+round)%3]
			canary := "null"
			if (i+round)%5 == 0 {
				canary = `"yes"`
			}
			patch := fmt.Sprintf(`{"metadata":{"labels":{"tier":%q,"shard":"%d","canary":%s}}}`, tier, (i*(round+1))%4, canary)
			if _, err := client.CoreV1().Pods(ns).Patch(ctx, fmt.Sprintf("pod-%02d", i), types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	selectors := []string{
		"tier=front", "tier==back", "tier!=front", "tier in (front,db)", "tier notin (db)",
		"canary", "!canary", "tier=front,shard in (0,1),!canary", "shard>1", "tier notin (front),canary", "tier=nope",
	}
	direct := directClientFor(t, ks)
	// upstream is kube-apiserver's answer, sorted by name.
	upstream := func(sel string) []string {
		l, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range l.Items {
			names = append(names, ns+"/"+p.Name)
		}
		slices.Sort(names)
		return names
	}
	byName := url.Values{"sortBy": {"name"}, "ascending": {"true"}}
	with := func(extra url.Values) url.Values {
		out := url.Values{}
		for k, v := range byName {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	// walk lists every page of limit 2 through kube-apiserver.
	walk := func(sel string) ([]string, int) {
		params := with(url.Values{"labelSelector": {sel}, "limit": {"2"}})
		var names []string
		total := -1
		for range 30 {
			page := list(t, throughKube(), apisPrefix+"/namespaces/"+ns+"/pods", params)
			if total == -1 {
				total = *page.TotalItems
			}
			names = append(names, page.names(t)...)
			if page.Metadata.Continue == "" {
				break
			}
			params.Set("continue", page.Metadata.Continue)
		}
		return names, total
	}
	check := func(round int) {
		for _, sel := range selectors {
			want := upstream(sel)
			if sel == "tier=front" && len(want) == 0 {
				t.Fatalf("round %d: no pod has tier=front: the test selects nothing", round)
			}
			search := sel + ",search.resources.kubesphere.io/sortBy=name,search.resources.kubesphere.io/ascending=true"
			ways := map[string]func() listBody{
				"/apis through kube-apiserver": func() listBody {
					return list(t, throughKube(), apisPrefix+"/namespaces/"+ns+"/pods", with(url.Values{"labelSelector": {sel}}))
				},
				"/apis directly": func() listBody {
					return list(t, direct, apisPrefix+"/namespaces/"+ns+"/pods", with(url.Values{"labelSelector": {sel}}))
				},
				"/apis search labels": func() listBody {
					return list(t, direct, apisPrefix+"/namespaces/"+ns+"/pods", url.Values{"labelSelector": {search}})
				},
				"/apis label=": func() listBody {
					return list(t, direct, apisPrefix+"/pods", with(url.Values{"label": {sel}, "namespace": {ns}}))
				},
				"/kapis labelSelector": func() listBody {
					return list(t, direct, kapisPrefix+"/namespaces/"+ns+"/pods", with(url.Values{"labelSelector": {sel}}))
				},
				"/kapis label=": func() listBody {
					return list(t, direct, kapisPrefix+"/namespaces/"+ns+"/pods", with(url.Values{"label": {sel}}))
				},
			}
			for name, get := range ways {
				eventuallyOK(t, fmt.Sprintf("round %d, %s %q", round, name, sel), func() (bool, string) {
					l := get()
					got := l.names(t)
					return slices.Equal(got, want) && *l.TotalItems == len(want),
						fmt.Sprintf("%v (totalItems %d), kube-apiserver %v", got, *l.TotalItems, want)
				})
			}
			if got, total := walk(sel); !slices.Equal(got, want) || total != len(want) {
				t.Errorf("round %d, %q in pages of 2: %v (totalItems %d), kube-apiserver %v", round, sel, got, total, want)
			}
		}
	}
	relabel(0)
	check(0)
	relabel(1) // every pod changes tier, shard and canary
	check(1)
}
