package printers

import (
	"fmt"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxIngressHosts is how many hosts HOSTS names before summarizing the rest.
const maxIngressHosts = 3

func init() {
	networking := networkingv1.SchemeGroupVersion

	register(networking.WithResource("ingresses"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
			col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
			col("Address", "string", "Address is a list containing ingress points for the load-balancer"),
			col("Ports", "string", "Ports of TLS configurations that open"),
			ageColumn(),
		},
		Cells: rowOf(ingressRow),
	})

	register(networking.WithResource("networkpolicies"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Pod-Selector", "string", networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]),
			ageColumn(),
		},
		Cells: rowOf(func(np *networkingv1.NetworkPolicy, now time.Time) []any {
			return []any{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), age(np.CreationTimestamp, now)}
		}),
	})
}

func ingressRow(ing *networkingv1.Ingress, now time.Time) []any {
	class := "<none>"
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	// kube-apiserver always renders the wide (unclipped) address list.
	address := strings.Join(loadBalancerAddresses(ing.Status.LoadBalancer.Ingress,
		func(i networkingv1.IngressLoadBalancerIngress) (string, string) { return i.IP, i.Hostname }), ",")
	// Ingress controllers serve plain HTTP always, and HTTPS when TLS is set.
	ports := "80"
	if len(ing.Spec.TLS) > 0 {
		ports = "80, 443"
	}
	return []any{ing.Name, class, ingressHosts(ing.Spec.Rules), address, ports, age(ing.CreationTimestamp, now)}
}

// ingressHosts names the first hosts of the rules ("*" when no rule names
// one). Once that many are named, any further rule adds "+ N more...", where
// N counts the rules beyond the first few, hostless ones included.
func ingressHosts(rules []networkingv1.IngressRule) string {
	var hosts []string
	more := false
	for _, r := range rules {
		if len(hosts) == maxIngressHosts {
			more = true
			break
		}
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 {
		return "*"
	}
	out := strings.Join(hosts, ",")
	if more {
		out = fmt.Sprintf("%s + %d more...", out, len(rules)-maxIngressHosts)
	}
	return out
}
