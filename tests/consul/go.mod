// Tools module: builds a real Consul agent for the test bed from the
// MPL-2.0 licensed v1.16.3 release through the Go module proxy.
// The exclude block is copied from consul's own go.mod: module
// replacements and excludes of a dependency do not apply to the
// module that requires it, so they must be repeated here.
module registrator.test/consul

go 1.20

require github.com/hashicorp/consul v1.16.3

exclude (
	github.com/hashicorp/go-msgpack v1.1.5 // has breaking changes and must be avoided
	github.com/hashicorp/go-msgpack v1.1.6 // contains retractions but same as v1.1.5
)
