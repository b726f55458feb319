// Package install registers resources.kubesphere.io in a scheme.
package install

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
)

// Install adds the internal and v1alpha3 types, conversions and defaults.
func Install(scheme *runtime.Scheme) {
	utilruntime.Must(resources.AddToScheme(scheme))
	utilruntime.Must(v1alpha3.AddToScheme(scheme))
	utilruntime.Must(scheme.SetVersionPriority(v1alpha3.SchemeGroupVersion))
}
