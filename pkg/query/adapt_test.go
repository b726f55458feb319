package query_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

func TestAdapters(t *testing.T) {
	attr := query.AttrOf(func(p *corev1.Pod) string { return p.Name })
	key := query.KeyOf(func(p *corev1.Pod) query.Key { return query.Key{Str: p.Name} })
	group := query.GroupOf(func(p *corev1.Pod) []string { return []string{p.Name} })
	decorate := query.DecorateOf(func(p *corev1.Pod, _ query.Env) *corev1.Pod { p = p.DeepCopy(); p.Name += "!"; return p })
	match, _ := query.MatchOf(func(p *corev1.Pod, v string) bool { return p.Name == v })("x", nil)
	for _, obj := range []runtime.Object{nil, (*corev1.Pod)(nil), &corev1.Node{}, (*corev1.Node)(nil)} {
		if attr(obj) != "" || key(obj) != (query.Key{}) || group(obj) != nil || decorate(obj, nil) != obj || match(&query.Item{Object: obj}) {
			t.Errorf("%T: adapters reached the typed function", obj)
		}
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "x"}}
	if attr(p) != "x" || key(p).Str != "x" || !slices.Equal(group(p), []string{"x"}) || !match(&query.Item{Object: p}) {
		t.Error("adapters on a pod")
	}
	if d := decorate(p, nil).(*corev1.Pod); d.Name != "x!" || p.Name != "x" {
		t.Error("DecorateOf")
	}
}
