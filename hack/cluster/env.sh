# Settings shared by the real-cluster scripts (sourced). Everything lives in
# KS_CLUSTER_DIR (default _output/cluster); binaries come from _output/bin.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
K=${KS_CLUSTER_DIR:-${root}/_output/cluster}
P=$K/pki B=${root}/_output/bin L=$K/logs
NODE=ks-node                          # node name (kubelet --hostname-override, certificate CN)
NODE_IP=$(ip -4 route get 1 | awk '{for(i=1;i<=NF;i++) if($i=="src") print $(i+1)}')
# Not make run's 2379/2380/6443/9443, so both can run at once.
ETCD_PORT=22379 ETCD_PEER_PORT=22380 APISERVER_PORT=16443
SVC_CIDR=10.98.0.0/24                 # its first IP, 10.98.0.1, is in kube-apiserver's certificate
POD_CIDR=10.244.0.0/24                # must match the CNI conflist
BRIDGE=kcbr0
CTRD_SOCK=$K/containerd/containerd.sock
CTR="ctr --address $CTRD_SOCK -n k8s.io"
export KUBECONFIG=$P/admin.kubeconfig
