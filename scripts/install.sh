#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# install.sh: install everything the build, the demo and the tests need, and
# nothing twice. Debian packages are installed only when one is missing
# (apt-get update runs only then). The real Consul agent is taken from PATH
# when it is >= 1.10, else built once from the tools module in tests/consul
# (hashicorp/consul v1.16.3, MPL-2.0) through the Go module proxy into
# ${XDG_CACHE_HOME:-~/.cache}/registrator-testbed/, outside the repository.
# A second run with everything present takes a few seconds.
# Prints the path of the Consul binary on its last line: "consul: PATH".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

packages=(
	build-essential cmake pkg-config
	libcurl4-openssl-dev libcjson-dev libc-ares-dev libinih-dev
	nginx-light haproxy busybox-static
	clang libclang-rt-14-dev llvm valgrind clang-format
	jq socat iproute2 python3 curl ca-certificates unicode-data
	debootstrap docker-compose hyperfine
)

say()
{
	printf 'install: %s\n' "$*"
}

die()
{
	printf 'install: error: %s\n' "$*" >&2
	exit 1
}

as_root()
{
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root (or sudo) to run: $*"
	fi
}

install_packages()
{
	local p missing=()
	for p in "${packages[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		say "Debian packages: all ${#packages[@]} present"
		return 0
	fi
	say "Debian packages missing: ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# The tests run nginx and haproxy themselves on free loopback ports:
	# keep the packages' own services from starting (and from failing the
	# install when port 80 is taken) with the usual policy-rc.d, unless
	# the machine already has one.
	local policy=/usr/sbin/policy-rc.d own_policy= rc=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
		as_root chmod 755 "$policy"
		own_policy=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends "${missing[@]}" </dev/null || rc=$?
	[[ -z $own_policy ]] || as_root rm -f "$policy"
	((rc == 0)) || die "apt-get install failed (exit $rc)"
}

check_docker()
{
	command -v docker >/dev/null ||
	    die "the docker client is missing (this project needs a Docker Engine)"
	docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
	    die "the Docker Engine does not answer on its socket (docker version)"
	say "Docker Engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
}

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

# build_consul: build tests/consul's Consul into the cache, under a lock so
# two concurrent installs do not build it twice.
build_consul()
{
	local home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
	local cache=${XDG_CACHE_HOME:-$home/.cache}/registrator-testbed
	local out=$cache/consul-1.16.3 log=$cache/consul-build.log go start
	mkdir -p "$cache"
	exec 9>"$cache/.build.lock"
	flock 9
	if "$here/../tests/bed/consul-path.sh" >/dev/null 2>&1; then
		exec 9>&-
		return 0
	fi
	go=$(find_go) || die "no consul >= 1.10 in PATH and no Go toolchain to build one"
	say "building Consul v1.16.3 with $("$go" version) (a few minutes, log: $log)"
	start=$SECONDS
	trap 'rm -f "$out.tmp.$$"' EXIT
	# The module proxy serves these two modules but its checksum database
	# answers 404 for them ("verifying module: ... 404 Not Found"); their
	# hashes are pinned in tests/consul/go.sum instead.
	if ! (cd "$top/tests/consul" &&
	    HOME=$home GOTOOLCHAIN=local \
	    GONOSUMDB=github.com/hashicorp/hcp-sdk-go,github.com/hashicorp/consul/envoyextensions \
	    "$go" build -mod=readonly -trimpath -o "$out.tmp.$$" \
	    github.com/hashicorp/consul) >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		rm -f "$out.tmp.$$"
		die "building Consul failed (full log: $log)"
	fi
	mv -f "$out.tmp.$$" "$out"
	trap - EXIT
	say "built $out in $((SECONDS - start)) s"
	exec 9>&-
}

start=$SECONDS
install_packages
check_docker
if ! consul=$("$top/tests/bed/consul-path.sh" 2>/dev/null); then
	build_consul
	consul=$("$top/tests/bed/consul-path.sh") ||
	    die "the Consul binary does not run after the build"
fi
say "$("$consul" version | head -n 1)"
say "done in $((SECONDS - start)) s"
printf 'consul: %s\n' "$consul"
