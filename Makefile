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

.PHONY: cluster-e2e
cluster-e2e: ## As root: the README's "In a cluster" walk-through on a real single-node cluster on this machine, torn down afterwards
	hack/cluster/e2e.sh

.PHONY: bench
bench: ## Benchmarks, each printed beside its baseline (query scenarios vs KubeSphere 3.3, label selectors vs a full scan, memory per cached pod, watch-start stall, OAuth costs)
	go test -run '^$$' -bench . -benchtime 1x -timeout 30m ./pkg/query/ ./pkg/registry/mirror/
	go test -run '^$$' -bench . ./pkg/oauth/

FUZZTIME ?= 15s
.PHONY: fuzz
fuzz: ## Fuzz the query parser, the /kapis list handler, the token endpoint and the TokenReview webhook for FUZZTIME each (default 15s)
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./pkg/query/
	go test -run '^$$' -fuzz '^FuzzListHandler$$' -fuzztime $(FUZZTIME) ./pkg/kapis/
	go test -run '^$$' -fuzz '^FuzzTokenEndpoint$$' -fuzztime $(FUZZTIME) ./pkg/oauth/
	go test -run '^$$' -fuzz '^FuzzTokenReview$$' -fuzztime $(FUZZTIME) ./pkg/oauth/

.PHONY: verify
verify: ## gofmt, go vet and generated-code checks
	@unformatted=$$(gofmt -l cmd pkg test hack | grep -v '^pkg/generated/' || true); \
	  if [[ -n "$$unformatted" ]]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	go vet $(GO_PACKAGES)
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
