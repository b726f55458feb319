#!/usr/bin/env bash
# Tears the cluster of up.sh down and undoes its host changes (run as root):
# pods (so the kubelet removes their network through CNI), processes,
# containers, mounts, the bridge, KUBE-*/CNI-* iptables chains, empty nftables
# tables it created, kubepods cgroups, host directories and sysctls. Safe to
# run more than once, and after a partial up.sh.
. "$(dirname "$0")/env.sh"
[[ -d $K ]] || { echo "down.sh: nothing to tear down in $K"; exit 0; }
stop() { # stop PIDFILE: SIGTERM, up to 20 s, then SIGKILL
	[[ -f $1 ]] || return 0; local p; p=$(cat "$1")
	kill "$p" 2>/dev/null; for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 1; done
	kill -9 "$p" 2>/dev/null; rm -f "$1"
}
# 1. workloads first, so the kubelet tears sandboxes down through CNI
if [[ -f $K/kubelet.pid ]] && $B/kubectl get --raw /readyz >/dev/null 2>&1; then
	$B/kubectl delete deploy,rs,ds,sts,jobs --all -A --wait=false >/dev/null 2>&1
	$B/kubectl delete pods --all -A --grace-period=2 --wait=false >/dev/null 2>&1
	for _ in $(seq 1 60); do [[ -z $($B/kubectl get pods -A -o name 2>/dev/null) ]] && break; sleep 1; done
fi
# 2. node components and control plane
for c in kube-proxy kubelet scheduler controller-manager apiserver etcd; do stop $K/$c.pid; done
[[ -f $K/kube-proxy.yaml ]] && $B/kube-proxy --cleanup --config=$K/kube-proxy.yaml >/dev/null 2>&1
# 3. leftover containers, then containerd
if [[ -f $K/containerd.pid ]]; then
	for t in $($CTR tasks ls -q 2>/dev/null); do $CTR tasks kill -s KILL $t; done; sleep 1
	for t in $($CTR tasks ls -q 2>/dev/null); do $CTR tasks rm -f $t >/dev/null; done
	for c in $($CTR containers ls -q 2>/dev/null); do $CTR containers rm $c >/dev/null; done
	stop $K/containerd.pid
fi
# 4. mounts under $K (pod volumes, rootfs, shm, netns) and /run/netns
grep -oE " ($K|/run/netns|/var/run/netns)/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l
rm -f /var/run/netns/cni-*
# 5. network: the bridge, KUBE-*/CNI-* chains, nftables tables made for us and now empty
ip link del $BRIDGE 2>/dev/null
iptables-save | grep -vE 'KUBE-|CNI-' | iptables-restore
ip6tables-save | grep -vE 'KUBE-|CNI-' | ip6tables-restore
nft list tables | while read -r _ fam name; do
	grep -qx "table $fam $name" $K/nft.baseline 2>/dev/null && continue
	[[ $(nft -a list table $fam $name | grep '# handle' | grep -vcE '^\s*(table|chain) ') == 0 ]] && nft delete table $fam $name
done
# 6. cgroups the kubelet created (cgroupfs driver, cgroup v1)
for d in /sys/fs/cgroup/*/kubepods; do [[ -d $d ]] && find $d -depth -type d -exec rmdir {} \; 2>/dev/null; done
# 7. host folders at fixed paths that did not exist before
for d in /var/lib/kubelet /var/lib/cni /var/log/pods /var/log/containers /run/containerd /var/run/netns; do
	grep -qx "$d" $K/preexisting 2>/dev/null || rm -rf "$d"
done
# 8. sysctls set by the kubelet and the bridge plugin
[[ -f $K/sysctl.baseline ]] && while IFS== read -r k v; do sysctl -qw "$k=$v"; done < $K/sysctl.baseline
# 9. the cluster's folder, unless something is still mounted in it
if grep -q " $K/" /proc/self/mounts; then echo "down.sh: mounts left under $K, not removing it" >&2; exit 1; fi
rm -rf $K
echo "cluster down"
