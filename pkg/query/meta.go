package query

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

func creationKey(obj runtime.Object) Key {
	m, err := meta.Accessor(obj)
	if err != nil {
		return Key{}
	}
	return Key{Time: m.GetCreationTimestamp().UnixNano()}
}

func nameKey(obj runtime.Object) Key {
	m, err := meta.Accessor(obj)
	if err != nil {
		return Key{}
	}
	return Key{Str: m.GetName()}
}

// metaPredicate compiles a filter over the object's metadata.
func metaPredicate(f func(m metaObject) bool) Predicate {
	return func(it *Item) bool {
		m, err := meta.Accessor(it.Object)
		return err == nil && f(m)
	}
}

type metaObject = metav1.Object

// metaFilters are KubeSphere's DefaultObjectMetaFilter keys, which every
// type accepts.
func metaFilters() map[string]Filter {
	return map[string]Filter{
		"names": {Compile: func(v string, _ Env) (Predicate, error) {
			set := map[string]bool{}
			for _, n := range strings.Split(v, ",") {
				set[n] = true
			}
			return func(it *Item) bool { return set[it.Name] }, nil
		}},
		"name": {NameSubstring: true, Compile: func(v string, _ Env) (Predicate, error) {
			return func(it *Item) bool { return strings.Contains(it.Name, v) }, nil
		}},
		"namespace": {Compile: func(v string, _ Env) (Predicate, error) {
			return func(it *Item) bool { return it.Namespace == v }, nil
		}},
		"uid": {Compile: func(v string, _ Env) (Predicate, error) {
			return metaPredicate(func(m metaObject) bool { return string(m.GetUID()) == v }), nil
		}},
		"ownerReference": {Compile: func(v string, _ Env) (Predicate, error) {
			return metaPredicate(func(m metaObject) bool {
				for _, o := range m.GetOwnerReferences() {
					if string(o.UID) == v {
						return true
					}
				}
				return false
			}), nil
		}},
		"ownerKind": {Compile: func(v string, _ Env) (Predicate, error) {
			return metaPredicate(func(m metaObject) bool {
				for _, o := range m.GetOwnerReferences() {
					if o.Kind == v {
						return true
					}
				}
				return false
			}), nil
		}},
		"label": {Labels: true, Compile: func(v string, _ Env) (Predicate, error) {
			sel, err := parseSelector(v)
			if err != nil {
				return nil, err
			}
			return metaPredicate(func(m metaObject) bool { return sel.Matches(labels.Set(m.GetLabels())) }), nil
		}},
		"annotation": {Compile: func(v string, _ Env) (Predicate, error) {
			sel, err := parseSelector(v)
			if err != nil {
				return nil, err
			}
			return metaPredicate(func(m metaObject) bool { return sel.Matches(labels.Set(m.GetAnnotations())) }), nil
		}},
	}
}

func parseSelector(v string) (labels.Selector, error) {
	sel, err := labels.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("not a label selector (k, !k, k=v, k!=v, k in (a,b), k notin (a,b), comma-separated): %w", err)
	}
	return sel, nil
}
