#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/cluster/run.sh [--smoke] [SCENARIO...]: bring the cluster up
# (up.sh), run the scenarios under constant HTTP load through the edge's
# nginx (and haproxy), print the table, tear everything down (down.sh,
# also on failure or a kill).
#
#   --smoke   two app hosts; one rolling deploy (nginx retries on) and one
#             crash, nginx only; for CI (tests/regress/cluster_smoke.sh),
#             under 3 min.
#   (full)    three app hosts, every scenario below, in this order.
#   SCENARIO  run only these (also CLUSTER_SCENARIOS, space-separated), in
#             the order below, on a full cluster unless --smoke:
#     deploy           rolling deploy, nginx retries on
#     crash            docker kill -s KILL of one instance, retries on
#     deploy-off       rolling deploy, proxy_next_upstream off
#     crash-off        crash, proxy_next_upstream off
#     leader           rolling deploy while the Raft leader is kill -9ed
#     registrator      a registrator kill -9ed during churn, started again
#     partition        the leader cut off from the other two servers
#                      (iptables in its namespace) during a deploy; healed
#     servers-restart  every server restarted one by one, one instance
#                      replaced while each is down
#     dockerd-restart  one app host's Docker Engine restarted; one instance
#                      has --restart always, the others none
#     agent-restart    one app host's client agent restarted (it leaves);
#                      one instance replaced while it is down
#     scale            SCALE_N containers per app host started at once,
#                      then stopped at once
#     host-lost        an app host's link cut, then back
#
# Every scenario ends with convergence: on every app host, the running web
# containers (Docker's truth) and the passing web instances in Consul are
# the same set (0 ghosts, 0 missing), and the edge's live file lists
# exactly them.  Exit 1 when a scenario that promises 0 failed requests
# failed one, or when convergence does not come within CL_CONVERGE_S.
#
# Environment: BUILD_DIR (a build of this tree), CLUSTER_ID (lib.sh),
# LOAD_RATE (requests/s through nginx, default 100), HAPROXY_RATE
# (requests/s through haproxy at the same time, default 20; 0 in --smoke),
# SCALE_N (containers per app host in the scale scenario, default 25: what
# 2 cores carry, docs/cluster.md), KEEP_LOGS (a directory to copy the
# daemons' logs into before the teardown).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ALL_SCENARIOS=(deploy crash deploy-off crash-off leader registrator partition
	servers-restart dockerd-restart agent-restart scale host-lost)
SMOKE=0
WANT=()
for a in "$@" ${CLUSTER_SCENARIOS:-}; do
	case $a in
	--smoke) SMOKE=1 ;;
	*)
		[[ " ${ALL_SCENARIOS[*]} " == *" $a "* ]] || {
			echo "run.sh: no scenario $a (${ALL_SCENARIOS[*]})" >&2
			exit 2
		}
		WANT+=("$a")
		;;
	esac
