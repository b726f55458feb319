package printers

import (
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1beta1 "k8s.io/api/rbac/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func init() {
	rbac := rbacv1.SchemeGroupVersion

	// kube-apiserver has no printer for roles: they get the generic table
	// of every object without one, NAME and CREATED AT.
	register(rbac.WithResource("roles"), Table{
		Columns: defaultColumns(),
		Cells: rowOf(func(r *rbacv1.Role, _ time.Time) []any {
			return []any{r.Name, createdAt(r.CreationTimestamp)}
		}),
	})
	register(rbac.WithResource("clusterroles"), Table{
		Columns: defaultColumns(),
		Cells: rowOf(func(r *rbacv1.ClusterRole, _ time.Time) []any {
			return []any{r.Name, createdAt(r.CreationTimestamp)}
		}),
	})

	// The descriptions come from rbac/v1beta1, as in kube-apiserver.
	register(rbac.WithResource("rolebindings"), Table{
		Columns: bindingColumns(rbacv1beta1.RoleBinding{}.SwaggerDoc()["roleRef"], "roleBinding"),
		Cells: rowOf(func(b *rbacv1.RoleBinding, now time.Time) []any {
			return bindingRow(b.Name, b.RoleRef, b.Subjects, b.CreationTimestamp, now)
		}),
	})
	register(rbac.WithResource("clusterrolebindings"), Table{
		Columns: bindingColumns(rbacv1beta1.ClusterRoleBinding{}.SwaggerDoc()["roleRef"], "clusterRoleBinding"),
		Cells: rowOf(func(b *rbacv1.ClusterRoleBinding, now time.Time) []any {
			return bindingRow(b.Name, b.RoleRef, b.Subjects, b.CreationTimestamp, now)
		}),
	})
}

// defaultColumns are those of kube-apiserver's default table convertor.
// CREATED AT is typed "date": its cell is an RFC 3339 timestamp.
func defaultColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn(),
		col("Created At", "date", objectMetaDocs["creationTimestamp"]),
	}
}

func bindingColumns(roleRefDescription, kind string) []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn(),
		col("Role", "string", roleRefDescription),
		ageColumn(),
		wideCol("Users", "string", "Users in the "+kind),
		wideCol("Groups", "string", "Groups in the "+kind),
		wideCol("ServiceAccounts", "string", "ServiceAccounts in the "+kind),
	}
}

// bindingRow renders a role binding; subjects of other kinds are not shown.
func bindingRow(name string, ref rbacv1.RoleRef, subjects []rbacv1.Subject, created metav1.Time, now time.Time) []any {
	var users, groups, sas []string
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			sas = append(sas, s.Namespace+"/"+s.Name)
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		}
	}
	return []any{
		name,
		ref.Kind + "/" + ref.Name,
		age(created, now),
		strings.Join(users, ", "),
		strings.Join(groups, ", "),
		strings.Join(sas, ", "),
	}
}
