package mirror

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"reflect"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// Page is the answer to one list request: its list metadata and the cached
// objects it holds. The objects are converted to served ones only as Each
// reaches them, so writing a page out keeps one served object alive at a
// time, not the whole list.
type Page struct {
	res           *Resource
	items         []*query.Item
	rv            uint64
	total         int64
	continueToken string
	remaining     *int64
}

// Len is the number of objects in the page.
func (p *Page) Len() int { return len(p.items) }

// ListMeta is the page's list metadata.
func (p *Page) ListMeta() metav1.ListMeta {
	m := metav1.ListMeta{Continue: p.continueToken, RemainingItemCount: p.remaining}
	if p.rv > 0 {
		m.ResourceVersion = fmt.Sprint(p.rv)
	}
	return m
}

// Each calls fn with each object of the page in order, converted to the
// served (internal) type; fn must not keep or change it.
func (p *Page) Each(fn func(served runtime.Object) error) error {
	for _, it := range p.items {
		if err := fn(p.res.ToServed(it.Object)); err != nil {
			return err
		}
	}
	return nil
}

// envelope returns the resource's empty served list carrying the page's
// metadata and total, without items.
func (p *Page) envelope() (runtime.Object, error) {
	list := p.res.NewList()
	listMeta, err := meta.ListAccessor(list)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list %s: %w", p.res.Name, err))
	}
	m := p.ListMeta()
	listMeta.SetResourceVersion(m.ResourceVersion)
	listMeta.SetContinue(m.Continue)
	listMeta.SetRemainingItemCount(m.RemainingItemCount)
	if err := setTotalItems(list, p.total); err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list %s: %w", p.res.Name, err))
	}
	return list, nil
}

// list builds the whole served list, as the generic handler needs it for
// the outputs that are not streamed.
func (p *Page) list() (runtime.Object, error) {
	list, err := p.envelope()
	if err != nil {
		return nil, err
	}
	items := make([]runtime.Object, 0, len(p.items))
	_ = p.Each(func(obj runtime.Object) error {
		items = append(items, obj)
		return nil
	})
	if err := meta.SetList(list, items); err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list %s: %w", p.res.Name, err))
	}
	return list, nil
}

// Scheme is what writing a page needs of the API scheme: converting a
// served object to the version a client asked for, and making empty ones.
type Scheme interface {
	runtime.ObjectConvertor
	runtime.ObjectCreater
	runtime.ObjectTyper
}

// WriteJSON writes the page as the list kube-apiserver's JSON serializer
// would write it in version gv (indented when pretty), byte for byte, but one
// object at a time: the list is never held whole, in objects or in bytes.
func (p *Page) WriteJSON(w io.Writer, scheme Scheme, gv schema.GroupVersion, pretty bool) error {
	internal, err := p.envelope()
	if err != nil {
		return err
	}
	list, err := scheme.ConvertToVersion(internal, gv)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("list %s: %w", p.res.Name, err))
	}
	s := newJSONStream(w, pretty)
	if err := s.open(list, "items"); err != nil {
		return err
	}
	var out runtime.Object
	err = p.Each(func(obj runtime.Object) error {
		if out == nil {
			gvks, _, err := scheme.ObjectKinds(obj)
			if err != nil {
				return err
			}
			if out, err = scheme.New(gv.WithKind(gvks[0].Kind)); err != nil {
				return err
			}
		}
		// One served object is reused for every item; zeroing it first
		// keeps a field a conversion leaves alone from leaking into the
		// next item.
		reflect.ValueOf(out).Elem().SetZero()
		if err := scheme.Convert(obj, out, nil); err != nil {
			return err
		}
		return s.item(out)
	})
	if err != nil {
		return fmt.Errorf("write %s list: %w", p.res.Name, err)
	}
	return s.close()
}

// protobufPrefix starts every message of the Kubernetes protobuf
// serializer (k8s.io/apimachinery runtime/serializer/protobuf).
var protobufPrefix = []byte{0x6b, 0x38, 0x73, 0x00}

// protobufItem is a served object in a version with generated protobuf.
type protobufItem interface {
	runtime.Object
	Size() int
	MarshalToSizedBuffer([]byte) (int, error)
}

