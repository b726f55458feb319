// Package resources declares every resources.kubesphere.io resource: one
// small declaration per resource on the generic mirror storage.
package resources

import (
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// All returns the declarations of every served resource, freshly built so
// callers may keep pointers into the slice.
func All() []mirror.Resource {
	all := []mirror.Resource{
		pods(),
		services(),
		configmaps(),
		secrets(),
		serviceaccounts(),
		persistentvolumeclaims(),
		nodes(),
		namespaces(),
		persistentvolumes(),
		deployments(),
		statefulsets(),
		daemonsets(),
		replicasets(),
		jobs(),
		cronjobs(),
		ingresses(),
		networkpolicies(),
		horizontalpodautoscalers(),
		storageclasses(),
		roles(),
		rolebindings(),
		clusterroles(),
		clusterrolebindings(),
		customresourcedefinitions(),
		users(),
	}
	for i := range all {
		all[i].CompleteQuery()
	}
	return all
}
