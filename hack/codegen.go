//go:build tools

// Package hack keeps k8s.io/code-generator (and goimports, which
// go-to-protobuf runs on its output) in go.mod, so that
// hack/update-codegen.sh runs the generators at the pinned versions.
package hack

import (
	_ "golang.org/x/tools/cmd/goimports"
	_ "k8s.io/code-generator"
)
