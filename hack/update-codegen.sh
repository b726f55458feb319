#!/usr/bin/env bash
# Regenerates everything under pkg/generated and the zz_generated.* files next
# to the API types, with kube_codegen.sh from the k8s.io/code-generator module
# pinned in go.mod. Never edit generated files by hand: change the types and
# run this script (hack/verify-codegen.sh checks the output is current).
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${ROOT}
THIS_PKG=github.com/ks-apiserver/ks-apiserver
cd "${ROOT}"
# `go list -m` knows a module's folder only once it is downloaded (a fresh
# module cache): download the pinned code-generator first.
go mod download k8s.io/code-generator
CODEGEN_PKG=$(go list -m -f '{{.Dir}}' k8s.io/code-generator)
# The generators are installed here rather than in $GOPATH/bin.
GOBIN="${ROOT}/_output/codegen/bin"
export GOBIN
# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

mkdir -p "${OUT}/hack/api-rules"

# Upstream packages whose types the mirrors embed: their OpenAPI definitions
# are generated here because no library module exports them.
UPSTREAM_PKGS=(
	k8s.io/api/core/v1
	k8s.io/api/apps/v1
	k8s.io/api/batch/v1
	k8s.io/api/networking/v1
	k8s.io/api/autoscaling/v2
	k8s.io/api/storage/v1
	k8s.io/api/rbac/v1
	k8s.io/api/scheduling/v1alpha3
	k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1
	k8s.io/apimachinery/pkg/util/intstr
)

# Protobuf for the served group, as upstream API packages have it, so
# protobuf-preferring clients get protobuf rather than a 406. go-to-protobuf
# writes generated.proto, generated.pb.go and protobuf struct tags into the
# package. It needs protoc (Debian: protobuf-compiler); protoc-gen-gogo is
# built from the pinned code-generator, goimports from go.mod.
command -v protoc >/dev/null || {
	echo "protoc is required to generate protobuf: apt-get install -y protobuf-compiler" >&2
	exit 1
}
(cd "${CODEGEN_PKG}" && go install k8s.io/code-generator/cmd/go-to-protobuf k8s.io/code-generator/cmd/go-to-protobuf/protoc-gen-gogo)
go install golang.org/x/tools/cmd/goimports
# protoc resolves imports by import path: a tree of links names this module
# and the read-only upstream modules whose generated.proto files we import.
PROTO_ROOT="${ROOT}/_output/codegen/proto"
rm -rf "${PROTO_ROOT}"
mkdir -p "${PROTO_ROOT}/github.com/ks-apiserver" "${PROTO_ROOT}/github.com/gogo" "${PROTO_ROOT}/k8s.io"
ln -s "${ROOT}" "${PROTO_ROOT}/${THIS_PKG}"
# (Each module is downloaded first: `go list -m` has no folder for one that
# a fresh module cache lacks.)
ln -s "$(cd "${CODEGEN_PKG}" && go mod download github.com/gogo/protobuf && go list -m -f '{{.Dir}}' github.com/gogo/protobuf)" \
	"${PROTO_ROOT}/github.com/gogo/protobuf"
for mod in k8s.io/api k8s.io/apimachinery k8s.io/apiextensions-apiserver; do
	go mod download "${mod}"
	ln -s "$(go list -m -f '{{.Dir}}' "${mod}")" "${PROTO_ROOT}/${mod}"
done
# "-" marks packages that are only read (their protobuf ships with them);
# iam/v1beta1 is a CustomResourceDefinition in kube-apiserver, and "+" limits
# it to the types marked +protobuf=true that the served User embeds.
proto_pkgs=(
	-k8s.io/apimachinery/pkg/util/intstr
	-k8s.io/apimachinery/pkg/api/resource
	-k8s.io/apimachinery/pkg/runtime/schema
	-k8s.io/apimachinery/pkg/runtime
	-k8s.io/apimachinery/pkg/apis/meta/v1
	-k8s.io/api/core/v1
	-k8s.io/api/apps/v1
	-k8s.io/api/batch/v1
	-k8s.io/api/networking/v1
	-k8s.io/api/autoscaling/v2
	-k8s.io/api/storage/v1
	-k8s.io/api/rbac/v1
	-k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1
	+${THIS_PKG}/pkg/apis/iam/v1beta1
	${THIS_PKG}/pkg/apis/resources/v1alpha3
)
PATH="${GOBIN}:${PATH}" "${GOBIN}/go-to-protobuf" \
	--go-header-file "${ROOT}/hack/boilerplate.go.txt" \
	--output-dir "${PROTO_ROOT}" \
	--proto-import "${PROTO_ROOT}" \
	--apimachinery-packages "" \
	--packages "$(IFS=,; echo "${proto_pkgs[*]}")"

kube::codegen::gen_helpers \
	--boilerplate "${ROOT}/hack/boilerplate.go.txt" \
	"${OUT}/pkg/apis"

openapi_args=()
for pkg in "${UPSTREAM_PKGS[@]}"; do
	openapi_args+=(--extra-pkgs "${pkg}")
done
# Their modules already ship zz_generated.model_name.go: read-only packages
# get none written, so nothing lands in the (read-only) Go module cache.
KUBE_CODEGEN_READONLY_PKGS+=("${UPSTREAM_PKGS[@]}")
kube::codegen::gen_openapi \
	--output-dir "${OUT}/pkg/generated/openapi" \
	--output-pkg "${THIS_PKG}/pkg/generated/openapi" \
	--output-model-name-file zz_generated.model_name.go \
	--report-filename "${OUT}/hack/api-rules/violation_exceptions.list" \
	--update-report \
	"${openapi_args[@]}" \
	--boilerplate "${ROOT}/hack/boilerplate.go.txt" \
	"${OUT}/pkg/apis"

kube::codegen::gen_client \
	--with-watch \
	--output-dir "${OUT}/pkg/generated" \
	--output-pkg "${THIS_PKG}/pkg/generated" \
	--boilerplate "${ROOT}/hack/boilerplate.go.txt" \
	"${OUT}/pkg/apis"
