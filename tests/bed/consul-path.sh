#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# consul-path.sh: print the path of the real Consul agent the test bed uses,
# or exit 1 when there is none yet (scripts/install.sh then builds one).
# Order: $BED_CONSUL_BIN if set; `consul` from PATH when its version is at
# least 1.10; the binary built by scripts/install.sh into the cache
# (${XDG_CACHE_HOME:-~/.cache}/registrator-testbed/consul-1.16.3).
set -u

bed_consul_home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
bed_consul_cache_dir=${XDG_CACHE_HOME:-$bed_consul_home/.cache}/registrator-testbed
bed_consul_cached=$bed_consul_cache_dir/consul-1.16.3

# consul_version_ok <binary>: true when `<binary> version` says v1.MINOR
# with MINOR >= 10 (or a major version above 1).
consul_version_ok()
{
	local out major minor
	out=$("$1" version 2>/dev/null | head -n 1) || return 1
	[[ $out =~ ^Consul\ v([0-9]+)\.([0-9]+) ]] || return 1
	major=${BASH_REMATCH[1]}
	minor=${BASH_REMATCH[2]}
	((major > 1 || (major == 1 && minor >= 10)))
}

consul_path()
{
	local c
	if [[ -n ${BED_CONSUL_BIN:-} ]]; then
		consul_version_ok "$BED_CONSUL_BIN" || {
			echo "consul-path: BED_CONSUL_BIN=$BED_CONSUL_BIN is not a Consul >= 1.10" >&2
			return 1
		}
		printf '%s\n' "$BED_CONSUL_BIN"
		return 0
	fi
	if c=$(command -v consul) && consul_version_ok "$c"; then
		printf '%s\n' "$c"
		return 0
	fi
	if [[ -x $bed_consul_cached ]] && consul_version_ok "$bed_consul_cached"; then
		printf '%s\n' "$bed_consul_cached"
		return 0
	fi
	return 1
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	consul_path
fi
