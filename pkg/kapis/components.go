package kapis

import (
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// SystemNamespaces are where KubeSphere 3.3 looks for its components: the
// Services with a selector there, and the pods behind them.
var SystemNamespaces = []string{
	"kubesphere-system", "kubesphere-logging-system", "kubesphere-monitoring-system", "openpitrix-system",
	"kube-system", "istio-system", "kubesphere-devops-system", "porter-system",
}

// componentStatus is KubeSphere's ComponentStatus.
type componentStatus struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	SelfLink  string            `json:"selfLink"`
	Label     map[string]string `json:"label"`
	StartedAt time.Time         `json:"startedAt"`
	// The backends are pods: left out for a caller who may not list the
	// pods of the component's namespace.
	TotalBackends   *int `json:"totalBackends,omitempty"`
	HealthyBackends *int `json:"healthyBackends,omitempty"`
}

// healthStatus is KubeSphere's HealthStatus.
type healthStatus struct {
	KubeSphereComponents []componentStatus `json:"kubesphereStatus"`
	// NodeStatus is left out for a caller who may not list nodes.
	NodeStatus *nodeStatus `json:"nodeStatus,omitempty"`
}

type nodeStatus struct {
	TotalNodes   int `json:"totalNodes"`
	HealthyNodes int `json:"healthyNodes"`
}

// Paths of KubeSphere's component routes, which take precedence over
// resources of the same name as in KubeSphere's router. The request info
// resolver reads them as resources; the authorizer maps them to services.
const (
	ComponentsPath      = "components"
	ComponentHealthPath = "componenthealth"
)

// serveComponents answers /components, /components/{name} and
// /componenthealth from the service, pod and node caches; reads tells what
// of the pods and nodes the caller may see.
func (h *Handler) serveComponents(w http.ResponseWriter, reads *mirror.Reads, r route) {
	if r.resource == ComponentHealthPath {
		if r.name != "" {
			writeError(w, noRoute(Prefix+"/"+ComponentHealthPath+"/"+r.name))
			return
		}
		health := healthStatus{KubeSphereComponents: h.components(reads, "")}
		if reads.Allowed(query.Read{Resource: "nodes", AllNamespaces: true}, "", "") {
			health.NodeStatus = h.nodeHealth()
		}
		writeJSON(w, http.StatusOK, health)
		return
	}
	if r.name == "" {
		writeJSON(w, http.StatusOK, h.components(reads, ""))
		return
	}
	found := h.components(reads, r.name)
	if len(found) == 0 {
		writeError(w, apierrors.NewNotFound(corev1.Resource(ComponentsPath), r.name))
		return
	}
	writeJSON(w, http.StatusOK, found[0])
}

// components returns the components of the system namespaces, in their
// order, or the first one named name; with their backends where the caller
// may list pods.
func (h *Handler) components(reads *mirror.Reads, name string) []componentStatus {
	out := []componentStatus{}
	services := h.store("services")
	pods := h.store("pods")
	if services == nil {
		return out
	}
	for _, ns := range SystemNamespaces {
		svcs, _, err := services.List(ns, nil, nil)
		if err != nil {
			continue
		}
		for _, obj := range svcs {
			svc, ok := obj.(*corev1.Service)
			if !ok || len(svc.Spec.Selector) == 0 || (name != "" && svc.Name != name) {
				continue
			}
			c := componentStatus{
				Name: svc.Name, Namespace: svc.Namespace, Label: svc.Spec.Selector,
				StartedAt: svc.CreationTimestamp.Time.UTC(),
			}
			if pods != nil && reads.Allowed(query.Read{Resource: "pods"}, "", ns) {
				backends, _, _ := pods.List(ns, labels.SelectorFromSet(svc.Spec.Selector), nil)
				total, healthy := len(backends), 0
				for _, p := range backends {
					if pod, ok := p.(*corev1.Pod); ok && podHealthy(pod) {
						healthy++
					}
				}
				c.TotalBackends, c.HealthyBackends = &total, &healthy
			}
			out = append(out, c)
			if name != "" {
				return out
			}
		}
	}
	return out
}

// podHealthy is KubeSphere's healthy backend: running with every container
// ready.
func podHealthy(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if !cs.Ready {
			return false
		}
	}
	return true
}

func (h *Handler) nodeHealth() *nodeStatus {
	s := &nodeStatus{}
	nodes := h.store("nodes")
	if nodes == nil {
		return s
	}
	all, _, _ := nodes.List("", nil, nil)
	for _, obj := range all {
		node, ok := obj.(*corev1.Node)
		if !ok {
			continue
		}
		s.TotalNodes++
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				s.HealthyNodes++
				break
			}
		}
	}
	return s
}

// store returns the store of a mirrored resource whose cache is synced.
func (h *Handler) store(resource string) *mirror.Store {
	res, ok := h.resources[resource]
	if !ok {
		return nil
	}
	c, ok := h.upstream.Cache(res)
	if !ok || !c.Synced() {
		return nil
	}
	return mirror.NewStore(res, c)
}

func noRoute(path string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
		Message: fmt.Sprintf("no route for %s: the routes are %s/{resources}[/{name}] and %s/namespaces/{namespace}/{resources}[/{name}]",
			path, Prefix, Prefix),
	}}
}
