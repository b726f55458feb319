package mirror_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/install"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// Watches that start together convert each object once per encoding, not
// once per watch, and every watch gets the bytes the object encodes to
// on its own: 8 watches of 500 realistic pods and then 100 changes, half
// read as JSON and half as protobuf, encoded concurrently as the watch
// handlers encode them (under -race: a served object is never written by
// two encoders; the watchers of a change encode it at the same time).
func TestWatchesShareEncodings(t *testing.T) {
	const pods, changes, watches = 500, 100, 8
	scheme := k8sruntime.NewScheme()
	install.Install(scheme)
	codecs := serializer.NewCodecFactory(scheme)
	var encoders []k8sruntime.Encoder
	for _, mediaType := range []string{k8sruntime.ContentTypeJSON, k8sruntime.ContentTypeProtobuf} {
		info, ok := k8sruntime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), mediaType)
		if !ok {
			t.Fatalf("no serializer for %s", mediaType)
		}
		encoders = append(encoders, codecs.EncoderForVersion(info.Serializer, v1alpha3.SchemeGroupVersion))
	}

	for _, tc := range []struct {
		how         mirror.WatchStart
		conversions int
	}{
		{mirror.WatchShared, (pods + changes) * len(encoders)},
		{mirror.WatchPerWatch, (pods + changes) * watches},
	} {
		var res mirror.Resource
		for _, r := range registryresources.All() {
			if r.Name == "pods" {
				res = r
			}
		}
		var converted, extra atomic.Int64
		toServed := res.ToServed
		res.ToServed = func(obj k8sruntime.Object) k8sruntime.Object {
			converted.Add(1)
			return toServed(obj)
		}
		objs := make([]k8sruntime.Object, pods)
		for i := range objs {
			obj, _ := mirror.Compact(fixtures.RealisticPod(i))
			objs[i] = obj.(k8sruntime.Object)
		}
		up := mirror.NewFixedCaches([]mirror.Resource{res}, map[string][]k8sruntime.Object{"pods": objs})
		c, _ := up.Cache(up.Resources()[0])
		rv := c.ResourceVersion()
		var updates [][2]*corev1.Pod // new, old
		for i := range changes {
			old := objs[i*pods/changes].(*corev1.Pod)
			p := *old // the cached pod is never changed
			rv++
			p.ResourceVersion = fmt.Sprint(rv)
			p.Status.ContainerStatuses = slices.Clone(p.Status.ContainerStatuses)
			p.Status.ContainerStatuses[0].RestartCount++
			updates = append(updates, [2]*corev1.Pod{&p, old})
		}
		want := make([]map[string]string, len(encoders)) // name@rv -> bytes
		for i, enc := range encoders {
			want[i] = map[string]string{}
			add := func(p *corev1.Pod) {
				var buf bytes.Buffer
				if err := enc.Encode(toServed(p), &buf); err != nil {
					t.Fatal(err)
				}
				want[i][p.Name+"@"+p.ResourceVersion] = buf.String()
			}
			for _, obj := range objs {
				add(obj.(*corev1.Pod))
			}
			for _, u := range updates {
				add(u[0])
			}
		}

		ctx, cancel := context.WithCancel(context.Background())
		var wg, initial sync.WaitGroup
		initial.Add(watches)
		for i := range watches {
			enc, want := encoders[i%len(encoders)], want[i%len(encoders)]
			w, err := c.WatchAll(ctx, false, tc.how)
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer w.Stop()
				for got := 0; got < pods+changes; got++ {
					e, ok := <-w.ResultChan()
					if !ok {
						t.Errorf("watch %d ended after %d of %d events", i, got, pods+changes)
						return
					}
					if got == pods-1 {
						initial.Done()
					}
					var buf bytes.Buffer
					if err := enc.Encode(e.Object, &buf); err != nil {
						t.Error(err)
						return
					}
					served := e.Object
					if co, ok := served.(k8sruntime.CacheableObject); ok {
						served = co.GetObject()
						extra.Add(1)
					}
					m, err := meta.Accessor(served)
					if err != nil {
						t.Error(err)
						return
					}
					key := m.GetName() + "@" + m.GetResourceVersion()
					if buf.String() != want[key] {
						t.Errorf("watch %d, %s pod %s: encoded\n%q\nwant\n%q", i, e.Type, key, buf.String(), want[key])
						return
					}
				}
			}()
		}
		initial.Wait()
		for _, u := range updates {
			c.ApplyEvent(watch.Modified, u[0], u[1])
		}
		wg.Wait()
		cancel()
		// GetObject above converts once more.
		if got := int(converted.Load() - extra.Load()); got != tc.conversions {
			t.Errorf("%v: %d conversions for %d watches of %d pods, want %d", tc.how, got, watches, pods, tc.conversions)
		}
	}
}
