package mirror

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
)

// TableConvertor prints served objects with the table of their upstream
// resource (columns and a row function on upstream objects), so kubectl shows
// the same columns and cells for a mirror as for the resource it mirrors.
type TableConvertor struct {
	res     *Resource
	columns []metav1.TableColumnDefinition
	cells   func(upstream runtime.Object, now time.Time) ([]any, error)
	// now is the reference time of AGE columns; time.Now outside tests.
	now func() time.Time
}

var _ rest.TableConvertor = &TableConvertor{}

// NewTableConvertor prints res with columns, filling rows with cells.
func NewTableConvertor(res *Resource, columns []metav1.TableColumnDefinition, cells func(runtime.Object, time.Time) ([]any, error)) *TableConvertor {
	return &TableConvertor{res: res, columns: columns, cells: cells, now: time.Now}
}

// ConvertToTable prints one object or a list, keeping the list's
// resourceVersion, continue token and remaining count.
func (t *TableConvertor) ConvertToTable(_ context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	if opts, ok := tableOptions.(*metav1.TableOptions); !ok || !opts.NoHeaders {
		table.ColumnDefinitions = t.columns
	}
	now := t.now()
	row := func(obj runtime.Object) error {
		cells, err := t.cells(t.res.ToUpstream(obj), now)
		if err != nil {
			return fmt.Errorf("print %s: %w", t.res.Name, err)
		}
		table.Rows = append(table.Rows, metav1.TableRow{Cells: cells, Object: runtime.RawExtension{Object: obj}})
		return nil
	}
	if meta.IsListType(object) {
		table.Rows = make([]metav1.TableRow, 0, meta.LenList(object))
		if err := meta.EachListItem(object, row); err != nil {
			return nil, err
		}
		if l, err := meta.ListAccessor(object); err == nil {
			table.ResourceVersion = l.GetResourceVersion()
			table.Continue = l.GetContinue()
			table.RemainingItemCount = l.GetRemainingItemCount()
		}
		return table, nil
	}
	if err := row(object); err != nil {
		return nil, err
	}
	if m, err := meta.Accessor(object); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	return table, nil
}
