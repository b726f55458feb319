package apiserver

import (
	"io"
	"net/http"

	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metainternalversionscheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme"
	metainternalversionvalidation "k8s.io/apimachinery/pkg/apis/meta/internalversion/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1beta1 "k8s.io/apimachinery/pkg/apis/meta/v1beta1"
	tablevalidation "k8s.io/apimachinery/pkg/apis/meta/v1beta1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/handlers/negotiation"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/apiserver/pkg/endpoints/metrics"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// listStreamer answers the lists of resources.kubesphere.io, typed (JSON and
// protobuf) and as JSON Tables (kubectl's default), one object at a time: the
// generic handler builds the whole list and then the whole response in memory, which for a
// full list of a large cluster is gigabytes. It answers only what it can
// answer exactly as the generic handler would (the same bytes); everything
// else (watches, YAML, PartialObjectMetadataList, any error) is
// left to the generic handler.
type listStreamer struct {
	next http.Handler
	// storage is filled in by New before the server serves.
	storage map[string]*mirror.REST
}

func (s *listStreamer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if !s.serve(w, req) {
		s.next.ServeHTTP(w, req)
	}
}

// serve streams the list req asks for and reports true, or reports false
// (having written nothing) when the generic handler must answer.
func (s *listStreamer) serve(w http.ResponseWriter, req *http.Request) bool {
	info, ok := genericapirequest.RequestInfoFrom(req.Context())
	if !ok || req.Method != http.MethodGet || !info.IsResourceRequest || info.APIPrefix != "apis" ||
		info.APIGroup != v1alpha3.GroupName || info.APIVersion != v1alpha3.SchemeGroupVersion.Version ||
		info.Verb != "list" || info.Subresource != "" {
		return false
	}
	storage, ok := s.storage[info.Resource]
	if !ok || (info.Namespace != "" && !storage.NamespaceScoped()) {
		// A cluster-scoped resource under a namespace: the generic handler's 404.
		return false
	}
	table, hasTable := storage.TableConvertor.(*mirror.TableConvertor)
	mediaType, serializer, err := negotiation.NegotiateOutputMediaType(req, Codecs, listRestrictions{table: hasTable})
	if err != nil {
		return false
	}
	protobuf := serializer.MediaType == runtime.ContentTypeProtobuf
	if serializer.MediaType != runtime.ContentTypeJSON && (!protobuf || mediaType.Convert != nil) {
		// YAML, and protobuf Tables or metadata lists (the generic handler
		// refuses the first and answers the second).
		return false
	}
	pretty := serializer.Serializer == serializer.PrettySerializer
	var tableGV schema.GroupVersion
	var tableOpts *metav1.TableOptions
	switch target := mediaType.Convert; {
	case target == nil:
	case target.Kind == "Table" && hasTable && (target.GroupVersion() == metav1.SchemeGroupVersion || target.GroupVersion() == metav1beta1.SchemeGroupVersion):
		tableGV = target.GroupVersion()
		tableOpts = &metav1.TableOptions{}
		if err := metainternalversionscheme.ParameterCodec.DecodeParameters(req.URL.Query(), metav1.SchemeGroupVersion, tableOpts); err != nil {
			return false
		}
		if errs := tablevalidation.ValidateTableOptions(tableOpts); len(errs) > 0 {
			return false
		}
	default:
		return false
	}
	opts, ok := listOptions(req, storage)
	if !ok {
		return false
	}
	ctx := genericapirequest.WithNamespace(req.Context(), info.Namespace)
	page, err := storage.ListPage(ctx, &opts)
	if err != nil {
		return false
	}

	write := func(w io.Writer) error {
		return page.WriteJSON(w, Scheme, v1alpha3.SchemeGroupVersion, pretty)
	}
	switch {
	case protobuf:
		write = func(w io.Writer) error {
			return page.WriteProtobuf(w, Scheme, v1alpha3.SchemeGroupVersion)
		}
	case tableOpts != nil:
		write = func(w io.Writer) error {
			return table.WriteTableJSON(w, page, tableOpts, Scheme, tableGV, v1alpha3.SchemeGroupVersion, pretty)
		}
	}
	// Recorded as the generic handler records its lists.
	metrics.InstrumentHandlerFunc("LIST", info.APIGroup, info.APIVersion, info.Resource, "", metrics.CleanScope(info),
		metrics.APIServerComponent, false, "", func(w http.ResponseWriter, req *http.Request) {
			// SerializeObject gzips for clients that accept it, as the
			// generic handler does.
			enc := pageEncoder{write: write, status: Codecs.EncoderForVersion(serializer.Serializer, v1alpha3.SchemeGroupVersion)}
			responsewriters.SerializeObject(serializer.MediaType, enc, w, req, http.StatusOK, nil)
		})(w, req.WithContext(ctx))
	return true
}

// listOptions reads the list options of req as the generic list handler
// does; false when they are not valid (the generic handler then says why)
// or ask for a watch.
func listOptions(req *http.Request, storage *mirror.REST) (metainternalversion.ListOptions, bool) {
	opts := metainternalversion.ListOptions{}
	if err := metainternalversionscheme.ParameterCodec.DecodeParameters(req.URL.Query(), metav1.SchemeGroupVersion, &opts); err != nil {
		return opts, false
	}
	watchList := utilfeature.DefaultFeatureGate.Enabled(features.WatchList)
	metainternalversion.SetListOptionsDefaults(&opts, watchList)
	if errs := metainternalversionvalidation.ValidateListOptions(&opts, watchList); len(errs) > 0 || opts.Watch {
		return opts, false
	}
	if opts.FieldSelector != nil {
		gvk := v1alpha3.SchemeGroupVersion.WithKind(storage.Kind())
		var err error
		opts.FieldSelector, err = opts.FieldSelector.Transform(func(label, value string) (string, string, error) {
			return Scheme.ConvertFieldLabel(gvk, label, value)
		})
		if err != nil {
			return opts, false
		}
	}
	return opts, true
}

// listRestrictions are the media type rules of the generic handler's
// RequestScope for a resource of this group.
type listRestrictions struct{ table bool }

func (r listRestrictions) AllowsMediaTypeTransform(mimeType, mimeSubType string, target *schema.GroupVersionKind) bool {
	if target == nil {
		return true
	}
	if target.GroupVersion() != metav1.SchemeGroupVersion && target.GroupVersion() != metav1beta1.SchemeGroupVersion {
		return false
	}
	switch target.Kind {
	case "Table":
		return r.table && mimeType == "application" && (mimeSubType == "json" || mimeSubType == "yaml")
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		return true
	}
	return false
}

func (listRestrictions) AllowsServerVersion(version string) bool {
	return version == metav1.SchemeGroupVersion.Version
}

func (listRestrictions) AllowsStreamSchema(s string) bool { return s == "watch" }

// pageEncoder is a runtime.Encoder that writes one page when given no
// object, and the object with status (the Status of an error) otherwise.
type pageEncoder struct {
	write  func(io.Writer) error
	status runtime.Encoder
}

func (e pageEncoder) Encode(obj runtime.Object, w io.Writer) error {
	if obj == nil {
		return e.write(w)
	}
	return e.status.Encode(obj, w)
}

func (pageEncoder) Identifier() runtime.Identifier { return "ks-apiserver-list-stream" }
