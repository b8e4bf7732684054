#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# demo.sh: the whole chain on this host. Installs what is needed, builds,
# starts a Consul dev agent on free loopback ports, the registrator on the
# local Docker socket, the templater rendering an nginx upstream file from
# templates/, and two demo containers (busybox httpd); prints the rendered
# file, then runs until Ctrl-C (or SIGTERM), which stops everything it
# started. Needs no TTY.
#
#	scripts/demo.sh [--once] [--no-build]
#
#	--once		stop everything after the rendered file is printed
#	--no-build	skip install and build (use BUILD_DIR, default build/)
#
# The file is rendered to DEMO_OUT (default BUILD_DIR/demo/nginx-upstream.conf)
# from DEMO_TEMPLATE (default: templates/nginx-upstreams.ctmpl).
#
# A daemon that is not built yet is skipped with a message saying so.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
once=
build=1
for arg in "$@"; do
	case $arg in
	--once) once=1 ;;
	--no-build) build= ;;
	-h | --help)
		sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "demo: unknown argument '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done

say()
{
	printf 'demo: %s\n' "$*"
}

if [[ -n $build ]]; then
	bash "$top/scripts/install.sh"
	say "building build/"
	cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$top/build" -j 2 ||
	    say "WARNING: the build failed; going on with what was built"
fi

export BUILD_DIR=${BUILD_DIR:-$top/build} SOURCE_DIR=$top
BED_NAME=demo
. "$top/tests/bed/bed.sh"
trap 'exit 0' INT TERM

rendered=${DEMO_OUT:-$BUILD_DIR/demo/nginx-upstream.conf}
mkdir -p "$(dirname "$rendered")"
rm -f "$rendered"
registrator=$BUILD_DIR/registrator/registrator
templater=$BUILD_DIR/templater/templater
template=${DEMO_TEMPLATE:-$top/templates/nginx-upstreams.ctmpl}
running=()

bed_consul_start
say "Consul dev agent: $BED_CONSUL_URL (ui: $BED_CONSUL_URL/ui/)"

if [[ -x $registrator ]]; then
	bed_spawn registrator "$registrator" -ip 127.0.0.1 \
	    "consul://$BED_CONSUL_HTTP"
	running+=("$BED_PID")
	say "registrator: pid $BED_PID, log $BED_TMP/registrator.log"
else
	say "SKIP registrator: $registrator is not built yet;" \
	    "the demo containers will not be registered"
fi

if [[ ! -x $templater ]]; then
	say "SKIP templater: $templater is not built yet; nothing is rendered"
elif [[ -z $template || ! -f $template ]]; then
	say "SKIP templater: no nginx template in templates/ yet" \
	    "(or DEMO_TEMPLATE=${DEMO_TEMPLATE:-} is missing)"
	templater=
else
	bed_spawn templater "$templater" -consul-addr "$BED_CONSUL_HTTP" \
	    -template "$template:$rendered"
	running+=("$BED_PID")
	say "templater: pid $BED_PID, $template -> $rendered"
fi

ports=()
for n in 1 2; do
	id=$(bed_run_httpd --name "demo-web-$n-$$" -e SERVICE_NAME=demo-web \
	    -e SERVICE_TAGS=demo -e SERVICE_CHECK_HTTP=/health \
	    -e SERVICE_CHECK_INTERVAL=5s -e "HTTPD_BODY=demo-web $n")
	ports+=("$(bed_container_port "$id" 80)")
	say "container demo-web-$n-$$: ${id:0:12} on 127.0.0.1:${ports[-1]}"
done

# rendered_has_both: the rendered file names both containers' ports.
rendered_has_both()
{
	local p
	[[ -s $rendered ]] || return 1
	for p in "${ports[@]}"; do
		grep -q "127.0.0.1:$p" "$rendered" || return 1
	done
}

if [[ -x $registrator && -n $templater ]]; then
	if bed_poll_until "${DEMO_TIMEOUT:-60}" rendered_has_both; then
		say "rendered $rendered:"
		cat "$rendered"
	else
		say "ERROR: after ${DEMO_TIMEOUT:-60}s $rendered does not list" \
		    "127.0.0.1:${ports[0]} and 127.0.0.1:${ports[1]}"
		[[ -f $rendered ]] && cat "$rendered"
		bed_fail "the demo did not converge"
	fi
elif [[ -x $registrator ]]; then
	if bed_poll_until "${DEMO_TIMEOUT:-60}" bed_consul_has_service demo-web; then
		say "registered in Consul:"
		bed_consul_get /v1/catalog/service/demo-web |
		    jq -r '.[] | "  \(.ServiceName) \(.ServiceAddress):\(.ServicePort)"'
	else
		bed_fail "demo-web not registered after ${DEMO_TIMEOUT:-60}s"
	fi
fi

if [[ -n $once ]]; then
	say "--once: stopping"
	exit 0
fi
say "running; Ctrl-C stops everything the demo started"
if ((${#running[@]} == 0)); then
	wait "$BED_CONSUL_PID" || true
	bed_fail "the Consul agent exited"
fi
rc=0
wait -n "${running[@]}" "$BED_CONSUL_PID" || rc=$?
bed_fail "a daemon exited (status $rc); see the logs above"
