package mirror

import (
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Objects of one controller repeat structures: every pod of a ReplicaSet
// has the same container contents, volume sources, tolerations, labels and
// owner. Compact makes equal structures share one copy, found by their
// encoding, which is safe because cached objects are never mutated (they
// are read, and copied before anything is changed). A table forgets
// everything when it is full: sharing is an optimisation, and entries of
// deleted objects must not pile up.
type shareTable[T any] struct {
	mu  sync.Mutex
	m   map[string]T
	max int
}

func newShareTable[T any](max int) *shareTable[T] {
	return &shareTable[T]{m: map[string]T{}, max: max}
}

// get returns the copy kept under key, if any.
func (t *shareTable[T]) get(key []byte) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[string(key)]
	return c, ok
}

// share returns the copy of v kept under key, keeping v when there is none,
// and whether it was already there.
func (t *shareTable[T]) share(key []byte, v T) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.m[string(key)]; ok {
		return c, true
	}
	if len(t.m) >= t.max {
		clear(t.m)
	}
	t.m[string(key)] = v
	return v, false
}

var (
	sharedStringMaps     = newShareTable[map[string]string](16384)
	sharedOwnerRefs      = newShareTable[[]metav1.OwnerReference](16384)
	sharedContainerLists = newShareTable[[]corev1.Container](8192)
	sharedContainers     = newShareTable[corev1.Container](16384)
	sharedMountLists     = newShareTable[[]corev1.VolumeMount](8192)
	sharedMountStatuses  = newShareTable[[]corev1.VolumeMountStatus](8192)
	sharedVolumes        = newShareTable[[]corev1.Volume](8192)
	sharedVolumeSources  = newShareTable[corev1.Volume](16384)
	sharedTolerations    = newShareTable[[]corev1.Toleration](8192)
	sharedAffinities     = newShareTable[*corev1.Affinity](8192)
	sharedPodSecurity    = newShareTable[*corev1.PodSecurityContext](8192)
	sharedSpreads        = newShareTable[[]corev1.TopologySpreadConstraint](8192)
	sharedDNSConfigs     = newShareTable[*corev1.PodDNSConfig](1024)
	sharedPullSecrets    = newShareTable[[]corev1.LocalObjectReference](8192)
	sharedReadinessGates = newShareTable[[]corev1.PodReadinessGate](1024)
	sharedRequirements   = newShareTable[*corev1.ResourceRequirements](8192)
	sharedContainerUsers = newShareTable[*corev1.ContainerUser](1024)
	sharedHostIPs        = newShareTable[[]corev1.HostIP](8192)

	sharedInt64s     = newValueTable[int64]()
	sharedInt32s     = newValueTable[int32]()
	sharedPreemption = newValueTable[corev1.PreemptionPolicy]()
	sharedRecursive  = newValueTable[corev1.RecursiveReadOnlyMode]()
)

// appendMapKey appends the encoding of a string map in a canonical order.
func appendMapKey(key []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		key = append(append(key, k...), 0)
		key = append(append(key, m[k]...), 0)
	}
	return key
}

// maxSharedMap is the largest encoded map worth sharing: longer ones (a
// last-applied configuration among the annotations) are unique to their
// object, and keeping them in the table would only hold memory.
const maxSharedMap = 1024

// shareMap returns a shared copy of a string map equal to m, or compact(m)
// when there is none yet (which becomes the shared one).
func shareMap(m map[string]string, compact func(map[string]string) map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	buf := getKeyBuf()
	defer putKeyBuf(buf)
	key := appendMapKey((*buf)[:0], m)
	*buf = key
	if len(key) > maxSharedMap {
		return compact(m)
	}
	if shared, ok := sharedStringMaps.get(key); ok {
		return shared
	}
	shared, _ := sharedStringMaps.share(key, compact(m))
	return shared
}

// shareMeta shares the labels, annotations and owner references an object
// has in common with others.
func shareMeta(m *metav1.ObjectMeta) {
	m.Labels = shareMap(m.Labels, compactMap)
	m.Annotations = shareMap(m.Annotations, compactAnnotations)
	m.OwnerReferences = shareSlice(sharedOwnerRefs, m.OwnerReferences)
}

