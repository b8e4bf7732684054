# SPDX-License-Identifier: MIT
#
# tests/cluster/lib.sh: names, addresses and the state file shared by
# up.sh, down.sh and run.sh.  Sourced, never run.
#
# One cluster is one id (CLUSTER_ID, 1-99, default 17).  Everything it makes
# carries the id: network namespaces c<ID>-<host>, the bridge c<ID>br and
# the veth ends c<ID>-<host> in the machine's namespace, the private subnet
# 10.217.<ID>.0/24 (nothing on this machine uses 10.217/16; up.sh refuses
# to start when the subnet is already routed), and the state directory
# CLUSTER_STATE (default /tmp/cluster-<ID>).  Two clusters with different
# ids never meet, and no cluster test shares a name, address or port with
# the single-host tests, which use loopback in the machine's namespace.
#
# $CLUSTER_STATE/made lists what up.sh made, one line each, in order;
# down.sh undoes it from the last line back, so a kill at any point leaves
# a list that down.sh can finish.

CLUSTER_ID=${CLUSTER_ID:-17}
[[ $CLUSTER_ID =~ ^[1-9][0-9]?$ ]] || {
	echo "cluster: CLUSTER_ID $CLUSTER_ID: expected 1-99" >&2
	exit 2
}
CLUSTER_STATE=${CLUSTER_STATE:-/tmp/cluster-$CLUSTER_ID}
CL_NET=10.217.$CLUSTER_ID
CL_BRIDGE=c${CLUSTER_ID}br
CL_MADE=$CLUSTER_STATE/made
CL_SRC=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CL_BUILD=${BUILD_DIR:-$CL_SRC/build}
CL_DC=dc1
# Every wait has a cap; a cluster that misses one is reported, not waited on.
CL_WAIT_LEADER_S=${CL_WAIT_LEADER_S:-60}
CL_WAIT_DOCKER_S=60

# cl_ip HOST: the host's address on the bridge.
cl_ip()
{
	case $1 in
	s1) echo "$CL_NET.11" ;;
	s2) echo "$CL_NET.12" ;;
	s3) echo "$CL_NET.13" ;;
	a1) echo "$CL_NET.21" ;;
	a2) echo "$CL_NET.22" ;;
	a3) echo "$CL_NET.23" ;;
	edge) echo "$CL_NET.30" ;;
	client) echo "$CL_NET.40" ;;
	*)
		echo "cluster: no host $1" >&2
		return 1
		;;
	esac
}

cl_ns() { echo "c$CLUSTER_ID-$1"; }

# cl_in HOST CMD...: run CMD inside the host's network namespace.  nsenter,
# not ip netns exec: the latter also makes a mount namespace with its own
# /sys, where dockerd finds no cgroup ("Devices cgroup isn't mounted").
cl_in()
{
	local h=$1
	shift
	nsenter --net="/run/netns/$(cl_ns "$h")" "$@"
}

cl_log() { printf 'cluster: %s\n' "$*" >&2; }

# cl_record KIND ARGS...: append one line to the state file before the
# thing is made, so that a kill right after still has it undone.
cl_record() { printf '%s\n' "$*" >>"$CL_MADE"; }

# cl_spawn HOST NAME CMD...: start CMD in the host's namespace in the
# background, its output in $CLUSTER_STATE/log/NAME.log, its pid in
# $CLUSTER_STATE/pid/NAME (recorded for down.sh).
cl_spawn()
{
	local h=$1 name=$2 pid
	shift 2
	mkdir -p "$CLUSTER_STATE/log" "$CLUSTER_STATE/pid"
	cl_record pid "$CLUSTER_STATE/pid/$name"
	nsenter --net="/run/netns/$(cl_ns "$h")" setsid "$@" \
	    >>"$CLUSTER_STATE/log/$name.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$CLUSTER_STATE/pid/$name"
}

