# ks-apiserver: the two commands a new user needs are `make run` and `make test`.
SHELL := /usr/bin/env bash -o errexit -o pipefail -o nounset
.DEFAULT_GOAL := help

BIN := _output/bin
GO_PACKAGES := ./...
# Packages whose tests need no control plane; run with the race detector.
UNIT_PACKAGES := ./pkg/... ./cmd/...

.PHONY: help
help: ## Show the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build ks-apiserver into _output/bin
	go build -o $(BIN)/ks-apiserver ./cmd/ks-apiserver

.PHONY: tools
tools: ## Build etcd, kube-apiserver, kubectl and kube-controller-manager v1.37.2 into _output/bin (cached)
	hack/tools/build.sh >/dev/null
	hack/cluster/build.sh kube-controller-manager >/dev/null

.PHONY: run
run: ## Run ks-apiserver against a local etcd + kube-apiserver with demo data
	hack/local-up.sh

.PHONY: test
test: unit e2e ## Run every test: unit tests (with -race), then end-to-end tests

.PHONY: unit
unit: ## Unit tests with the race detector (and the image tool's, a module of its own)
	go test -race -count=1 $(UNIT_PACKAGES)
	cd hack/image && go test -count=1 ./...

.PHONY: e2e
e2e: build tools ## End-to-end tests against a real kube-apiserver, etcd and kubectl
	KS_BIN_DIR=$(CURDIR)/$(BIN) go test -count=1 -timeout 20m ./test/...

# BENCH_PODS: the pod counts of the query, label and memory benchmarks,
# comma-separated (empty: 10000,100000). `make bench BENCH_PODS=1000000`
# runs the engine at a million pods (about 8 GB of memory, estimated from
# 6.5 KB per cached pod).
BENCH_PODS ?=
.PHONY: cluster-e2e
cluster-e2e: ## As root: the README's "In a cluster" walk-through on a real single-node cluster on this machine, torn down afterwards
	hack/cluster/e2e.sh

.PHONY: bench
bench: ## Benchmarks, each printed beside its baseline (query scenarios vs KubeSphere 3.3, label selectors vs a full scan, memory per cached pod, watch-start stall, full lists streamed vs the generic handler, full-list encoding JSON vs protobuf, start-up fill, OAuth costs); BENCH_PODS=1000000 for a million pods
	BENCH_PODS=$(BENCH_PODS) go test -run '^$$' -bench . -benchtime 1x -timeout 180m ./pkg/query/ ./pkg/registry/mirror/ ./pkg/apiserver/
	go test -run '^$$' -bench . ./pkg/oauth/

PODS ?= 100000
.PHONY: perf
perf: build tools ## Load PODS realistic pods (default 100000) into a local control plane; print the kube-apiserver way beside ks-apiserver's, RSS and start-up (not in CI)
	go run ./hack/perf -root $(CURDIR) -pods $(PODS) $(PERF_FLAGS)

.PHONY: bench-smoke
bench-smoke: ## Run every benchmark once at its smallest size (-short), so a broken benchmark fails CI; the figures mean little
	go test -short -run '^$$' -bench . -benchtime 1x -timeout 20m $(UNIT_PACKAGES)

# Fuzzing runs for a number of executions, not a duration: with a duration,
# Go 1.26's fuzz coordinator can fail a target with "context deadline
# exceeded" when the time is up while a worker is mid-call (golang/go#75804,
# fixed in Go 1.27). Each budget is about 15 s on an idle 2-core machine;
# FUZZTIME (a duration or Nx) overrides them all.
FUZZTIME ?=
.PHONY: fuzz
fuzz: ## Fuzz the query parser, the /kapis list handler, the token endpoint and the TokenReview webhook, about 15 s each (FUZZTIME=Nx or a duration overrides)
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(or $(FUZZTIME),50000x) ./pkg/query/
	go test -run '^$$' -fuzz '^FuzzListHandler$$' -fuzztime $(or $(FUZZTIME),30000x) ./pkg/kapis/
	go test -run '^$$' -fuzz '^FuzzTokenEndpoint$$' -fuzztime $(or $(FUZZTIME),40000x) ./pkg/oauth/
	go test -run '^$$' -fuzz '^FuzzTokenReview$$' -fuzztime $(or $(FUZZTIME),15000x) ./pkg/oauth/

.PHONY: verify
verify: ## gofmt, go vet, staticcheck and generated-code checks
	@listed=$$(gofmt -l cmd pkg test hack) || { echo "gofmt failed (a file does not parse)"; exit 1; }; \
	  unformatted=$$(grep -v '^pkg/generated/' <<<"$$listed" || true); \
	  if [[ -n "$$unformatted" ]]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	go vet $(GO_PACKAGES)
	hack/staticcheck.sh
	hack/verify-codegen.sh

.PHONY: codegen
codegen: ## Regenerate pkg/generated and zz_generated files
	hack/update-codegen.sh

# The image's tag comes from artifacts/deploy/kustomization.yaml, so `make image`
# builds the image the manifests run.
VERSION ?= $(shell awk '/newTag:/ {print $$2; exit}' artifacts/deploy/kustomization.yaml)
IMAGE ?= ks-apiserver:$(VERSION)

.PHONY: image
image: ## Build the linux/amd64+arm64 image IMAGE (default ks-apiserver:VERSION) into _output/image/ks-apiserver.tar, no Docker needed
	hack/image.sh tarball $(IMAGE)

.PHONY: push
push: ## Push the image to a registry: make push IMAGE=<registry>/ks-apiserver:<tag>
	hack/image.sh push $(IMAGE)

.PHONY: clean
clean: ## Remove build output and local run state
	rm -rf _output