// podLocal are the names of a pod's volumes that no other pod has: the
// ServiceAccount admission plugin gives every pod its own projected volume
// kube-api-access-<5 random characters>, mounted in every container. What
// names them (the volume, the mounts) is kept per pod, apart from the rest
// of the spec, which is shared; the tables would only fill with them.
type podLocal []string

// serviceAccountVolumePrefix is the name the ServiceAccount admission plugin
// gives the volume it adds, before its random suffix.
const serviceAccountVolumePrefix = "kube-api-access-"

func podLocalNames(spec *corev1.PodSpec) podLocal {
	var local podLocal
	for i := range spec.Volumes {
		v := &spec.Volumes[i]
		if v.Projected != nil && strings.HasPrefix(v.Name, serviceAccountVolumePrefix) {
			local = append(local, v.Name)
		}
	}
	return local
}

// name returns the pod's own copy of a pod-local name, and whether it is one.
func (l podLocal) name(v string) (string, bool) {
	for _, n := range l {
		if n == v {
			return n, true
		}
	}
	return v, false
}

// sharePod makes the parts of a pod's spec and status that are equal in
// other pods (containers, volumes, tolerations, affinity, security
// contexts, resources, ...) share one copy, part by part, so that what
// differs from pod to pod (its service account volume's name, its node) costs
// only itself. Parts seen before are not compacted again. It must run after
// everything else that changes the pod: what it shares is never written
// again.
func sharePod(p *corev1.Pod, prev *corev1.Pod) {
	if prev != nil && prev.UID != p.UID {
		prev = nil // another pod of the same name
	}
	spec := &p.Spec
	local := podLocalNames(spec)
	if prev != nil && reflect.DeepEqual(p.Spec, prev.Spec) {
		// An update of the status: the spec is the previous version's,
		// which is compacted already (and never written again).
		p.Spec = prev.Spec
	} else {
		trimSpec(spec)
		shareSpec(spec, local)
	}
	trimStatus(&p.Status)
	sharePodStatus(&p.Status, local)
	if prev != nil {
		sharePrevious(p, prev)
	}
	if prev == nil || p.Status.StartTime != prev.Status.StartTime {
		shareStartTime(&p.Status)
	}
}

// shareStartTime makes the start time of a pod's status point at an equal
// condition time: one allocation less.
func shareStartTime(st *corev1.PodStatus) {
	if st.StartTime == nil {
		return
	}
	for i := range st.Conditions {
		if t := &st.Conditions[i].LastTransitionTime; *t == *st.StartTime {
			st.StartTime = t
			return
		}
	}
}

// shareRunning makes containers of a pod started in the same second share
// their running state (an allocation of its own when decoded); statuses
// are the pod's own.
func shareRunning(statuses []corev1.ContainerStatus) {
	for i := range statuses {
		r := statuses[i].State.Running
		if r == nil {
			continue
		}
		for j := range i {
			if o := statuses[j].State.Running; o != nil && o != r && *o == *r {
				statuses[i].State.Running = o
				break
			}
		}
	}
}

