package resources

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func jobs() mirror.Resource {
	return mirror.Resource{
		Name: "jobs", SingularName: "job", Kind: "Job", Namespaced: true,
		Upstream: batchv1.SchemeGroupVersion.WithResource("jobs"),
		New:      func() runtime.Object { return &resources.Job{} },
		NewList:  func() runtime.Object { return &resources.JobList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*batchv1.Job)
			return &resources.Job{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		Fields: mirror.FieldsOf(func(p *batchv1.Job) fields.Set {
			return fields.Set{"status.successful": strconv.Itoa(int(p.Status.Succeeded))}
		}),
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Job)
			return &batchv1.Job{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{
			Filters: map[string]query.Filter{
				"status": {Values: kubesphere.JobStatuses, Attr: query.AttrOf(kubesphere.JobStatus)},
			},
			SortKeys: map[string]query.SortKey{
				"updateTime": {Of: query.TimeKeyOf(kubesphere.JobUpdateTime)},
				"status":     {Of: query.KeyOf(func(j *batchv1.Job) query.Key { return query.Key{Str: kubesphere.JobStatus(j)} })},
			},
			Aliases: map[string]string{"lastUpdateTimestamp": "updateTime"},
		},
	}
}
