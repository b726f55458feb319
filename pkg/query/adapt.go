package query

import (
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
)

// The adapters below turn functions of one upstream type into the untyped
// functions a Type holds. An object of another type (or a nil pointer) never
// reaches the typed function: attributes are "", keys are zero, predicates
// are false, groups are empty and Decorate returns the object unchanged.

// as returns obj as a T, false when it is of another type or a nil pointer.
func as[T runtime.Object](obj runtime.Object) (T, bool) {
	t, ok := obj.(T)
	if !ok {
		return t, false
	}
	if v := reflect.ValueOf(t); v.Kind() == reflect.Pointer && v.IsNil() {
		return t, false
	}
	return t, true
}

// AttrOf adapts f to Filter.Attr.
func AttrOf[T runtime.Object](f func(T) string) func(runtime.Object) string {
	return func(obj runtime.Object) string {
		t, ok := as[T](obj)
		if !ok {
			return ""
		}
		return f(t)
	}
}

// KeyOf adapts f to SortKey.Of.
func KeyOf[T runtime.Object](f func(T) Key) func(runtime.Object) Key {
	return func(obj runtime.Object) Key {
		t, ok := as[T](obj)
		if !ok {
			return Key{}
		}
		return f(t)
	}
}

// TimeKeyOf adapts a time of the object to SortKey.Of (see TimeKey).
func TimeKeyOf[T runtime.Object](f func(T) time.Time) func(runtime.Object) Key {
	return KeyOf(func(t T) Key { return TimeKey(f(t)) })
}

// TimeKey is the sort key of a time: Unix nanoseconds, 0 for the zero time
// (so an unset time sorts before every real one).
func TimeKey(t time.Time) Key {
	if t.IsZero() {
		return Key{}
	}
	return Key{Time: t.UnixNano()}
}

// MatchOf adapts a test of one object against the request's value to
// Filter.Compile. It never fails.
func MatchOf[T runtime.Object](match func(obj T, value string) bool) func(string, Env) (Predicate, error) {
	return func(value string, _ Env) (Predicate, error) {
		return func(it *Item) bool {
			t, ok := as[T](it.Object)
			return ok && match(t, value)
		}, nil
	}
}

// GroupOf adapts f to a Type.Groups function.
func GroupOf[T runtime.Object](f func(T) []string) func(runtime.Object) []string {
	return func(obj runtime.Object) []string {
		t, ok := as[T](obj)
		if !ok {
			return nil
		}
		return f(t)
	}
}

// DecorateOf adapts f to Type.Decorate. f must return a copy, never
// mutating its argument.
func DecorateOf[T runtime.Object](f func(obj T, env Env) T) func(runtime.Object, Env) runtime.Object {
	return func(obj runtime.Object, env Env) runtime.Object {
		t, ok := as[T](obj)
		if !ok {
			return obj
		}
		return f(t, env)
	}
}