// shareSpec makes the parts of a pod's spec shared; see sharePod.
func shareSpec(spec *corev1.PodSpec, local podLocal) {
	compactPodSpecScalars(spec)
	spec.InitContainers = shareContainers(spec.InitContainers, local)
	spec.Containers = shareContainers(spec.Containers, local)
	spec.Volumes = shareVolumes(spec.Volumes, local)
	spec.Tolerations = shareSliceWith(sharedTolerations, spec.Tolerations, compactTolerations)
	spec.Affinity = sharePtr(sharedAffinities, spec.Affinity, nil)
	spec.SecurityContext = sharePtr(sharedPodSecurity, spec.SecurityContext, nil)
	spec.TopologySpreadConstraints = shareSliceWith(sharedSpreads, spec.TopologySpreadConstraints, nil)
	spec.DNSConfig = sharePtr(sharedDNSConfigs, spec.DNSConfig, nil)
	spec.ImagePullSecrets = shareSliceWith(sharedPullSecrets, spec.ImagePullSecrets, func(refs []corev1.LocalObjectReference) {
		for i := range refs {
			refs[i].Name = intern(refs[i].Name)
		}
	})
	spec.ReadinessGates = shareSliceWith(sharedReadinessGates, spec.ReadinessGates, nil)
	spec.NodeSelector = shareMap(spec.NodeSelector, compactMap)
	spec.TerminationGracePeriodSeconds = sharedInt64s.share(spec.TerminationGracePeriodSeconds)
	spec.ActiveDeadlineSeconds = sharedInt64s.share(spec.ActiveDeadlineSeconds)
	spec.Priority = sharedInt32s.share(spec.Priority)
	spec.PreemptionPolicy = sharedPreemption.share(spec.PreemptionPolicy)
	for _, b := range []**bool{&spec.EnableServiceLinks, &spec.AutomountServiceAccountToken, &spec.ShareProcessNamespace, &spec.SetHostnameAsFQDN, &spec.HostUsers} {
		*b = shareBool(*b)
	}
}

// sharePrevious makes p, compacted, hold the previous version's copies of
// what did not change since: its name and UID, its addresses, start time,
// conditions and container statuses, or of the parts of a container's
// status that did not (its ID, state, mounts). Only p's own fields are
// written; prev is cached and only read. An update (a container restarted,
// a condition changed) then costs the event window little more than what
// changed.
func sharePrevious(p, prev *corev1.Pod) {
	p.Name, p.UID = sameString(p.Name, prev.Name), types.UID(sameString(string(p.UID), string(prev.UID)))
	st, old := &p.Status, &prev.Status
	st.PodIP = sameString(st.PodIP, old.PodIP)
	if reflect.DeepEqual(st.PodIPs, old.PodIPs) {
		st.PodIPs = old.PodIPs
	}
	if st.StartTime != nil && old.StartTime != nil && st.StartTime.Equal(old.StartTime) {
		st.StartTime = old.StartTime
	}
	if reflect.DeepEqual(st.Conditions, old.Conditions) {
		st.Conditions = old.Conditions
	}
	for _, lists := range [][2][]corev1.ContainerStatus{
		{st.InitContainerStatuses, old.InitContainerStatuses},
		{st.ContainerStatuses, old.ContainerStatuses},
		{st.EphemeralContainerStatuses, old.EphemeralContainerStatuses},
	} {
		cur, before := lists[0], lists[1]
		if len(cur) != len(before) {
			continue
		}
		for i := range cur {
			sharePreviousStatus(&cur[i], &before[i])
		}
	}
	if reflect.DeepEqual(st.InitContainerStatuses, old.InitContainerStatuses) {
		st.InitContainerStatuses = old.InitContainerStatuses
	}
	if reflect.DeepEqual(st.ContainerStatuses, old.ContainerStatuses) {
		st.ContainerStatuses = old.ContainerStatuses
	}
}

// sharePreviousStatus makes cs (p's own) hold the copies old (the previous
// version's status of the same container) has of what did not change.
func sharePreviousStatus(cs, old *corev1.ContainerStatus) {
	if cs.Name != old.Name {
		return
	}
	if t := cs.LastTerminationState.Terminated; t != nil && t.ContainerID == old.ContainerID {
		// A restart: the last state names the container the previous
		// version ran.
		t.ContainerID = old.ContainerID
	}
	cs.ContainerID = sameString(cs.ContainerID, old.ContainerID)
	if cs.State.Running != nil && old.State.Running != nil && *cs.State.Running == *old.State.Running {
		cs.State.Running = old.State.Running
	}
	if reflect.DeepEqual(cs.VolumeMounts, old.VolumeMounts) {
		cs.VolumeMounts = old.VolumeMounts
	}
}

// sameString returns old when it is equal to v: one copy for both
// versions.
func sameString(v, old string) string {
	if v == old {
		return old
	}
	return v
}

