package oauth

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	"k8s.io/klog/v2"
)

// UserReferenceLabel names the user of a LoginRecord, as KubeSphere labels
// them: kubectl get loginrecords -l iam.kubesphere.io/user-ref=<user>.
const UserReferenceLabel = "iam.kubesphere.io/user-ref"

// LoginRecordsResource is KubeSphere's LoginRecord resource
// (artifacts/deploy/crds/iam.kubesphere.io_loginrecords.yaml).
var LoginRecordsResource = schema.GroupVersionResource{Group: "iam.kubesphere.io", Version: "v1beta1", Resource: "loginrecords"}

// LoginEntry is one password login of an existing account. It carries no
// credential.
type LoginEntry struct {
	User, SourceIP, UserAgent, Reason string
	Success                           bool
}

// LoginHistory keeps the login history that `kubectl get loginrecords`
// reads: who logged in, from where, when, and whether it worked.
type LoginHistory interface {
	Record(ctx context.Context, e LoginEntry) error
}

// recordLogin writes the login to the history in the background (the
// answer does not wait for kube-apiserver); a failure is only logged.
func (s *Server) recordLogin(r *http.Request, user string, success bool, reason string) {
	h := s.cfg.LoginHistory
	if h == nil {
		return
	}
	e := LoginEntry{User: user, SourceIP: clientIP(r), UserAgent: truncate(r.UserAgent(), 256), Reason: reason, Success: success}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Record(ctx, e); err != nil {
			if apierrors.IsNotFound(err) {
				klog.V(2).InfoS("Login not recorded: kube-apiserver does not serve loginrecords.iam.kubesphere.io", "user", user)
				return
			}
			klog.ErrorS(err, "Recording a login", "user", user)
		}
	}()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// KubeLoginHistory keeps the login history as LoginRecord objects in
// kube-apiserver.
type KubeLoginHistory struct {
	client dynamic.Interface
	// Retention is how long a record is kept; MaxEntries how many of each
	// user's newest are (KubeSphere's loginHistoryRetentionPeriod and
	// loginHistoryMaximumEntries).
	Retention  time.Duration
	MaxEntries int
}

// NewKubeLoginHistory writes LoginRecords with client.
func NewKubeLoginHistory(client dynamic.Interface, retention time.Duration, maxEntries int) *KubeLoginHistory {
	return &KubeLoginHistory{client: client, Retention: retention, MaxEntries: maxEntries}
}

// Record implements LoginHistory.
func (k *KubeLoginHistory) Record(ctx context.Context, e LoginEntry) error {
	prefix := e.User
	if len(validation.IsDNS1123Subdomain(prefix)) > 0 || len(prefix) > 200 {
		prefix = "user"
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": LoginRecordsResource.GroupVersion().String(),
		"kind":       "LoginRecord",
		"metadata":   map[string]any{"generateName": prefix + "-"},
		"spec": map[string]any{
			"type": "Token", "sourceIP": e.SourceIP, "userAgent": e.UserAgent,
			"success": e.Success, "reason": e.Reason,
		},
	}}
	if len(validation.IsValidLabelValue(e.User)) == 0 {
		obj.SetLabels(map[string]string{UserReferenceLabel: e.User})
	}
	_, err := k.client.Resource(LoginRecordsResource).Create(ctx, obj, metav1.CreateOptions{})
	return err
}

// Prune removes records older than Retention, and all but each user's
// MaxEntries newest. The leader runs it.
func (k *KubeLoginHistory) Prune(ctx context.Context, now time.Time) error {
	list, err := k.client.Resource(LoginRecordsResource).List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) {
		return nil // the CRD is not installed: nothing to prune
	}
	if err != nil {
		return fmt.Errorf("list login records: %w", err)
	}
	items := list.Items
	sort.Slice(items, func(i, j int) bool {
		ti, tj := items[i].GetCreationTimestamp(), items[j].GetCreationTimestamp()
		return tj.Before(&ti) // newest first
	})
	perUser := map[string]int{}
	for i := range items {
		it := &items[i]
		user := it.GetLabels()[UserReferenceLabel]
		perUser[user]++
		if now.Sub(it.GetCreationTimestamp().Time) <= k.Retention && (k.MaxEntries <= 0 || perUser[user] <= k.MaxEntries) {
			continue
		}
		err := k.client.Resource(LoginRecordsResource).Delete(ctx, it.GetName(), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete login record %s: %w", it.GetName(), err)
		}
	}
	return nil
}
