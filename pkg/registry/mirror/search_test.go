package mirror

import (
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

func TestSearchParam(t *testing.T) {
	for label, want := range map[string]string{
		"sortBy": "sortBy", "sort-by": "sortBy", "storage-class-name": "storageClassName",
		"name": "name", "owner-kind": "ownerKind", "a--b": "aB", "-x": "X",
	} {
		if got := searchParam(label); got != want {
			t.Errorf("searchParam(%q) = %q, want %q", label, got, want)
		}
	}
}

func TestSplitSearchSelector(t *testing.T) {
	sel, err := labels.Parse("app=web,search.resources.kubesphere.io/sort-by=name,!canary")
	if err != nil {
		t.Fatal(err)
	}
	rest, params, err := splitSearchSelector(sel)
	if err != nil || !rest.Matches(labels.Set{"app": "web"}) || rest.Matches(labels.Set{"app": "web", "canary": "1"}) ||
		len(params) != 1 || params["sort-by"] != "name" {
		t.Fatalf("split: %v %v %v", rest, params, err)
	}
	for _, bad := range []string{
		"search.resources.kubesphere.io/sortBy in (name,createTime)",
		"search.resources.kubesphere.io/sortBy!=name",
		"search.resources.kubesphere.io/sortBy",
		"search.resources.kubesphere.io/sortBy=name,search.resources.kubesphere.io/sortBy=createTime",
	} {
		sel, err := labels.Parse(bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := splitSearchSelector(sel); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