// trimSpec and trimStatus give the lists a pod keeps as its own (they differ from every
// other pod's) no more room than they use. Decoding appends item by item,
// so five conditions take room for eight: 360 bytes of a pod's 5,000.
func trimSpec(spec *corev1.PodSpec) {
	spec.InitContainers, spec.Containers, spec.Volumes = trim(spec.InitContainers), trim(spec.Containers), trim(spec.Volumes)
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			cs[i].VolumeMounts = trim(cs[i].VolumeMounts)
		}
	}
}

func trimStatus(st *corev1.PodStatus) {
	st.Conditions, st.PodIPs = trim(st.Conditions), trim(st.PodIPs)
	st.InitContainerStatuses, st.ContainerStatuses = trim(st.InitContainerStatuses), trim(st.ContainerStatuses)
	st.EphemeralContainerStatuses = trim(st.EphemeralContainerStatuses)
	for _, statuses := range [][]corev1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses, st.EphemeralContainerStatuses} {
		for i := range statuses {
			statuses[i].VolumeMounts = trim(statuses[i].VolumeMounts)
		}
	}
}

// trim returns s, in an array of its length when it has more room.
func trim[T any](s []T) []T {
	if cap(s) == len(s) {
		return s
	}
	return append(make([]T, 0, len(s)), s...)
}

// compactPodSpecScalars makes the spec's own strings shared.
func compactPodSpecScalars(spec *corev1.PodSpec) {
	spec.NodeName, spec.Hostname, spec.Subdomain = intern(spec.NodeName), intern(spec.Hostname), intern(spec.Subdomain)
	spec.ServiceAccountName = intern(spec.ServiceAccountName)
	spec.DeprecatedServiceAccount = intern(spec.DeprecatedServiceAccount)
	spec.SchedulerName, spec.PriorityClassName = intern(spec.SchedulerName), intern(spec.PriorityClassName)
	spec.RestartPolicy = corev1.RestartPolicy(intern(string(spec.RestartPolicy)))
	spec.DNSPolicy = corev1.DNSPolicy(intern(string(spec.DNSPolicy)))
	if spec.RuntimeClassName != nil {
		spec.RuntimeClassName = ptrTo(intern(*spec.RuntimeClassName))
	}
}

func ptrTo[T any](v T) *T { return &v }

// sharePodStatus makes what a pod's status has in common with others
// shared: its host's addresses, the images, resources and users of its
// containers, enum strings; the pod's own IP, times and container IDs stay.
func sharePodStatus(st *corev1.PodStatus, local podLocal) {
	st.Phase = corev1.PodPhase(intern(string(st.Phase)))
	st.QOSClass = corev1.PodQOSClass(intern(string(st.QOSClass)))
	st.HostIP = intern(st.HostIP)
	st.HostIPs = shareSliceWith(sharedHostIPs, st.HostIPs, func(ips []corev1.HostIP) {
		for i := range ips {
			ips[i].IP = intern(ips[i].IP)
		}
	})
	for i := range st.PodIPs {
		if st.PodIPs[i].IP == st.PodIP {
			st.PodIPs[i].IP = st.PodIP // one copy of the pod's own address
		}
	}
	st.Reason, st.Message, st.NominatedNodeName = intern(st.Reason), intern(st.Message), intern(st.NominatedNodeName)
	for i := range st.Conditions {
		c := &st.Conditions[i]
		c.Type = corev1.PodConditionType(intern(string(c.Type)))
		c.Status = corev1.ConditionStatus(intern(string(c.Status)))
		c.Reason, c.Message = intern(c.Reason), intern(c.Message)
	}
	for _, statuses := range [][]corev1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses, st.EphemeralContainerStatuses} {
		for i := range statuses {
			shareContainerStatus(&statuses[i], local, statuses[:i])
		}
		shareRunning(statuses)
	}
}