done
if ((${#WANT[@]} == 0)); then
	if ((SMOKE)); then
		WANT=(deploy crash)
	else
		WANT=("${ALL_SCENARIOS[@]}")
	fi
fi
wanted() { [[ " ${WANT[*]} " == *" $1 "* ]]; }
LOAD_RATE=${LOAD_RATE:-100}
if ((SMOKE)); then
	HAPROXY_RATE=${HAPROXY_RATE:-0}
else
	HAPROXY_RATE=${HAPROXY_RATE:-20}
fi
SCALE_N=${SCALE_N:-25}
[[ $SCALE_N =~ ^[1-9][0-9]{0,2}$ ]] || {
	echo "run.sh: SCALE_N $SCALE_N: expected 1-999" >&2
	exit 2
}
CL_CONVERGE_S=60
CL_SLOW_S=10 # a convergence this slow logs the failing checks
CL_SCALE_WAIT_S=300 # a scale start or stop that takes longer is reported
CL_INSTANCES=2 # web instances per app host
IMAGE=registrator-test/busybox:1
LIVE=$CLUSTER_STATE/edge/nginx/conf/upstreams.conf
ACCESS=$CLUSTER_STATE/log/nginx-access.log
RESULTS=()
FAILED=0
T0=$SECONDS

# On a kill (timeout(1) signals the whole process group, the load
# generators too) the kills below fail; errexit must not end the trap
# before down.sh, as it once did, leaving the cluster up.
cleanup()
{
	set +e
	[[ -n ${LOAD_PID:-} ]] && kill "$LOAD_PID" 2>/dev/null
	[[ -n ${HLOAD_PID:-} ]] && kill "$HLOAD_PID" 2>/dev/null
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

# web_run HOST NAME [DOCKER RUN ARGS...]: a web instance.  On SIGTERM its
# server keeps answering for 2 s, then exits (a server draining its
# requests); Consul checks /health every second, so it gets traffic only
# once that passes.
web_run()
{
	local h=$1 n=$2
	shift 2
	cl_docker "$h" run -d --name "$n" -p 80 --stop-timeout 10 "$@" \
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
	p=$(cl_docker "$1" port "$2" 80/tcp 2>/dev/null | sed -n 's/^0\.0\.0\.0://p' | head -1)
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
	local start=$SECONDS t c l slow=0
	while :; do
		t=$(truth)
		c=$(consul_view)
		l=$(live_view)
		[[ $t == "$c" && $t == "$l" ]] && break
		# Slow: say once which checks fail and why (a servers-restart
		# run waited 38 s for two instances whose checks failed).
		if ((slow == 0 && SECONDS - start >= CL_SLOW_S)); then
			slow=1
			cl_log "$1: not converged after ${CL_SLOW_S}s; critical checks:"
			cl_consul edge GET /v1/health/state/critical |
			    jq -r '.[] | "  \(.Node) \(.CheckID): \(.Output)"' >&2 || true
		fi
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

# load_start KEY: constant load through nginx (LOAD_RATE) and, when
# HAPROXY_RATE > 0, through haproxy at the same time; each bounded in count
# and time (600 s), each request with a 10 s timeout.
load_start()
{
	LOAD_OUT=$CLUSTER_STATE/load-$1.out
	HLOAD_OUT=$CLUSTER_STATE/hload-$1.out
	# Not through cl_in: $! must be loadgen itself, which load_stop signals.
	nsenter --net="/run/netns/$(cl_ns client)" \
	    "$CL_BUILD/tests/loadgen" -r "$LOAD_RATE" -c 32 \
	    -n 1000000 -t 600 -T 10000 "$(cl_ip edge):80" / \
	    >"$LOAD_OUT" 2>"${LOAD_OUT%.out}.err" &
	LOAD_PID=$!
	if ((HAPROXY_RATE > 0)); then
		nsenter --net="/run/netns/$(cl_ns client)" \
		    "$CL_BUILD/tests/loadgen" -r "$HAPROXY_RATE" -c 32 \
		    -n 1000000 -t 600 -T 10000 "$(cl_ip edge):8080" / \
		    >"$HLOAD_OUT" 2>"${HLOAD_OUT%.out}.err" &
		HLOAD_PID=$!
	fi
}
load_stop()
{
	kill -TERM "$LOAD_PID"
	wait "$LOAD_PID" || true
	LOAD_PID=
	read -r _ SENT _ OK _ NON2XX _ SOCKERR _ P50 _ P99 _ <"$LOAD_OUT"
	LOAD_FAILED=$((NON2XX + SOCKERR))
	if ((LOAD_FAILED > 0)); then
		cl_log "nginx failures:"
		head -20 "${LOAD_OUT%.out}.err" >&2
	fi
	HAP=-
	HLOAD_FAILED=0
	if [[ -n ${HLOAD_PID:-} ]]; then
		kill -TERM "$HLOAD_PID"
		wait "$HLOAD_PID" || true
		HLOAD_PID=
		read -r _ HSENT _ _ _ NON2XX _ SOCKERR _ _ _ HP99 _ <"$HLOAD_OUT"
		HLOAD_FAILED=$((NON2XX + SOCKERR))
		HAP="$HSENT/$HLOAD_FAILED/$HP99"
		if ((HLOAD_FAILED > 0)); then
			cl_log "haproxy failures:"
			head -20 "${HLOAD_OUT%.out}.err" >&2
		fi
	fi
}

# result NAME GOAL_ZERO EXTRA: one table row; GOAL_ZERO=1 fails the run on
# a failed request (through nginx or haproxy).
result()
{
	RESULTS+=("$(printf '| %-28s | %6s | %6s | %7s | %-16s | %6s | %s |' \
	    "$1" "$SENT" "$LOAD_FAILED" "$P99" "$HAP" "$CONVERGED" "$3")")
	cl_log "${RESULTS[-1]}"
	if (($2 == 1 && LOAD_FAILED + HLOAD_FAILED > 0)); then
		cl_log "$1: $LOAD_FAILED + $HLOAD_FAILED failed requests, goal 0"
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
	load_start "$1"
	[[ -n ${2:-} ]] && "$2"
	replace_all "$1"
	[[ -n ${3:-} ]] && "$3"
	sleep 1
	load_stop
	converge "$1"
}

# replace_all NAME: the replacements of a rolling deploy.
replace_all()
{
	local h i
	GEN=$((GEN + 1))
	for h in $APPS; do
		for ((i = 1; i <= CL_INSTANCES; i++)); do
			replace_one "$1" "$h" "$i"
		done
	done
}

# replace_one NAME HOST I [DOCKER RUN ARGS...]: start web-$GEN-I on HOST,
# wait until the edge routes to it, stop and remove the instance it
# replaces, wait until the edge no longer routes to that.
replace_one()
{
	local name=$1 h=$2 i=$3 new old addr
	shift 3
	old=$(cl_docker "$h" ps -a --format '{{.Names}}' |
	    grep -E "^web-[0-9]+-$i\$" | head -1 || true)
	new=web-$GEN-$i
	web_run "$h" "$new" "$@"
	addr=$(web_addr "$h" "$new")
	cl_wait "$CL_CONVERGE_S" in_live "$addr" ||
	    cl_log "$name: $new ($addr) never reached the live file"
	[[ -z $old ]] && return 0
	addr=$(web_addr "$h" "$old")
	cl_docker "$h" stop "$old" >/dev/null
	cl_docker "$h" rm "$old" >/dev/null
	[[ $addr == *: ]] && return 0
	cl_wait "$CL_CONVERGE_S" not_in_live "$addr" ||
	    cl_log "$name: $old ($addr) stayed in the live file"
}

# secs_since MS: seconds (one decimal) since the now_ms value MS.
secs_since()
{
	awk -v ms=$(($(now_ms) - $1)) 'BEGIN { printf "%.1f", ms / 1000 }'
}

# Consul faults: the leader is killed (kill -9) as a deploy starts, and
# started again once the deploy is over.
server_of()
{
	case $1 in
	"$(cl_ip s1)":*) echo s1 ;;
	"$(cl_ip s2)":*) echo s2 ;;
	"$(cl_ip s3)":*) echo s3 ;;
	esac
}
kill_leader()
{
	KILLED=$(server_of "$(cl_consul s1 GET /v1/status/leader | tr -d '"')")
	[[ -n $KILLED ]] || KILLED=s1
	cl_stop "consul-$KILLED" KILL
	cl_log "killed the leader $KILLED"
}
restart_killed()
{
	cl_spawn "$KILLED" "consul-$KILLED" "$(<"$CLUSTER_STATE/consul-bin")" \
	    agent -config-file "$CLUSTER_STATE/$KILLED/consul.hcl"
	leader_again() { [[ $(cl_consul s1 GET /v1/status/leader) == *8300* ]]; }
	cl_wait 60 leader_again || cl_log "no leader after restarting $KILLED"
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

# registrator_kill NAME: the first app host's registrator is kill -9ed;
# while it is down one instance there is replaced (stopped, removed, a new
# one started); then it is started again and must catch up.
registrator_kill()
{
	local h=${APPS%% *} old new addr
	load_start "$1"
	sleep 1
	cl_stop "registrator-$h" KILL
	GEN=$((GEN + 1))
	old=$(cl_docker "$h" ps --format '{{.Names}}' |
	    grep -E '^web-[0-9]+-1$' | head -1)
	new=web-$GEN-1
	web_run "$h" "$new"
	cl_docker "$h" stop "$old" >/dev/null
	cl_docker "$h" rm "$old" >/dev/null
	sleep 2
	cl_registrator_start "$h"
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

# leader_of HOST: the Raft leader's host as HOST's agent sees it (none
# when it knows none).
leader_of()
{
	server_of "$(cl_consul "$1" GET /v1/status/leader 2>/dev/null | tr -d '"')"
}

# servers_healthy: autopilot (asked through the edge's agent, so of the
# current leader) counts three healthy voters.  Waited for before the next
# server fault: a restarted server is a non-voter for 10 s
# (server_stabilization_time), and a fault inside that window leaves no
# quorum (consul-cluster.md, server churn pitfall).
servers_healthy()
{
	cl_consul edge GET /v1/operator/autopilot/health |
	    jq -e '.Healthy and ([.Servers[] | select(.Voter and .Healthy)] | length) == 3'
}

# partition NAME: the leader is cut off from the other two servers
# (iptables in its namespace: clients still reach it) while every
# instance is replaced; then healed.
partition()
{
	local s o t
	load_start partition
	sleep 1
	s=$(leader_of s1)
	[[ -n $s ]] || s=s1
	PART=$s
	for o in s1 s2 s3; do
		[[ $o == "$s" ]] && continue
		cl_in "$s" iptables -A INPUT -s "$(cl_ip "$o")" -j DROP
		cl_in "$s" iptables -A OUTPUT -d "$(cl_ip "$o")" -j DROP
		OTHER=$o
	done
	t=$(now_ms)
	cl_log "partitioned the leader $s from the other servers"
	new_leader() { [[ -n $(leader_of "$OTHER") && $(leader_of "$OTHER") != "$PART" ]]; }
	cl_wait 60 new_leader || cl_log "$1: no new leader on the majority side"
	NEWLEADER_S=$(secs_since "$t")
	replace_all "$1"
	cl_in "$s" iptables -F INPUT
	cl_in "$s" iptables -F OUTPUT
	t=$(now_ms)
	cl_wait 90 servers_healthy || cl_log "$1: servers not healthy after the heal"
	HEALED_S=$(secs_since "$t")
	sleep 1
	load_stop
	converge "$1"
}

# servers_restart NAME: each server in turn is stopped (SIGTERM: a server
# does not leave), one instance is replaced while it is down, it is
# started again, and the next waits until autopilot has three healthy
# voters.
servers_restart()
{
	local s t h i=0 apps
	read -r -a apps <<<"$APPS"
	load_start servers-restart
	sleep 1
	LEADERS=$(leader_of edge)
	GEN=$((GEN + 1))
	t=$(now_ms)
	for s in s1 s2 s3; do
		cl_stop "consul-$s" TERM
		h=${apps[i % ${#apps[@]}]}
		replace_one "$1" "$h" 1
		i=$((i + 1))
		cl_consul_spawn "$s"
		cl_wait 120 servers_healthy || cl_log "$1: servers not healthy after restarting $s"
		LEADERS="$LEADERS $(leader_of edge)"
	done
	RESTART_S=$(secs_since "$t")
	sleep 1
	load_stop
	converge "$1"
}

# dockerd_restart NAME: the first app host's Docker Engine is stopped
# (SIGTERM: it stops its containers) and started again.  Its instance 2 was
# started with --restart always and comes back with the engine; instance 1
# (no restart policy) stays exited and is replaced by a new one.
dockerd_restart()
{
	local h=${APPS%% *} t old
	load_start dockerd-restart
	GEN=$((GEN + 1))
	replace_one "$1" "$h" 2 --restart always
	t=$(now_ms)
	cl_stop "dockerd-$h" TERM
	cl_dockerd_spawn "$h"
	cl_wait "$CL_WAIT_DOCKER_S" cl_docker "$h" info ||
	    cl_log "$1: the Docker Engine of $h did not come back"
	ENGINE_S=$(secs_since "$t")
	back()
	{
		[[ $(cl_docker "$h" inspect -f '{{.State.Running}}' "web-$GEN-2") == true ]] &&
		    in_live "$(web_addr "$h" "web-$GEN-2")"
	}
	cl_wait "$CL_CONVERGE_S" back || cl_log "$1: web-$GEN-2 (--restart always) did not come back"
	ALWAYS_S=$(secs_since "$t")
	old=$(cl_docker "$h" ps -a --filter status=exited --format '{{.Names}}' |
	    grep -E '^web-[0-9]+-1$' | head -1 || true)
	[[ -z $old ]] && cl_log "$1: instance 1 on $h did not stay exited"
	replace_one "$1" "$h" 1
	sleep 1
	load_stop
	converge "$1"
}

# agent_restart NAME: the second app host's client agent is stopped
# (SIGTERM: a client leaves, and the catalog drops its services), one
# instance there is replaced while it is down, and it is started again:
# it reloads the services it persisted (the replaced one too), and the
# registrator must put the catalog right.
agent_restart()
{
	local h t apps
	read -r -a apps <<<"$APPS"
	h=${apps[1]}
	load_start agent-restart
	sleep 1
	t=$(now_ms)
	cl_stop "consul-$h" TERM
	agent_gone() { ! live_view | grep -q "^$(cl_ip "$h"):"; }
	cl_wait 60 agent_gone || cl_log "$1: $h's instances stayed in the live file"
	GONE_S=$(secs_since "$t")
	GEN=$((GEN + 1))
	web_run "$h" "web-$GEN-1"
	old=$(cl_docker "$h" ps --format '{{.Names}}' | grep -E '^web-[0-9]+-1$' |
	    grep -v "^web-$GEN-1\$" | head -1 || true)
	[[ -n $old ]] && cl_docker "$h" stop "$old" >/dev/null && cl_docker "$h" rm "$old" >/dev/null
	t=$(now_ms)
	cl_consul_spawn "$h"
	agent_back() { [[ $(live_view | grep -c "^$(cl_ip "$h"):") == "$CL_INSTANCES" ]]; }
	cl_wait 90 agent_back || cl_log "$1: $h's instances did not come back"
	BACK_S=$(secs_since "$t")
	sleep 1
	load_stop
	converge "$1"
}

# pct FILE P: the P-th percentile of the numbers in FILE (ms), in seconds.
pct()
{
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		i = int((NR * p + 99) / 100); if (i < 1) i = 1
		printf "%.1f", v[i] / 1000 }'
}

# scale NAME: SCALE_N instances per app host started at once (one docker
# run each, all in parallel), then stopped at once.  Per instance: from its
# docker run to the first request nginx's access log shows it served, and
# from the docker stop to its leaving the live file.
scale()
{
	local d=$CLUSTER_STATE/scale h i n t pids=()
	mkdir -p "$d"
	: >"$d/starts"
	load_start scale
	sleep 1
	for h in $APPS; do
		for ((i = 1; i <= SCALE_N; i++)); do
			(
				t=$(now_ms)
				web_run "$h" "web-s-$i" >/dev/null
				echo "$h web-s-$i $t $(now_ms)" >>"$d/starts"
			) &
			pids+=($!)
		done
	done
	wait "${pids[@]}" || cl_log "$1: a docker run failed"
	: >"$d/addrs"
	: >"$d/run"
	while read -r h n t r; do
		echo "$(web_addr "$h" "$n") $t $r" >>"$d/addrs"
		echo $((r - t)) >>"$d/run"
	done <"$d/starts"
	all_in() { [[ $(live_view | grep -cFxf <(cut -d' ' -f1 "$d/addrs")) == $(wc -l <"$d/addrs") ]]; }
	t=$(now_ms)
	cl_wait "$CL_SCALE_WAIT_S" all_in || cl_log "$1: not every instance reached the live file"
	sleep 2 # the last ones' first requests
	# The first 2xx each address served (the last upstream nginx tried is
	# the one that answered), after its docker run started; also from the
	# return of its docker run (the pipeline's share) into $d/pipe.
	awk -v pipe="$d/pipe" 'NR == FNR { start[$1] = $2; ret[$1] = $3; next }
	    $2 ~ /^2/ { a = $NF; if ((a in start) && !(a in first) && $1 * 1000 >= start[a]) first[a] = $1 * 1000 }
	    END { for (a in start) if (a in first) {
			printf "%d\n", first[a] - start[a]
			printf "%d\n", first[a] - ret[a] > pipe
		} else print "miss " a > "/dev/stderr" }' \
	    "$d/addrs" "$ACCESS" >"$d/first" 2>"$d/missed"
	SCALE_UP="docker run to first request served p50 $(pct "$d/first" 50) s p99 $(pct "$d/first" 99) s ($(wc -l <"$d/first") of $(wc -l <"$d/addrs"); docker run itself took p50 $(pct "$d/run" 50) s p99 $(pct "$d/run" 99) s, from its return p50 $(pct "$d/pipe" 50) s p99 $(pct "$d/pipe" 99) s)"
	cl_log "$1: $SCALE_UP; missed: $(wc -l <"$d/missed")"
	# Stop at once; poll the live file for each address's leaving.
	t=$(now_ms)
	pids=()
	for h in $APPS; do
		# shellcheck disable=SC2046
		cl_docker "$h" stop $(cl_docker "$h" ps -q --filter name=web-s-) >/dev/null &
		pids+=($!)
	done
	cut -d' ' -f1 "$d/addrs" >"$d/left"
	: >"$d/gone"
	while [[ -s $d/left ]] && ((($(now_ms) - t) / 1000 < CL_SCALE_WAIT_S)); do
		live_view >"$d/live"
		{ grep -vFxf "$d/live" "$d/left" || true; } | while read -r _; do
			echo $(($(now_ms) - t))
		done >>"$d/gone"
		grep -Fxf "$d/live" "$d/left" >"$d/left.new" || true
		mv "$d/left.new" "$d/left"
		sleep 0.2
	done
	[[ -s $d/left ]] && cl_log "$1: $(wc -l <"$d/left") stopped instances stayed in the live file"
	SCALE_DOWN="stop to out of the live file p50 $(pct "$d/gone" 50) s p99 $(pct "$d/gone" 99) s"
	cl_log "$1: $SCALE_DOWN"
	wait "${pids[@]}" || cl_log "$1: a docker stop failed"
	for h in $APPS; do
		# shellcheck disable=SC2046
		cl_docker "$h" rm -f $(cl_docker "$h" ps -aq --filter name=web-s-) >/dev/null
	done
	sleep 1
	load_stop
	converge "$1"
}

wanted deploy && {
	rolling "rolling deploy, retries on"
	result "rolling deploy, retries on" 1 "$((CL_INSTANCES * $(echo $APPS | wc -w))) replaced"
}
wanted crash && {
	crash "crash (kill -9), retries on"
	result "crash (kill -9), retries on" 1 "out of the live file in ${DROP_S}s"
}
if wanted deploy-off || wanted crash-off; then
	retries off
	wanted deploy-off && {
		rolling "rolling deploy, retries off"
		result "rolling deploy, retries off" 1 "proxy_next_upstream off (haproxy: retries on)"
	}
	wanted crash-off && {
		crash "crash (kill -9), retries off"
		result "crash (kill -9), retries off" 0 "out of the live file in ${DROP_S}s"
	}
	retries on
fi
wanted leader && {
	rolling "deploy, leader killed" kill_leader restart_killed
	result "deploy, leader killed" 1 "leader $KILLED kill -9, restarted after"
}
wanted registrator && {
	registrator_kill "registrator kill -9, churn"
	result "registrator kill -9, churn" 0 "1 replaced while it was down"
}
wanted partition && {
	partition "deploy, leader partitioned"
	result "deploy, leader partitioned" 1 "$PART cut from the other servers: new leader in ${NEWLEADER_S}s; healed, 3 healthy voters in ${HEALED_S}s"
}
wanted servers-restart && {
	servers_restart "servers restarted 1 by 1"
	result "servers restarted 1 by 1" 1 "3 restarts in ${RESTART_S}s, leaders seen: $LEADERS"
}
wanted dockerd-restart && {
	dockerd_restart "Docker Engine restart"
	result "Docker Engine restart" 0 "engine back in ${ENGINE_S}s, the --restart always instance in the live file again ${ALWAYS_S}s after the stop"
}
wanted agent-restart && {
	agent_restart "client agent restart"
	result "client agent restart" 0 "its instances out in ${GONE_S}s, back ${BACK_S}s after the start"
}
wanted scale && {
	scale "scale $SCALE_N/host"
	result "scale $SCALE_N/host" 0 "$SCALE_UP; $SCALE_DOWN"
}
wanted host-lost && {
	host_lost "host lost, retries on"
	result "host lost, retries on" 0 "gone in ${GONE_S}s, back in ${BACK_S}s"
}

echo
echo "| scenario                     |   sent | failed | p99 ms  | haproxy sent/failed/p99 | conv s | notes |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
echo
echo "cluster: load $LOAD_RATE req/s through nginx, $HAPROXY_RATE through haproxy; total $((SECONDS - T0))s; $( ((FAILED)) && echo FAILED || echo passed)"
exit "$FAILED"