// WriteProtobuf writes the page as kube-apiserver's protobuf serializer would
// write the list in version gv, byte for byte: the magic prefix, then a
// runtime.Unknown whose Raw is the list. Raw's length is written before Raw,
// so a first pass converts and sizes every object and a second converts each
// again and writes it: one served object is alive at a time, in objects or
// in bytes. Upstream's streaming encoder cannot do it: it refuses lists with
// fields beyond TypeMeta, ListMeta and Items, and ours carry totalItems.
func (p *Page) WriteProtobuf(w io.Writer, scheme Scheme, gv schema.GroupVersion) error {
	internal, err := p.envelope()
	if err != nil {
		return err
	}
	list, err := scheme.ConvertToVersion(internal, gv)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("list %s: %w", p.res.Name, err))
	}
	head, itemTag, err := protobufListHead(list)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("list %s: %w", p.res.Name, err))
	}
	var out protobufItem
	convert := func(obj runtime.Object) (protobufItem, error) {
		if out == nil {
			gvks, _, err := scheme.ObjectKinds(obj)
			if err != nil {
				return nil, err
			}
			o, err := scheme.New(gv.WithKind(gvks[0].Kind))
			if err != nil {
				return nil, err
			}
			var ok bool
			if out, ok = o.(protobufItem); !ok {
				return nil, fmt.Errorf("%T has no generated protobuf", o)
			}
		}
		// Zeroed for each item, as in WriteJSON.
		reflect.ValueOf(out).Elem().SetZero()
		return out, scheme.Convert(obj, out, nil)
	}
	raw := len(head)
	err = p.Each(func(obj runtime.Object) error {
		item, err := convert(obj)
		if err != nil {
			return err
		}
		n := item.Size()
		raw += len(itemTag) + protobufVarintLen(uint64(n)) + n
		return nil
	})
	if err != nil {
		return fmt.Errorf("write %s list: %w", p.res.Name, err)
	}

	// The prefix alone first: the response writer recognises a stream by
	// its short first write, and then still gzips it.
	if _, err := w.Write(protobufPrefix); err != nil {
		return err
	}
	gvk := list.GetObjectKind().GroupVersionKind()
	unknown := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind}}
	_, err = unknown.MarshalToWriter(w, raw, func(w io.Writer) (int, error) {
		written, err := w.Write(head)
		if err != nil {
			return written, err
		}
		var buf []byte
		err = p.Each(func(obj runtime.Object) error {
			item, err := convert(obj)
			if err != nil {
				return err
			}
			n := item.Size()
			if need := len(itemTag) + binary.MaxVarintLen64 + n; cap(buf) < need {
				buf = make([]byte, 0, need)
			}
			buf = binary.AppendUvarint(append(buf[:0], itemTag...), uint64(n))
			start := len(buf)
			buf = buf[:start+n]
			if m, err := item.MarshalToSizedBuffer(buf[start:]); err != nil {
				return err
			} else if m != n {
				return fmt.Errorf("%T: Size() was %d but %d bytes were marshalled", item, n, m)
			}
			if written+len(buf) > raw {
				// Never more than announced: the client would misread what follows.
				return fmt.Errorf("the items outgrew the %d bytes sized for them", raw)
			}
			m, err := w.Write(buf)
			written += m
			return err
		})
		return written, err
	})
	if err != nil {
		return fmt.Errorf("write %s list: %w", p.res.Name, err)
	}
	return nil
}

// protobufListHead returns the protobuf encoding of list, whose items must
// be empty, and the tag of its items field. The items must be the list's
// last field, so that the encoding of the whole list is head followed by
// each item's tag, length and encoding.
func protobufListHead(list runtime.Object) (head, itemTag []byte, err error) {
	marshaller, ok := list.(interface{ Marshal() ([]byte, error) })
	if !ok {
		return nil, nil, fmt.Errorf("%T has no generated protobuf", list)
	}
	t := reflect.TypeOf(list).Elem()
	items, last := -1, -1
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("protobuf")
		if tag == "" {
			continue
		}
		parts := strings.Split(tag, ",")
		if len(parts) < 3 {
			return nil, nil, fmt.Errorf("%T.%s: protobuf tag %q", list, t.Field(i).Name, tag)
		}
		number, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, nil, fmt.Errorf("%T.%s: protobuf tag %q", list, t.Field(i).Name, tag)
		}
		last = max(last, number)
		if t.Field(i).Name == "Items" && parts[0] == "bytes" && parts[2] == "rep" {
			items = number
		}
	}
	if items < 0 || items != last {
		return nil, nil, fmt.Errorf("%T: the items are not the last protobuf field", list)
	}
	if n := meta.LenList(list); n != 0 {
		return nil, nil, fmt.Errorf("%T: the envelope holds %d items", list, n)
	}
	head, err = marshaller.Marshal()
	if err != nil {
		return nil, nil, err
	}
	// Wire type 2: length-delimited.
	return head, binary.AppendUvarint(nil, uint64(items)<<3|2), nil
}

func protobufVarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// WriteTableJSON writes the page as the Table (of meta.k8s.io version
// tableGV) that the generic handler would write after ConvertToTable, byte
// for byte, one row at a time. objectGV is the version of the objects of
// includeObject=Object.
func (t *TableConvertor) WriteTableJSON(w io.Writer, page *Page, opts *metav1.TableOptions, scheme Scheme, tableGV, objectGV schema.GroupVersion, pretty bool) error {
	table := &metav1.Table{ListMeta: page.ListMeta()}
	table.SetGroupVersionKind(tableGV.WithKind("Table"))
	if opts == nil || !opts.NoHeaders {
		table.ColumnDefinitions = t.columns
	}
	include := metav1.IncludeMetadata
	if opts != nil && opts.IncludeObject != "" {
		include = opts.IncludeObject
	}
	switch include {
	case metav1.IncludeMetadata, metav1.IncludeObject, metav1.IncludeNone:
	default:
		return apierrors.NewBadRequest(fmt.Sprintf("unrecognized includeObject value: %q", include))
	}
	s := newJSONStream(w, pretty)
	if err := s.open(table, "rows"); err != nil {
		return err
	}
	now := t.now()
	err := page.Each(func(obj runtime.Object) error {
		cells, err := t.cells(t.res.ToUpstream(obj), now)
		if err != nil {
			return fmt.Errorf("print %s: %w", t.res.Name, err)
		}
		row := metav1.TableRow{Cells: cells}
		bookmark, err := storage.HasInitialEventsEndBookmarkAnnotation(obj)
		if err != nil {
			return err
		}
		// As the generic handler's asTable.
		switch {
		case include == metav1.IncludeObject && !bookmark:
			if row.Object.Object, err = scheme.ConvertToVersion(obj, objectGV); err != nil {
				return err
			}
		case include == metav1.IncludeMetadata || bookmark:
			m, err := meta.Accessor(obj)
			if err != nil {
				return err
			}
			partial := meta.AsPartialObjectMetadata(m)
			partial.SetGroupVersionKind(tableGV.WithKind("PartialObjectMetadata"))
			row.Object.Object = partial
		}
		return s.item(row)
	})
	if err != nil {
		return fmt.Errorf("write %s table: %w", t.res.Name, err)
	}
	return s.close()
}

// jsonStream writes a JSON object whose last field is an array, element by
// element, exactly as encoding/json would write the whole object (with
// json.Encoder, or json.MarshalIndent with two spaces when pretty, as the
// apimachinery JSON serializer does), reusing one buffer for the elements.
type jsonStream struct {
	w      io.Writer
	pretty bool
	buf    bytes.Buffer
	enc    *json.Encoder
	n      int
}

func newJSONStream(w io.Writer, pretty bool) *jsonStream {
	s := &jsonStream{w: w, pretty: pretty}
	s.enc = json.NewEncoder(&s.buf)
	if pretty {
		s.enc.SetIndent("    ", "  ")
	}
	return s
}

// open writes envelope, whose last field (named field) must be a nil
// slice, up to that array's opening bracket.
func (s *jsonStream) open(envelope any, field string) error {
	var head []byte
	var err error
	null := "null}"
	if s.pretty {
		head, err = json.MarshalIndent(envelope, "", "  ")
		null = "null\n}"
	} else {
		head, err = json.Marshal(envelope)
	}
	if err != nil {
		return err
	}
	if !bytes.HasSuffix(head, []byte(`"`+field+`":`+null)) && !bytes.HasSuffix(head, []byte(`"`+field+`": `+null)) {
		return fmt.Errorf("%T does not end with its %q field", envelope, field)
	}
	head = append(head[:len(head)-len(null)], '[')
	// The opening brace alone first: the response writer recognises a
	// stream by its short first write, and then still gzips it.
	if _, err := s.w.Write(head[:1]); err != nil {
		return err
	}
	_, err = s.w.Write(head[1:])
	return err
}

// item writes one array element.
func (s *jsonStream) item(v any) error {
	s.buf.Reset()
	if s.n > 0 {
		s.buf.WriteByte(',')
	}
	if s.pretty {
		s.buf.WriteString("\n    ")
	}
	if err := s.enc.Encode(v); err != nil {
		return err
	}
	s.buf.Truncate(s.buf.Len() - 1) // Encode's newline
	s.n++
	_, err := s.w.Write(s.buf.Bytes())
	return err
}

// close ends the array and the object.
func (s *jsonStream) close() error {
	end := "]}\n"
	if s.pretty {
		end = "]\n}"
		if s.n > 0 {
			end = "\n  ]\n}"
		}
	}
	_, err := io.WriteString(s.w, end)
	return err
}
