#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/cluster/run.sh [--smoke]: bring the cluster up (up.sh), run the
# scenarios under constant HTTP load through the edge's nginx, print the
# table, tear everything down (down.sh, also on failure or a kill).
#
#   --smoke  two app hosts; one rolling deploy (nginx retries on) and one
#            crash; for CI (tests/regress/cluster_smoke.sh), under 3 min.
#   (full)   three app hosts; rolling deploy with retries on and with
#            proxy_next_upstream off, crash, host lost and back.
#
# Every scenario ends with convergence: on every app host, the running web
# containers (Docker's truth) and the passing web instances in Consul are
# the same set (0 ghosts, 0 missing), and the edge's live file lists
# exactly them.  Exit 1 when a scenario that promises 0 failed requests
# failed one, or when convergence does not come within CL_CONVERGE_S.
#
# Environment: BUILD_DIR (a build of this tree), CLUSTER_ID (lib.sh),
# LOAD_RATE (requests/s, default 100), KEEP_LOGS (a directory to copy the
# daemons' logs into before the teardown).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SMOKE=0
[[ ${1:-} == --smoke ]] && SMOKE=1
LOAD_RATE=${LOAD_RATE:-100}
CL_CONVERGE_S=60
CL_INSTANCES=2 # web instances per app host
IMAGE=registrator-test/busybox:1
LIVE=$CLUSTER_STATE/edge/nginx/conf/upstreams.conf
RESULTS=()
FAILED=0
T0=$SECONDS

