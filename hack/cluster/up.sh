#!/usr/bin/env bash
# Brings up a real single-node Kubernetes cluster on this machine, as root:
# containerd + runc + bridge CNI (Debian packages), etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet and kube-proxy (built from
# the pinned Go modules into _output/bin). Images in $K/images/*.tar are
# imported. hack/cluster/down.sh undoes everything, host changes included.
# Recipe and machine quirks: REAL-CLUSTER.md in the project's shared folder.
set -euo pipefail; D=$(cd "$(dirname "$0")" && pwd); . "$D/env.sh"
[[ $(id -u) == 0 ]] || { echo "up.sh: run as root (containerd, the kubelet and kube-proxy need it)" >&2; exit 1; }
for t in containerd runc ctr iptables nft openssl; do
	command -v $t >/dev/null || { echo "up.sh: $t missing: apt-get install -y containerd runc containernetworking-plugins iptables nftables openssl" >&2; exit 1; }
done
[[ -x /usr/lib/cni/bridge ]] || { echo "up.sh: /usr/lib/cni/bridge missing: apt-get install -y containernetworking-plugins" >&2; exit 1; }
# The kubelet and CNI use fixed host paths: one such cluster per machine.
if ip link show $BRIDGE >/dev/null 2>&1 || [[ -e /var/lib/kubelet ]] || pgrep -x kubelet >/dev/null; then
	echo "up.sh: another cluster seems to run here (bridge $BRIDGE, /var/lib/kubelet or a kubelet exists); hack/cluster/down.sh removes ours" >&2
	exit 1
fi
mkdir -p $K $L
# Host state that down.sh restores.
for s in vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.ip_forward; do echo "$s=$(sysctl -n $s)"; done > $K/sysctl.baseline
ls -d /var/lib/kubelet /var/lib/cni /var/log/pods /var/log/containers /run/containerd /var/run/netns 2>/dev/null > $K/preexisting || true
nft list tables > $K/nft.baseline
[[ -f $P/ca.crt ]] || "$D/certs.sh"

