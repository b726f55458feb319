package resources

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func cronjobs() mirror.Resource {
	return mirror.Resource{
		Name: "cronjobs", SingularName: "cronjob", Kind: "CronJob", Namespaced: true,
		Upstream: batchv1.SchemeGroupVersion.WithResource("cronjobs"),
		New:      func() runtime.Object { return &resources.CronJob{} },
		NewList:  func() runtime.Object { return &resources.CronJobList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*batchv1.CronJob)
			return &resources.CronJob{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.CronJob)
			return &batchv1.CronJob{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{
			Filters: map[string]query.Filter{
				"status": {Values: kubesphere.CronJobStatuses, Attr: query.AttrOf(kubesphere.CronJobStatus)},
			},
			SortKeys: map[string]query.SortKey{"lastScheduleTime": {Of: query.TimeKeyOf(kubesphere.CronJobLastScheduleTime)}},
		},
	}
}
