//go:build tools

// Package tools pins consul-template's main package so that
// `go mod tidy` keeps its whole dependency graph in go.sum.
package tools

import _ "github.com/hashicorp/consul-template"
