#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# record.sh: record the conformance suite's expectations from the real
# consul-template v0.41.1 (see tests/conformance/README.md).
#
#	tests/conformance/record.sh [REGEX]
#
# Builds consul-template once from the tools module in tests/consul-template
# through the Go module proxy into
# ${XDG_CACHE_HOME:-~/.cache}/registrator-testbed/ (beside the Consul build;
# test-only: CI compares with the recorded files and needs neither), starts
# two Consul dev agents (dc1 and dc2, joined over the WAN) on free loopback
# ports with the test bed's Consul, and runs record.py: every case (or those
# whose name matches REGEX) is seeded, rendered by consul-template, and its
# result and Consul's answers are written to tests/conformance/recorded/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
only=${1:-}

# shellcheck disable=SC2034 # read by bed.sh
BED_NAME=conformance-record
# shellcheck source=../bed/bed.sh
. "$top/tests/bed/bed.sh"

ct_version=0.41.1
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${XDG_CACHE_HOME:-$home/.cache}/registrator-testbed
ct=$cache/consul-template-$ct_version

find_go()
{
	if command -v go >/dev/null; then
		command -v go
	elif [[ -x /usr/local/go/bin/go ]]; then
		printf '%s\n' /usr/local/go/bin/go
	else
		return 1
	fi
}

# build_consul_template: build tests/consul-template's module into the
# cache, under the same lock as scripts/install.sh's Consul build.
build_consul_template()
{
	local log=$cache/consul-template-build.log go start
	mkdir -p "$cache"
	exec 9>"$cache/.build.lock"
	flock 9
	if [[ -x $ct ]] && "$ct" -v 2>&1 | grep -q "v$ct_version"; then
		exec 9>&-
		return 0
	fi
	go=$(find_go) || bed_fail "no Go toolchain to build consul-template"
	bed_log "building consul-template v$ct_version with $("$go" version) (log: $log)"
	start=$SECONDS
	if ! (cd "$top/tests/consul-template" &&
	    HOME=$home GOTOOLCHAIN=local \
	    "$go" build -mod=readonly -trimpath -o "$ct.tmp.$$" \
	    github.com/hashicorp/consul-template) >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		rm -f "$ct.tmp.$$"
		bed_fail "building consul-template failed (full log: $log)"
	fi
	mv -f "$ct.tmp.$$" "$ct"
	bed_log "built $ct in $((SECONDS - start)) s"
	exec 9>&-
}

# consul_dc2_start: a second dev agent, datacenter dc2, joined to dc1 over
# the WAN, so that "@dc2" queries have a real answer.
consul_dc2_start()
{
	local dir=$BED_TMP/consul-dc2 http dns lan wan server
	read -r http dns lan wan server <<<"$(bed_free_ports 5)"
	mkdir -p "$dir/data"
	cat >"$dir/bed.json" <<-EOF
	{
	  "datacenter": "dc2",
	  "node_name": "bed-conformance-dc2",
	  "node_id": "00000000-0000-4000-8000-000000000002",
	  "bind_addr": "127.0.0.1",
	  "client_addr": "127.0.0.1",
	  "advertise_addr": "127.0.0.1",
	  "disable_update_check": true,
	  "ports": {
	    "http": $http, "dns": $dns, "serf_lan": $lan, "serf_wan": $wan,
	    "server": $server, "grpc": -1, "grpc_tls": -1, "https": -1
	  }
	}
	EOF
	bed_spawn consul-dc2 "$BED_CONSUL_BIN" agent -dev -config-file \
	    "$dir/bed.json" -data-dir "$dir/data"
	DC2_HTTP=127.0.0.1:$http
	bed_wait_until 60 _dc2_leader
	bed_consul join -wan "127.0.0.1:$wan" >/dev/null
	bed_wait_until 60 _dc2_joined
	bed_log "consul dc2 up: http $DC2_HTTP, joined over the WAN"
}

_dc2_leader()
{
	[[ $(curl -sf "http://$DC2_HTTP/v1/status/leader") == '"127.0.0.1:'* ]]
}

_dc2_joined()
{
	curl -sf "$BED_CONSUL_URL/v1/catalog/datacenters" | grep -q '"dc2"' &&
	    curl -sf "$BED_CONSUL_URL/v1/catalog/nodes?dc=dc2" | grep -q Node
}

start=$SECONDS
build_consul_template
# A fixed node name and id: they are in the answers and outputs recorded.
# shellcheck disable=SC2034 # read by bed_consul_start
BED_RUN_ID=conformance
bed_consul_start -node-id=00000000-0000-4000-8000-000000000001
consul_dc2_start
"$BED_PYTHON" "$here/record.py" --ct "$ct" --dc1 "$BED_CONSUL_HTTP" \
    --dc2 "$DC2_HTTP" --node "$BED_CONSUL_NODE" --only "$only"
bed_pass "recorded in $((SECONDS - start)) s"