// shareContainerStatus shares what cs has in common with other pods'
// statuses; before are the pod's statuses already shared, whose mounts cs
// may repeat.
func shareContainerStatus(cs *corev1.ContainerStatus, local podLocal, before []corev1.ContainerStatus) {
	cs.Name, cs.Image, cs.ImageID = intern(cs.Name), intern(cs.Image), intern(cs.ImageID)
	cs.Started = shareBool(cs.Started)
	for _, state := range []*corev1.ContainerState{&cs.State, &cs.LastTerminationState} {
		if state.Waiting != nil {
			state.Waiting.Reason, state.Waiting.Message = intern(state.Waiting.Reason), intern(state.Waiting.Message)
		}
		if state.Terminated != nil {
			state.Terminated.Reason = intern(state.Terminated.Reason)
		}
	}
	cs.Resources = sharePtr(sharedRequirements, cs.Resources, func(r *corev1.ResourceRequirements) {
		r.Requests, r.Limits = compactResources(r.Requests), compactResources(r.Limits)
	})
	cs.User = sharePtr(sharedContainerUsers, cs.User, nil)
	cs.AllocatedResources = compactResources(cs.AllocatedResources)
	if len(cs.VolumeMounts) == 0 {
		return
	}
	compact := func(mounts []corev1.VolumeMountStatus) {
		for j := range mounts {
			m := &mounts[j]
			m.Name, m.MountPath = intern(m.Name), intern(m.MountPath)
			m.RecursiveReadOnly = sharedRecursive.share(m.RecursiveReadOnly)
		}
	}
	for j := range cs.VolumeMounts {
		if _, ok := local.name(cs.VolumeMounts[j].Name); ok {
			// Mounts the pod's own volume: the pod's own list, or a run of
			// an earlier status's.
			for _, other := range before {
				if run, ok := runOf(other.VolumeMounts, cs.VolumeMounts, mountStatusEqual); ok {
					cs.VolumeMounts = run
					return
				}
			}
			for j := range cs.VolumeMounts {
				m := &cs.VolumeMounts[j]
				name, isLocal := local.name(m.Name)
				m.Name, m.MountPath = name, intern(m.MountPath)
				if !isLocal {
					m.Name = intern(m.Name)
				}
				m.RecursiveReadOnly = sharedRecursive.share(m.RecursiveReadOnly)
			}
			return
		}
	}
	cs.VolumeMounts = shareSliceWith(sharedMountStatuses, cs.VolumeMounts, compact)
}

// usedBy reports whether a container mounts one of the pod's own volumes.
func (l podLocal) usedBy(c *corev1.Container) bool {
	for j := range c.VolumeMounts {
		if _, ok := l.name(c.VolumeMounts[j].Name); ok {
			return true
		}
	}
	return false
}

// shareContainers shares a pod's containers: the whole list when it is
// the same as another pod's, else each container's contents (all but the
// mounts of the pod's own volumes) with equal containers of other pods.
func shareContainers(cs []corev1.Container, local podLocal) []corev1.Container {
	if len(cs) == 0 {
		return cs
	}
	anyLocal := false
	for i := range cs {
		anyLocal = anyLocal || local.usedBy(&cs[i])
	}
	if !anyLocal {
		return shareSliceWith(sharedContainerLists, cs, func(cs []corev1.Container) {
			for i := range cs {
				cs[i] = shareContainer(cs[i], local, nil)
			}
		})
	}
	for i := range cs {
		cs[i] = shareContainer(cs[i], local, cs[:i])
	}
	return cs
}

// shareContainer returns c with its contents shared with equal containers
// of other pods; its mounts are shared apart, since they may name the pod's
// own volumes. before are the pod's containers already shared, whose mounts
// c may repeat.
func shareContainer(c corev1.Container, local podLocal, before []corev1.Container) corev1.Container {
	mounts := c.VolumeMounts
	c.VolumeMounts = nil
	buf := getKeyBuf()
	defer putKeyBuf(buf)
	key, err := appendKey((*buf)[:0], &c, false)
	*buf = key
	if err != nil {
		compactContainer(&c)
		c.VolumeMounts = mounts
		return c
	}
	body, ok := sharedContainers.get(key)
	if !ok {
		compactContainer(&c)
		body, _ = sharedContainers.share(key, c)
	}
	body.VolumeMounts = shareMounts(mounts, local, before)
	return body
}