cleanup()
{
	[[ -n ${LOAD_PID:-} ]] && kill "$LOAD_PID" 2>/dev/null
	"$CL_SRC/tests/cluster/down.sh" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ((SMOKE)); then
	"$CL_SRC/tests/cluster/up.sh" --apps 2
else
	"$CL_SRC/tests/cluster/up.sh" --apps 3
fi
APPS=$(cl_apps)
cl_log "up in $((SECONDS - T0))s"

now_ms() { date +%s%3N; }

# web_run HOST NAME: a web instance.  On SIGTERM its server keeps answering
# for 2 s, then exits (a server draining its requests); Consul checks
# /health every second, so it gets traffic only once that passes.
web_run()
{
	cl_docker "$1" run -d --name "$2" -p 80 --stop-timeout 10 \
	    -e SERVICE_NAME=web -e SERVICE_CHECK_HTTP=/health \
	    -e SERVICE_CHECK_INTERVAL=1s -e SERVICE_CHECK_TIMEOUT=1s \
	    "$IMAGE" sh -c 'echo "$HOSTNAME" >/www/index.html
echo ok >/www/health
httpd -f -p 80 -h /www & p=$!
trap "sleep 2; kill \$p; exit 0" TERM
wait $p' >/dev/null
}

# web_addr HOST NAME: the instance's address as Consul and the live file
# name it (the host's address and the published port).
web_addr()
{
	local p
	p=$(cl_docker "$1" port "$2" 80/tcp | sed -n 's/^0\.0\.0\.0://p' | head -1)
	echo "$(cl_ip "$1"):$p"
}

# Docker's truth: host:port of every running web instance, sorted.
truth()
{
	local h n
	for h in $APPS; do
		for n in $(cl_docker "$h" ps --filter name=web- --format '{{.Names}}'); do
			web_addr "$h" "$n"
		done
	done | sort
}
consul_view()
{
	cl_consul edge GET '/v1/health/service/web?passing' |
	    jq -r '.[] | "\(.Service.Address):\(.Service.Port)"' | sort
}
live_view()
{
	sed -n 's/^ *server \([0-9.]*:[0-9]*\);.*/\1/p' "$LIVE" |
	    grep -v '^127\.0\.0\.1:' | sort || true
}

# converge NAME: wait until Consul and the live file agree with Docker;
# records the seconds it took; prints ghosts and missing when it does not.
converge()
{
	local start=$SECONDS t c l
	while :; do
		t=$(truth)
		c=$(consul_view)
		l=$(live_view)
		[[ $t == "$c" && $t == "$l" ]] && break
		if ((SECONDS - start >= CL_CONVERGE_S)); then
			cl_log "$1: no convergence in ${CL_CONVERGE_S}s"
			cl_log "docker: $(echo $t)"
			cl_log "consul: $(echo $c)"
			cl_log "live:   $(echo $l)"
			cl_log "ghosts: $(comm -13 <(echo "$t") <(echo "$c") | tr '\n' ' ')"
			cl_log "missing: $(comm -23 <(echo "$t") <(echo "$c") | tr '\n' ' ')"
			FAILED=1
			CONVERGED=-1
			return 0
		fi
		sleep 0.2
	done
	CONVERGED=$((SECONDS - start))
}

# in_live ADDR / not_in_live ADDR, for waits.
in_live() { grep -q "server $1;" "$LIVE"; }
not_in_live() { ! grep -q "server $1;" "$LIVE"; }

load_start()
{
	LOAD_OUT=$CLUSTER_STATE/load-$1.out
	# Not through cl_in: $! must be loadgen itself, which load_stop signals.
	nsenter --net="/run/netns/$(cl_ns client)" \
	    "$CL_BUILD/tests/loadgen" -r "$LOAD_RATE" -c 32 \
	    -n 1000000 -t 600 -T 10000 "$(cl_ip edge):80" / \
	    >"$LOAD_OUT" 2>"$CLUSTER_STATE/load-$1.err" &
	LOAD_PID=$!
}
load_stop()
{
	kill -TERM "$LOAD_PID"
	wait "$LOAD_PID" || true
	LOAD_PID=
	read -r _ SENT _ OK _ NON2XX _ SOCKERR _ P50 _ P99 _ <"$LOAD_OUT"
	LOAD_FAILED=$((NON2XX + SOCKERR))
	if ((LOAD_FAILED > 0)); then
		cl_log "failures:"
		head -20 "${LOAD_OUT%.out}.err" >&2
	fi
}

# result NAME GOAL_ZERO EXTRA: one table row; GOAL_ZERO=1 fails the run on
# a failed request.
result()
{
	RESULTS+=("$(printf '| %-28s | %6s | %6s | %7s | %6s | %s |' \
	    "$1" "$SENT" "$LOAD_FAILED" "$P99" "$CONVERGED" "$3")")
	cl_log "${RESULTS[-1]}"
	if (($2 == 1 && LOAD_FAILED > 0)); then
		cl_log "$1: $LOAD_FAILED failed requests, goal 0"
		FAILED=1
	fi
}

retries()
{
	local c=$CLUSTER_STATE/edge/nginx/conf/retries.conf
	if [[ $1 == on ]]; then
		printf 'proxy_next_upstream error timeout;\nproxy_next_upstream_tries 3;\n' >"$c"
	else
		printf 'proxy_next_upstream off;\n' >"$c"
	fi
	cl_in edge "$CLUSTER_STATE/edge/reload.sh"
}

# --- the starting fleet
for h in $APPS; do
	for ((i = 1; i <= CL_INSTANCES; i++)); do
		web_run "$h" "web-0-$i"
	done
done
converge start
((CONVERGED >= 0)) || exit 1
cl_log "fleet: $(truth | wc -l) instances in the live file in ${CONVERGED}s"
GEN=0

# rolling NAME: replace every instance, one at a time: start the new one,
# wait until the edge routes to it, stop the old one, wait until the edge
# no longer does.
rolling()
{
	local h i new old addr
	GEN=$((GEN + 1))
	load_start "$1"
	for h in $APPS; do
		for ((i = 1; i <= CL_INSTANCES; i++)); do
			old=$(cl_docker "$h" ps --format '{{.Names}}' |
			    grep -E "^web-[0-9]+-$i\$" | head -1 || true)
			new=web-$GEN-$i
			web_run "$h" "$new"
			addr=$(web_addr "$h" "$new")
			cl_wait "$CL_CONVERGE_S" in_live "$addr" ||
			    cl_log "$1: $new ($addr) never reached the live file"
			[[ -z $old ]] && continue
			addr=$(web_addr "$h" "$old")
			cl_docker "$h" stop "$old" >/dev/null
			cl_docker "$h" rm "$old" >/dev/null
			cl_wait "$CL_CONVERGE_S" not_in_live "$addr" ||
			    cl_log "$1: $old ($addr) stayed in the live file"
		done
	done
	sleep 1
	load_stop
	converge "$1"
}

# crash NAME: docker kill -s KILL of one instance; the time until the live
# file drops it.
crash()
{
	local h=${APPS%% *} n addr t
	load_start "$1"
	sleep 2
	n=$(cl_docker "$h" ps --filter name=web- --format '{{.Names}}' | head -1)
	addr=$(web_addr "$h" "$n")
	t=$(now_ms)
	cl_docker "$h" kill -s KILL "$n" >/dev/null
	cl_wait "$CL_CONVERGE_S" not_in_live "$addr" ||
	    cl_log "$1: the killed $n stayed in the live file"
	DROP_S=$(awk -v ms=$(($(now_ms) - t)) 'BEGIN { printf "%.1f", ms / 1000 }')
	cl_docker "$h" rm "$n" >/dev/null
	web_run "$h" "$n"
	sleep 1
	load_stop
	converge "$1"
}

# host_lost NAME: cut the last app host's link; its instances leave the
# live file (Consul's failure detection included); link back, they return.
host_lost()
{
	local h=${APPS##* } t
	load_start "$1"
	sleep 2
	t=$(now_ms)
	ip link set "c$CLUSTER_ID-$h" down
	lost_gone()
	{
		! live_view | grep -q "^$(cl_ip "$h"):"
	}
	cl_wait 120 lost_gone || cl_log "$1: $h's instances stayed in the live file"
	GONE_S=$(awk -v ms=$(($(now_ms) - t)) 'BEGIN { printf "%.1f", ms / 1000 }')
	ip link set "c$CLUSTER_ID-$h" up
	t=$(now_ms)
	lost_back() { live_view | grep -q "^$(cl_ip "$h"):"; }
	cl_wait 120 lost_back || cl_log "$1: $h's instances did not come back"
	BACK_S=$(awk -v ms=$(($(now_ms) - t)) 'BEGIN { printf "%.1f", ms / 1000 }')
	sleep 1
	load_stop
	converge "$1"
}

rolling "rolling deploy, retries on"
result "rolling deploy, retries on" 1 "$((CL_INSTANCES * $(echo $APPS | wc -w))) replaced"
crash "crash (kill -9), retries on"
result "crash (kill -9), retries on" 1 "out of the live file in ${DROP_S}s"
if ((SMOKE == 0)); then
	retries off
	rolling "rolling deploy, retries off"
	result "rolling deploy, retries off" 1 "proxy_next_upstream off"
	crash "crash (kill -9), retries off"
	result "crash (kill -9), retries off" 0 "out of the live file in ${DROP_S}s"
	retries on
	host_lost "host lost, retries on"
	result "host lost, retries on" 0 "gone in ${GONE_S}s, back in ${BACK_S}s"
fi

echo
echo "| scenario                     |   sent | failed | p99 ms  | conv s | notes |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
echo
echo "cluster: load $LOAD_RATE req/s through nginx; total $((SECONDS - T0))s; $( ((FAILED)) && echo FAILED || echo passed)"
exit "$FAILED"
