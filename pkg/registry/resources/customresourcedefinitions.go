package resources

import (
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func customresourcedefinitions() mirror.Resource {
	return mirror.Resource{
		Name: "customresourcedefinitions", SingularName: "customresourcedefinition", Kind: "CustomResourceDefinition",
		Upstream: apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions"),
		New:      func() runtime.Object { return &resources.CustomResourceDefinition{} },
		NewList:  func() runtime.Object { return &resources.CustomResourceDefinitionList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*apiextensionsv1.CustomResourceDefinition)
			return &resources.CustomResourceDefinition{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.CustomResourceDefinition)
			return &apiextensionsv1.CustomResourceDefinition{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{Filters: map[string]query.Filter{
			// KubeSphere's CRD getter overrides the name filter.
			"name": {Compile: query.MatchOf(func(c *apiextensionsv1.CustomResourceDefinition, v string) bool {
				return strings.Contains(c.Name, v) || strings.Contains(c.Spec.Names.Kind, v)
			})},
		}},
	}
}
