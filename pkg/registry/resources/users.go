package resources

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// lastApplied is kubectl's copy of what it applied: for a User, the
// password as written (plaintext or hash).
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// users mirrors this project's User custom resource. The served spec type
// has no password field, and kubectl's last-applied annotation is dropped,
// so the password (plaintext or hash) cannot be served in any form.
func users() mirror.Resource {
	return mirror.Resource{
		Name: "users", SingularName: "user", Kind: "User",
		Upstream: v1beta1.SchemeGroupVersion.WithResource("users"),
		New:      func() runtime.Object { return &resources.User{} },
		NewList:  func() runtime.Object { return &resources.UserList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*v1beta1.User)
			meta := u.ObjectMeta
			if _, ok := meta.Annotations[lastApplied]; ok {
				// A copy: the cached object is shared and never modified.
				meta.Annotations = maps.Clone(meta.Annotations)
				delete(meta.Annotations, lastApplied)
			}
			return &resources.User{
				ObjectMeta: meta,
				Spec: resources.UserSpec{
					Email: u.Spec.Email, Lang: u.Spec.Lang, Description: u.Spec.Description,
					DisplayName: u.Spec.DisplayName, Groups: u.Spec.Groups,
				},
				Status: u.Status,
			}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.User)
			return &v1beta1.User{
				ObjectMeta: s.ObjectMeta,
				Spec: v1beta1.UserSpec{
					Email: s.Spec.Email, Lang: s.Spec.Lang, Description: s.Spec.Description,
					DisplayName: s.Spec.DisplayName, Groups: s.Spec.Groups,
				},
				Status: s.Status,
			}
		},
		Query: query.Type{Filters: map[string]query.Filter{
			"email":      {Attr: query.AttrOf(func(u *v1beta1.User) string { return u.Spec.Email })},
			"ingroup":    {Compile: query.MatchOf(func(u *v1beta1.User, g string) bool { return slices.Contains(u.Spec.Groups, g) })},
			"notingroup": {Compile: query.MatchOf(func(u *v1beta1.User, g string) bool { return !slices.Contains(u.Spec.Groups, g) })},
		}},
	}
}