// shareMounts shares a container's mounts with other pods' when they name
// no volume of the pod's own, and else with an earlier container of the
// same pod that has the same mounts, maybe among others.
func shareMounts(mounts []corev1.VolumeMount, local podLocal, before []corev1.Container) []corev1.VolumeMount {
	compact := func(mounts []corev1.VolumeMount) {
		for j := range mounts {
			m := &mounts[j]
			name, isLocal := local.name(m.Name)
			if !isLocal {
				name = intern(name)
			}
			m.Name, m.MountPath, m.SubPath, m.SubPathExpr = name, intern(m.MountPath), intern(m.SubPath), intern(m.SubPathExpr)
		}
	}
	for j := range mounts {
		if _, ok := local.name(mounts[j].Name); ok {
			for _, other := range before {
				if run, ok := runOf(other.VolumeMounts, mounts, mountEqual); ok {
					return run
				}
			}
			compact(mounts)
			return mounts
		}
	}
	return shareSliceWith(sharedMountLists, mounts, compact)
}

// runOf returns the run of have equal to want, if there is one: a
// container whose mounts are the last ones of another container's (a
// sidecar mounting only the service account volume that the app container
// mounts after its own) needs no array of its own. The run has no room
// beyond its end, so an append can never write into have.
func runOf[T any](have, want []T, equal func(a, b *T) bool) ([]T, bool) {
	for i := 0; i+len(want) <= len(have); i++ {
		run := have[i : i+len(want) : i+len(want)]
		same := true
		for j := range run {
			if same = equal(&run[j], &want[j]); !same {
				break
			}
		}
		if same {
			return run, true
		}
	}
	return nil, false
}

// mountEqual and mountStatusEqual compare what reflect.DeepEqual would,
// field by field (a start-up compares every pod's mounts);
// TestMountEqualityCoversEveryField notices a field they do not know.
func mountEqual(a, b *corev1.VolumeMount) bool {
	return a.Name == b.Name && a.ReadOnly == b.ReadOnly && a.MountPath == b.MountPath && a.SubPath == b.SubPath &&
		a.SubPathExpr == b.SubPathExpr && ptrEqual(a.RecursiveReadOnly, b.RecursiveReadOnly) &&
		ptrEqual(a.MountPropagation, b.MountPropagation) && (a.BindMountOptions == nil) == (b.BindMountOptions == nil) &&
		slices.Equal(a.BindMountOptions, b.BindMountOptions)
}

func mountStatusEqual(a, b *corev1.VolumeMountStatus) bool {
	return a.Name == b.Name && a.MountPath == b.MountPath && a.ReadOnly == b.ReadOnly &&
		ptrEqual(a.RecursiveReadOnly, b.RecursiveReadOnly) &&
		(a.VolumeStatus == b.VolumeStatus || reflect.DeepEqual(a.VolumeStatus, b.VolumeStatus))
}

func ptrEqual[T comparable](a, b *T) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}

// shareVolumes shares a pod's volumes: the whole list when it is the same
// as another pod's, else each volume's source, so that only the names of
// the pod's own volumes are its own.
func shareVolumes(vols []corev1.Volume, local podLocal) []corev1.Volume {
	if len(local) == 0 {
		return shareSliceWith(sharedVolumes, vols, func(vols []corev1.Volume) {
			for i := range vols {
				compactVolume(&vols[i])
			}
		})
	}
	buf := getKeyBuf()
	defer putKeyBuf(buf)
	for i := range vols {
		v := vols[i]
		name, isLocal := local.name(v.Name)
		if !isLocal {
			name = intern(name)
		}
		v.Name = ""
		key, err := appendKey((*buf)[:0], &v, false)
		*buf = key
		if err != nil {
			compactVolume(&v)
		} else if shared, ok := sharedVolumeSources.get(key); ok {
			v = shared
		} else {
			compactVolume(&v)
			v, _ = sharedVolumeSources.share(key, v)
		}
		v.Name = name
		vols[i] = v
	}
	return vols
}

