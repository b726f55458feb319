package kubesphere

// PodReason exposes the kubectl-style reason PodStatus maps, for tests.
var PodReason = podReason
