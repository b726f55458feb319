// Command kubectl is upstream kubectl built from k8s.io/kubectl at the
// version the tests run against, for machines without a kubectl.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() {
	cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand())
}
