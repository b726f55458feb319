package apiserver

import (
	"reflect"
	"sort"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"
)

// protobufMarshaller is what the protobuf serializer needs of an object;
// without it the serializer answers 406 after negotiation chose protobuf.
type protobufMarshaller interface {
	Marshal() ([]byte, error)
}

// negotiatedSerializer is what the group gv negotiates with: ns, less its
// protobuf serializer when one of the group's types cannot be marshalled to
// protobuf, so that clients preferring protobuf get JSON instead of a 406.
func negotiatedSerializer(scheme *runtime.Scheme, ns runtime.NegotiatedSerializer, gv schema.GroupVersion) runtime.NegotiatedSerializer {
	missing := withoutProtobuf(scheme, gv)
	if len(missing) == 0 {
		return ns
	}
	klog.InfoS("Serving the group without protobuf: these types have no protobuf marshalling", "groupVersion", gv.String(), "kinds", missing)
	return withoutMediaType{NegotiatedSerializer: ns, mediaType: runtime.ContentTypeProtobuf}
}

// withoutProtobuf names the kinds of gv whose objects the protobuf
// serializer cannot encode.
func withoutProtobuf(scheme *runtime.Scheme, gv schema.GroupVersion) []string {
	var missing []string
	for kind, t := range scheme.KnownTypes(gv) {
		if _, ok := reflect.New(t).Interface().(protobufMarshaller); !ok {
			missing = append(missing, kind)
		}
	}
	sort.Strings(missing)
	return missing
}

// withoutMediaType hides one media type from content negotiation.
type withoutMediaType struct {
	runtime.NegotiatedSerializer
	mediaType string
}

// SupportedMediaTypes implements runtime.NegotiatedSerializer.
func (s withoutMediaType) SupportedMediaTypes() []runtime.SerializerInfo {
	var infos []runtime.SerializerInfo
	for _, info := range s.NegotiatedSerializer.SupportedMediaTypes() {
		if info.MediaType != s.mediaType {
			infos = append(infos, info)
		}
	}
	return infos
}