# cl_stop NAME [SIG]: signal the process started as NAME and wait up to
# 20 s for it to exit, then KILL it.
cl_stop()
{
	local f=$CLUSTER_STATE/pid/$1 pid i
	[[ -s $f ]] || return 0
	pid=$(<"$f")
	kill -"${2:-TERM}" "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

cl_alive()
{
	local f=$CLUSTER_STATE/pid/$1
	[[ -s $f ]] && kill -0 "$(<"$f")" 2>/dev/null
}

# cl_wait SECONDS CMD...: poll CMD every 0.2 s until it succeeds; 1 when
# the time runs out.
cl_wait()
{
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}

# cl_consul HOST METHOD PATH [curl args...]: the host agent's HTTPS API
# with the management token; the body on stdout.
cl_consul()
{
	local h=$1 m=$2 p=$3
	shift 3
	cl_in "$h" curl -sS --fail-with-body --max-time 15 \
	    --cacert "$CLUSTER_STATE/pki/consul-agent-ca.pem" \
	    -H "X-Consul-Token: $(<"$CLUSTER_STATE/tokens/management")" \
	    -X "$m" "$@" "https://127.0.0.1:8501$p"
}

# cl_docker HOST ARGS...: the docker CLI against the app host's engine,
# ended after CL_DOCKER_TIMEOUT_S: the CLI itself has no timeout, and an
# engine busy with dozens of starts on 2 cores must not hang a run.
CL_DOCKER_TIMEOUT_S=180
cl_docker()
{
	local h=$1
	shift
	timeout "$CL_DOCKER_TIMEOUT_S" \
	    docker -H "unix://$CLUSTER_STATE/$h/docker.sock" "$@"
}

cl_apps()
{
	local n
	n=$(<"$CLUSTER_STATE/apps")
	case $n in
	2) echo a1 a2 ;;
	*) echo a1 a2 a3 ;;
	esac
}

# cl_consul_spawn HOST: the host's Consul agent on the configuration up.sh
# wrote ($CLUSTER_STATE/HOST/consul.hcl); also how run.sh restarts one.
cl_consul_spawn()
{
	cl_spawn "$1" "consul-$1" "$(<"$CLUSTER_STATE/consul-bin")" agent \
	    -config-file "$CLUSTER_STATE/$1/consul.hcl"
}

# cl_dockerd_spawn HOST: the app host's Docker Engine, in the host's
# namespace only (never in the machine's: docs/cluster.md), with its own
# files, bridge and containerd namespaces; also how run.sh restarts one.
cl_dockerd_spawn()
{
	local h=$1 d=$CLUSTER_STATE/$1 n=${1#a}
	cl_spawn "$h" "dockerd-$h" dockerd --config-file "$d/daemon.json" \
	    --data-root "$d/data" --exec-root "$d/exec" \
	    -H "unix://$d/docker.sock" --pidfile "$d/docker.pid" \
	    --storage-driver vfs --bridge "c${CLUSTER_ID}d$n" \
	    --containerd-namespace "c$CLUSTER_ID-$h" \
	    --containerd-plugins-namespace "c$CLUSTER_ID-$h-plugins"
}

# cl_registrator_start HOST: the app host's registrator on its engine.  The
# token goes through the environment, never argv.  Until the registrator
# acts on the kill event by default (l15-regops), -maintenance-on-stop takes
# an instance out before it stops answering; REGISTRATOR_FLAGS replaces it.
cl_registrator_start()
{
	local h=$1
	# shellcheck disable=SC2086
	CONSUL_HTTP_TOKEN=$(<"$CLUSTER_STATE/tokens/registrator-$h") \
	    cl_spawn "$h" "registrator-$h" "$CL_BUILD/registrator/registrator" \
	    -ip "$(cl_ip "$h")" -docker-host "unix://$CLUSTER_STATE/$h/docker.sock" \
	    -consul-ca "$CLUSTER_STATE/pki/consul-agent-ca.pem" \
	    ${REGISTRATOR_FLAGS--maintenance-on-stop} \
	    -listen "127.0.0.1:9101" consul-tls://127.0.0.1:8501
}
