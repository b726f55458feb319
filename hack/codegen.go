//go:build tools

// Package hack keeps k8s.io/code-generator in go.mod, so that
// hack/update-codegen.sh runs the generators at the pinned version.
package hack

import _ "k8s.io/code-generator"
