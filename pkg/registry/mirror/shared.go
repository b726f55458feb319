package mirror

import (
	"bytes"
	"io"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"
)

// servedObject is a cached object as watches deliver it: each encoding of
// its served form (JSON or protobuf, a table, a watch frame of each event
// type) is made once and its bytes shared by every watch that sends the
// object, as kube-apiserver's watch cache shares its encodings. It is a
// runtime.CacheableObject: the API server's watch handler and the
// versioning codec call CacheEncode with their identifier, and on the first
// call for an identifier the encoder gets a served object of its own
// (encoders may set its kind while they encode, so one served object is
// never given to two encoders). It holds the cached object, which is
// immutable; the served form is made only when an encoding needs it.
type servedObject struct {
	upstream runtime.Object
	toServed func(runtime.Object) runtime.Object

	mu sync.Mutex
	// encodings, by identifier: a handful (media type, event type,
	// transformation), so a slice.
	encodings []*encoding
}

// encoding is one identifier's bytes, made once.
type encoding struct {
	id   runtime.Identifier
	once sync.Once
	raw  []byte
	err  error
}

var _ runtime.CacheableObject = &servedObject{}

// CacheEncode writes the encoding id names, making it with encode the first
// time (runtime.CacheableObject).
func (o *servedObject) CacheEncode(id runtime.Identifier, encode func(runtime.Object, io.Writer) error, w io.Writer) error {
	e := o.encoding(id)
	e.once.Do(func() {
		var buf bytes.Buffer
		e.err = encode(o.toServed(o.upstream), &buf)
		e.raw = buf.Bytes()
	})
	if e.err != nil {
		return e.err
	}
	// The bytes never change once made, so a splice buffer may keep them.
	if s, ok := w.(runtime.Splice); ok {
		s.Splice(e.raw)
		return nil
	}
	_, err := w.Write(e.raw)
	return err
}

func (o *servedObject) encoding(id runtime.Identifier) *encoding {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.encodings {
		if e.id == id {
			return e
		}
	}
	e := &encoding{id: id}
	o.encodings = append(o.encodings, e)
	return e
}

// GetObject returns a served object of the caller's own
// (runtime.CacheableObject).
func (o *servedObject) GetObject() runtime.Object { return o.toServed(o.upstream) }

// GetObjectKind: the served objects carry no kind; the encoders set it on
// the object they encode, never on the wrapper.
func (o *servedObject) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject returns a wrapper of the same cached object with no
// encodings made.
func (o *servedObject) DeepCopyObject() runtime.Object {
	return &servedObject{upstream: o.upstream, toServed: o.toServed}
}

// sharedGeneration is how many objects each of the servedMemo's two
// generations holds. Watches that start together take turns a page
// (initialPage objects) at a time, so they are within a few pages of each
// other: 4096 objects are 16 pages.
const sharedGeneration = 4096

// memoAge is how long an unused generation stays: an object is forgotten
// between one and two memoAge after it was last looked up, so an idle
// cache holds no encodings.
const memoAge = 5 * time.Second

// servedMemo gives the watches of a cache one servedObject per cached
// object while they send it, so the watches that start together (clients
// coming back after a restart of ks-apiserver or of kube-apiserver) and
// the watchers of one event convert and encode each object once, not once
// per watch. It remembers the objects of the last two generations of
// lookups, the older one dropped whole when the newer has sharedGeneration
// objects or is memoAge old; an object looked up again moves to the newer.
// Keys are the cached objects themselves: a changed object is a new one,
// so nothing goes stale.
type servedMemo struct {
	toServed func(runtime.Object) runtime.Object
	clock    clock.WithDelayedExecution

	mu        sync.Mutex
	cur, prev map[runtime.Object]*servedObject
	// aging: a timer will age the generations.
	aging bool
}

func newServedMemo(toServed func(runtime.Object) runtime.Object, clk clock.WithDelayedExecution) *servedMemo {
	return &servedMemo{toServed: toServed, clock: clk}
}

// serve returns the servedObject of the cached object obj.
func (m *servedMemo) serve(obj runtime.Object) runtime.Object {
	m.mu.Lock()
	defer m.mu.Unlock()
	if o, ok := m.cur[obj]; ok {
		return o
	}
	o, ok := m.prev[obj]
	if !ok {
		o = &servedObject{upstream: obj, toServed: m.toServed}
	}
	if m.cur == nil || len(m.cur) >= sharedGeneration {
		m.prev, m.cur = m.cur, make(map[runtime.Object]*servedObject)
	}
	m.cur[obj] = o
	if !m.aging {
		m.aging = true
		m.clock.AfterFunc(memoAge, m.age)
	}
	return o
}

// age drops the older generation; the newer becomes the older.
func (m *servedMemo) age() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prev, m.cur = m.cur, nil
	if m.aging = m.prev != nil; m.aging {
		m.clock.AfterFunc(memoAge, m.age)
	}
}
