#!/usr/bin/env bash
# Certificates and kubeconfigs of the real cluster (openssl). Usage: certs.sh
set -euo pipefail; . "$(dirname "$0")/env.sh"
mkdir -p "$P" && cd "$P"
ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key -out $1.crt -days 365 -subj "/CN=$2" 2>/dev/null; }
cert() { # cert NAME CA SUBJECT EXTENDED-KEY-USAGE [SUBJECT-ALT-NAMES]
	openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj "$3" 2>/dev/null
	{ echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"; echo "extendedKeyUsage=$4"
	  [ -n "${5:-}" ] && echo "subjectAltName=$5"; } > $1.ext
	openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -out $1.crt -days 365 -extfile $1.ext 2>/dev/null
	rm -f $1.csr $1.ext
}
ca ca ks-node-ca
ca front-proxy-ca ks-node-front-proxy-ca
cert apiserver ca "/CN=kube-apiserver" serverAuth \
	"DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:${SVC_CIDR%.0/*}.1"
cert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
cert admin ca "/O=system:masters/CN=kubernetes-admin" clientAuth
cert controller-manager ca "/CN=system:kube-controller-manager" clientAuth
cert scheduler ca "/CN=system:kube-scheduler" clientAuth
cert kubelet ca "/O=system:nodes/CN=system:node:$NODE" clientAuth
cert kube-proxy ca "/CN=system:kube-proxy" clientAuth
cert front-proxy-client front-proxy-ca "/CN=front-proxy-client" clientAuth
openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
for u in admin controller-manager scheduler kubelet kube-proxy; do
	cat > $u.kubeconfig <<KC
apiVersion: v1
kind: Config
clusters:
- name: ks-node
  cluster: {certificate-authority: $P/ca.crt, server: "https://$NODE_IP:$APISERVER_PORT"}
users:
- name: $u
  user: {client-certificate: $P/$u.crt, client-key: $P/$u.key}
contexts:
- name: $u@ks-node
  context: {cluster: ks-node, user: $u}
current-context: $u@ks-node
KC
done