func compactTolerations(ts []corev1.Toleration) {
	for i := range ts {
		t := &ts[i]
		t.Key, t.Value = intern(t.Key), intern(t.Value)
		t.Operator = corev1.TolerationOperator(intern(string(t.Operator)))
		t.Effect = corev1.TaintEffect(intern(string(t.Effect)))
		t.TolerationSeconds = sharedInt64s.share(t.TolerationSeconds)
	}
}

var shareTrue, shareFalse = true, false

// shareBool returns a shared pointer to the same value.
func shareBool(b *bool) *bool {
	switch {
	case b == nil:
		return nil
	case *b:
		return &shareTrue
	default:
		return &shareFalse
	}
}

// valueTable shares pointers to small values (grace periods, priorities):
// each is its own allocation in a decoded object.
type valueTable[T comparable] struct {
	mu sync.Mutex
	m  map[T]*T
}

func newValueTable[T comparable]() *valueTable[T] { return &valueTable[T]{m: map[T]*T{}} }

func (t *valueTable[T]) share(p *T) *T {
	if p == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.m[*p]; ok {
		return c
	}
	if len(t.m) >= 1024 {
		clear(t.m)
	}
	t.m[*p] = p
	return p
}

// sharePtr returns a shared copy of *p, compacting a new one first.
func sharePtr[T any, PT interface {
	*T
	marshaler
}](t *shareTable[PT], p PT, compact func(PT)) PT {
	if p == nil {
		return nil
	}
	buf := getKeyBuf()
	defer putKeyBuf(buf)
	key, err := appendKey((*buf)[:0], p, false)
	*buf = key
	if err != nil {
		return p
	}
	if c, ok := t.get(key); ok {
		return c
	}
	if compact != nil {
		compact(p)
	}
	c, _ := t.share(key, p)
	return c
}

// marshaler is a generated protobuf type.
type marshaler interface {
	Size() int
	MarshalToSizedBuffer([]byte) (int, error)
}

// keyBufs hold the encodings that sharing looks parts up by, reused: a
// fresh one per part was most of compaction's garbage at start-up.
var keyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getKeyBuf() *[]byte  { return keyBufs.Get().(*[]byte) }
func putKeyBuf(b *[]byte) { keyBufs.Put(b) }

// appendKey appends m's protobuf encoding (what m.Marshal() returns) to
// key, after its length when withLen.
func appendKey(key []byte, m marshaler, withLen bool) ([]byte, error) {
	n := m.Size()
	if withLen {
		key = binary.AppendUvarint(key, uint64(n))
	}
	key = slices.Grow(key, n)
	if w, err := m.MarshalToSizedBuffer(key[len(key) : len(key)+n]); err != nil || w != n {
		return key, errShortEncoding
	}
	return key[:len(key)+n], nil
}

var errShortEncoding = errors.New("encoding shorter than its size")

// shareSlice returns a shared copy of a slice equal to items.
func shareSlice[T any, PT interface {
	*T
	marshaler
}](t *shareTable[[]T], items []T) []T {
	return shareSliceWith[T, PT](t, items, nil)
}

// shareSliceWith returns a shared copy of a slice equal to items,
// compacting items with compact when it is the first of its kind.
func shareSliceWith[T any, PT interface {
	*T
	marshaler
}](t *shareTable[[]T], items []T, compact func([]T)) []T {
	if len(items) == 0 {
		return items
	}
	buf := getKeyBuf()
	defer putKeyBuf(buf)
	key := (*buf)[:0]
	for i := range items {
		var err error
		// Lengths keep the concatenation unambiguous.
		key, err = appendKey(key, PT(&items[i]), true)
		*buf = key
		if err != nil {
			if compact != nil {
				compact(items)
			}
			return items
		}
	}
	if shared, ok := t.get(key); ok {
		return shared
	}
	if compact != nil {
		compact(items)
	}
	shared, _ := t.share(key, items)
	return shared
}
