//go:build tools

// Package tools pins staticcheck, which `make verify` runs; hack/staticcheck.sh
// builds it from this module, apart from the control-plane binaries so that
// neither pins the other's dependencies.
package tools

import (
	_ "honnef.co/go/tools/cmd/staticcheck"
)
