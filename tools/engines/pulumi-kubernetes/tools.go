//go:build tools

// Package tools pins what the provider's command imports (its main package is copied from the module and built
// after its schema is embedded: see tools/engines/build.sh), so `go mod tidy` keeps their dependencies.
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
