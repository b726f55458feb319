#!/usr/bin/env bash
# make cluster-e2e: the README's "In a cluster" walk-through on a real
# single-node cluster on this machine (run as root). Installs containerd, runc
# and the CNI plugins from the distribution if missing, builds the cluster
# binaries (cached), `make image`, brings the node up (up.sh), imports the
# image, runs test/cluster, and tears everything down (down.sh), also when a
# step fails or the run is interrupted.
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd); . "$D/env.sh"
cd "$root"
t0=$(date +%s)
step() { echo "--- $* ($(($(date +%s) - t0))s)"; }
[[ $(id -u) == 0 ]] || { echo "cluster-e2e: run as root (containerd, the kubelet and kube-proxy need it)" >&2; exit 1; }

if ! command -v containerd >/dev/null || ! command -v runc >/dev/null || [[ ! -x /usr/lib/cni/bridge ]] || ! command -v nft >/dev/null; then
	step "installing containerd, runc, CNI plugins, iptables, nftables (apt-get)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd runc containernetworking-plugins iptables nftables >/dev/null
fi
step "building etcd, kube-apiserver, kubectl, kube-controller-manager, kube-scheduler, kubelet, kube-proxy (cached)"
hack/tools/build.sh >/dev/null
"$D/build.sh" >/dev/null
step "make image, twice: one commit, one digest"
first=$(make --no-print-directory image | tail -1)
second=$(make --no-print-directory image | tail -1)
echo "$first"; echo "$second"
[[ $first == "$second" ]] || { echo "cluster-e2e: make image is not reproducible" >&2; exit 1; }
ls -l _output/image/ks-apiserver.tar _output/image/linux-*/ks-apiserver
# A cluster left by an interrupted run goes first.
[[ -d $K ]] && "$D/down.sh"

step "pause image for the pod sandboxes"
mkdir -p $K/images
(cd "$D" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w -buildid=' -o $K/images/pause ./pause)
_output/bin/image -ref ks-node.local/pause:v1 -path /pause -out $K/images/pause.tar "$(go env GOOS)/$(go env GOARCH)=$K/images/pause" >/dev/null

finish() {
	code=$?
	step "tearing the cluster down"
	"$D/down.sh" || code=1
	# Nothing of the cluster may be left on the host.
	left=$( { ip -o link show $BRIDGE 2>/dev/null; iptables-save | grep -E '^:(KUBE|CNI)-'; pgrep -a -f "$K/" ; grep " $K" /proc/self/mounts; } || true)
	[[ -z $left ]] || { echo "cluster-e2e: left on the host after down.sh:"; echo "$left"; code=1; }
	echo "--- cluster-e2e $([[ $code == 0 ]] && echo PASSED || echo FAILED) in $(($(date +%s) - t0))s"
	exit $code
}
trap finish EXIT
trap 'exit 130' INT TERM
step "bringing the node up"
"$D/up.sh"
step "importing the image (ctr -n k8s.io images import _output/image/ks-apiserver.tar)"
$CTR images import _output/image/ks-apiserver.tar
step "test/cluster"
KS_NODE_IP=$NODE_IP KS_CONTAINERD_ADDRESS=$CTRD_SOCK \
	go test -tags cluster -count=1 -timeout 30m -v ./test/cluster/ 2>&1 | tee $root/_output/cluster-e2e.log