# containerd, with its state under $K
mkdir -p $K/containerd $K/cni/net.d
cat > $K/containerd/config.toml <<CFG
version = 2
root = "$K/containerd/root"
state = "$K/containerd/state"
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  address = "$K/containerd/debug.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "ks-node.local/pause:v1"
  # without CAP_SYS_RESOURCE runc cannot give the sandbox oom_score_adj=-998
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$K/cni/net.d"
CFG
cat > $K/cni/net.d/10-ks-node.conflist <<CNI
{
  "cniVersion": "0.4.0",
  "name": "ks-node",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$K/cni/ipam",
              "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
CNI
nohup containerd --config $K/containerd/config.toml > $L/containerd.log 2>&1 &
echo $! > $K/containerd.pid
for i in $(seq 1 30); do $CTR version >/dev/null 2>&1 && break; sleep 1; done
for img in $K/images/*.tar; do [[ -e $img ]] && $CTR images import $img >/dev/null; done

# etcd and kube-apiserver
nohup $B/etcd --name ks-node --data-dir $K/etcd-data \
	--listen-client-urls http://127.0.0.1:$ETCD_PORT --advertise-client-urls http://127.0.0.1:$ETCD_PORT \
	--listen-peer-urls http://127.0.0.1:$ETCD_PEER_PORT --initial-advertise-peer-urls http://127.0.0.1:$ETCD_PEER_PORT \
	--initial-cluster ks-node=http://127.0.0.1:$ETCD_PEER_PORT --unsafe-no-fsync --log-level=warn > $L/etcd.log 2>&1 &
echo $! > $K/etcd.pid
nohup $B/kube-apiserver --etcd-servers=http://127.0.0.1:$ETCD_PORT \
	--bind-address=0.0.0.0 --advertise-address=$NODE_IP --secure-port=$APISERVER_PORT \
	--service-cluster-ip-range=$SVC_CIDR --service-node-port-range=30000-32767 \
	--client-ca-file=$P/ca.crt --tls-cert-file=$P/apiserver.crt --tls-private-key-file=$P/apiserver.key \
	--kubelet-client-certificate=$P/apiserver-kubelet-client.crt --kubelet-client-key=$P/apiserver-kubelet-client.key \
	--kubelet-preferred-address-types=InternalIP,Hostname \
	--service-account-issuer=https://kubernetes.default.svc.cluster.local \
	--service-account-key-file=$P/sa.pub --service-account-signing-key-file=$P/sa.key \
	--authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
	--requestheader-client-ca-file=$P/front-proxy-ca.crt --requestheader-allowed-names=front-proxy-client \
	--requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
	--requestheader-username-headers=X-Remote-User \
	--proxy-client-cert-file=$P/front-proxy-client.crt --proxy-client-key-file=$P/front-proxy-client.key \
	--enable-aggregator-routing=false --allow-privileged=true --profiling=false \
	> $L/kube-apiserver.log 2>&1 &
echo $! > $K/apiserver.pid
for i in $(seq 1 120); do
	curl -sf --cacert $P/ca.crt --cert $P/admin.crt --key $P/admin.key https://$NODE_IP:$APISERVER_PORT/readyz >/dev/null && break
	[[ $i == 120 ]] && { echo "up.sh: kube-apiserver not ready (log: $L/kube-apiserver.log)" >&2; exit 1; }
	sleep 1
done

# controllers and scheduler
nohup $B/kube-controller-manager --kubeconfig=$P/controller-manager.kubeconfig \
	--authentication-kubeconfig=$P/controller-manager.kubeconfig --authorization-kubeconfig=$P/controller-manager.kubeconfig \
	--bind-address=127.0.0.1 --client-ca-file=$P/ca.crt --requestheader-client-ca-file=$P/front-proxy-ca.crt \
	--cluster-signing-cert-file=$P/ca.crt --cluster-signing-key-file=$P/ca.key --root-ca-file=$P/ca.crt \
	--service-account-private-key-file=$P/sa.key --use-service-account-credentials=true \
	--service-cluster-ip-range=$SVC_CIDR --leader-elect=false > $L/kube-controller-manager.log 2>&1 &
echo $! > $K/controller-manager.pid
nohup $B/kube-scheduler --kubeconfig=$P/scheduler.kubeconfig \
	--authentication-kubeconfig=$P/scheduler.kubeconfig --authorization-kubeconfig=$P/scheduler.kubeconfig \
	--bind-address=127.0.0.1 --leader-elect=false > $L/kube-scheduler.log 2>&1 &
echo $! > $K/scheduler.pid

# kubelet (cgroup v1 and no CAP_SYS_RESOURCE on this machine: see REAL-CLUSTER.md)
mkdir -p $K/kubelet
cat > $K/kubelet/config.yaml <<KC
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $P/ca.crt}
authorization: {mode: Webhook}
address: $NODE_IP
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$CTRD_SOCK
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
podLogsDir: $K/kubelet/pod-logs
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
KC
nohup $B/kubelet --config=$K/kubelet/config.yaml --kubeconfig=$P/kubelet.kubeconfig \
	--root-dir=$K/kubelet/root --cert-dir=$K/kubelet/pki --hostname-override=$NODE --node-ip=$NODE_IP \
	> $L/kubelet.log 2>&1 &
echo $! > $K/kubelet.pid

# kube-proxy (iptables), leaving the host's conntrack sysctls and route_localnet alone
cat > $K/kube-proxy.yaml <<KC
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $P/kube-proxy.kubeconfig}
hostnameOverride: $NODE
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false}
KC
nohup $B/kube-proxy --config=$K/kube-proxy.yaml > $L/kube-proxy.log 2>&1 &
echo $! > $K/kube-proxy.pid

for i in $(seq 1 120); do
	$B/kubectl wait --for=condition=Ready node/$NODE --timeout=1s >/dev/null 2>&1 && { echo "node $NODE Ready ($NODE_IP)"; exit 0; }
	sleep 1
done
echo "up.sh: node not Ready (logs: $L)" >&2; exit 1
