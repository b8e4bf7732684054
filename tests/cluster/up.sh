#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/cluster/up.sh [--apps 2|3]: bring up a production-shaped cluster on
# this machine (docs/cluster.md): every host a network namespace on a
# private bridge; three Consul servers (a real Raft cluster,
# raft_multiplier = 1); app hosts each with a Consul client agent, its own
# Docker Engine and a registrator following it; an edge with a client
# agent, the templater, nginx and haproxy; a client host for the load generator.
# ACLs default deny (registrator: service:write + read of its own node;
# templater: read only), the HTTP API over TLS only, with a CA made here.
#
# Run as root, with BUILD_DIR set to a build of this tree.  On any failure,
# and on a kill, what was made is torn down (down.sh); with success it
# prints "cluster: up" and leaves everything running for run.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

APPS=3
while (($#)); do
	case $1 in
	--apps)
		APPS=$2
		shift 2
		;;
	*)
		echo "usage: up.sh [--apps 2|3]" >&2
		exit 2
		;;
	esac
done
[[ $APPS == 2 || $APPS == 3 ]] || {
	echo "up.sh: --apps 2 or 3" >&2
	exit 2
}

[[ $(id -u) == 0 ]] || {
	cl_log "needs root (network namespaces, a Docker Engine per host)"
	exit 2
}
CONSUL=${CONSUL_BIN:-$("$CL_SRC/tests/bed/consul-path.sh")} || {
	cl_log "no Consul binary (scripts/install.sh builds one)"
	exit 2
}
for b in registrator/registrator templater/templater tests/loadgen; do
	[[ -x $CL_BUILD/$b ]] || {
		cl_log "$CL_BUILD/$b is not built (set BUILD_DIR)"
		exit 2
	}
done
for c in dockerd docker nginx haproxy socat curl jq ip iptables; do
	command -v "$c" >/dev/null || {
		cl_log "$c is not installed"
		exit 2
	}
done
if [[ -e $CL_MADE ]]; then
	cl_log "$CLUSTER_STATE holds a cluster; run down.sh first"
	exit 2
fi
if ip -o addr show | grep -q " $CL_NET\." || ip link show "$CL_BRIDGE" >/dev/null 2>&1; then
	cl_log "$CL_NET.0/24 or $CL_BRIDGE is in use on this machine; pick another CLUSTER_ID"
	exit 2
fi

mkdir -p "$CLUSTER_STATE"
: >"$CL_MADE"
echo "$CONSUL" >"$CLUSTER_STATE/consul-bin"
echo "$APPS" >"$CLUSTER_STATE/apps"
done_ok=0
on_exit()
{
	if ((done_ok == 0)); then
		cl_log "up.sh failed; logs in $CLUSTER_STATE/log, tearing down"
		if [[ -n ${KEEP_LOGS:-} ]]; then
			cp -r "$CLUSTER_STATE/log" "$KEEP_LOGS" 2>/dev/null || true
		fi
		"$CL_SRC/tests/cluster/down.sh" || true
	fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

HOSTS=(s1 s2 s3 a1 a2 edge client)
((APPS == 3)) && HOSTS=(s1 s2 s3 a1 a2 a3 edge client)
cl_record dir "$CLUSTER_STATE"

# --- network: a bridge with no address in the machine's namespace (nothing
# here can reach the cluster but ip netns exec), one namespace per host.
cl_record link "$CL_BRIDGE"
ip link add "$CL_BRIDGE" type bridge
ip link set "$CL_BRIDGE" up
# With br_netfilter loaded, bridged frames cross the machine's FORWARD chain,
# whose policy the main Docker Engine sets to DROP: let the cluster's own
# bridge forward to itself, nothing else.
cl_record iptables FORWARD -i "$CL_BRIDGE" -o "$CL_BRIDGE" -j ACCEPT
iptables -I FORWARD 1 -i "$CL_BRIDGE" -o "$CL_BRIDGE" -j ACCEPT
for h in "${HOSTS[@]}"; do
	ns=$(cl_ns "$h")
	cl_record netns "$ns"
	ip netns add "$ns"
	cl_record link "c$CLUSTER_ID-$h"
	ip link add "c$CLUSTER_ID-$h" type veth peer name eth0 netns "$ns"
	ip link set "c$CLUSTER_ID-$h" master "$CL_BRIDGE" up
	cl_in "$h" ip link set lo up
	cl_in "$h" ip addr add "$(cl_ip "$h")/24" dev eth0
	cl_in "$h" ip link set eth0 up
done
cl_log "network $CL_NET.0/24: ${HOSTS[*]}"

# --- PKI: a CA, a server certificate valid for each server's address, a
# client certificate per client agent (servers verify incoming RPC).
mkdir -p "$CLUSTER_STATE/pki" "$CLUSTER_STATE/tokens"
(
	cd "$CLUSTER_STATE/pki"
	"$CONSUL" tls ca create -days 2 >/dev/null
	"$CONSUL" tls cert create -server -dc "$CL_DC" -days 2 \
	    -additional-ipaddress "$(cl_ip s1)" -additional-ipaddress "$(cl_ip s2)" \
	    -additional-ipaddress "$(cl_ip s3)" >/dev/null
	"$CONSUL" tls cert create -client -dc "$CL_DC" -days 2 >/dev/null
)
chmod 600 "$CLUSTER_STATE"/pki/*key.pem

uuid() { cat /proc/sys/kernel/random/uuid; }
uuid >"$CLUSTER_STATE/tokens/management"
for h in "${HOSTS[@]}"; do
	[[ $h == client ]] && continue
	uuid >"$CLUSTER_STATE/tokens/agent-$h"
done
for h in a1 a2 a3; do uuid >"$CLUSTER_STATE/tokens/registrator-$h"; done
uuid >"$CLUSTER_STATE/tokens/templater"
chmod 600 "$CLUSTER_STATE"/tokens/*

# consul_conf HOST: the agent's configuration (HCL).
consul_conf()
{
	local h=$1 ip p=$CLUSTER_STATE/pki role=client
	ip=$(cl_ip "$h")
	[[ $h == s? ]] && role=server
	cat <<-EOF
	node_name = "$h"
	datacenter = "$CL_DC"
	data_dir = "$CLUSTER_STATE/$h/consul"
	bind_addr = "$ip"
	client_addr = "127.0.0.1 $ip"
	retry_join = ["$(cl_ip s1)", "$(cl_ip s2)", "$(cl_ip s3)"]
	retry_interval = "1s"
	disable_update_check = true
	log_level = "info"
	ports {
	  http = -1
	  https = 8501
	  grpc = -1
	  grpc_tls = -1
	  dns = -1
	}
	tls {
	  defaults {
	    ca_file = "$p/consul-agent-ca.pem"
	    cert_file = "$p/$CL_DC-$role-consul-0.pem"
	    key_file = "$p/$CL_DC-$role-consul-0-key.pem"
	    verify_incoming = true
	    verify_outgoing = true
	  }
	  https { verify_incoming = false }
	  internal_rpc { verify_server_hostname = true }
	}
	EOF
	if [[ $role == server ]]; then
		cat <<-EOF
		acl {
		  enabled = true
		  default_policy = "deny"
		  enable_token_persistence = true
		  tokens {
		    agent = "$(<"$CLUSTER_STATE/tokens/agent-$h")"
		    initial_management = "$(<"$CLUSTER_STATE/tokens/management")"
		  }
		}
		server = true
		bootstrap_expect = 3
		performance { raft_multiplier = 1 }
		autopilot { min_quorum = 3 }
		EOF
	else
		# The edge's streaming view froze while its server was cut off
		# (docs/cluster.md): blocking queries go to the servers.
		cat <<-EOF
		acl {
		  enabled = true
		  default_policy = "deny"
		  enable_token_persistence = true
		  tokens {
		    agent = "$(<"$CLUSTER_STATE/tokens/agent-$h")"
		  }
		}
		use_streaming_backend = false
		advertise_reconnect_timeout = "30s"
		EOF
	fi
}

consul_start()
{
	local h=$1
	mkdir -p "$CLUSTER_STATE/$h/consul"
	consul_conf "$h" >"$CLUSTER_STATE/$h/consul.hcl"
	chmod 600 "$CLUSTER_STATE/$h/consul.hcl"
	cl_consul_spawn "$h"
}

for h in s1 s2 s3; do consul_start "$h"; done
leader() { [[ $(cl_consul s1 GET /v1/status/leader) == *8300* ]]; }
cl_wait "$CL_WAIT_LEADER_S" leader || {
	cl_log "no Raft leader after ${CL_WAIT_LEADER_S}s"
	exit 1
}
# The management token exists once a leader has bootstrapped ACLs.
cl_wait 20 cl_consul s1 GET /v1/acl/token/self ||
    { cl_log "the management token does not work"; exit 1; }
cl_log "servers up, leader $(cl_consul s1 GET /v1/status/leader)"

# --- tokens: each agent a node identity; each registrator service:write
# and read of its own node; the templater read only.
token()
{
	cl_consul s1 PUT /v1/acl/token -d "$1" >/dev/null
}
policy()
{
	jq -n --arg n "$1" --arg r "$2" '{Name: $n, Rules: $r}' |
	    cl_consul s1 PUT /v1/acl/policy -d @- >/dev/null
}
for h in "${HOSTS[@]}"; do
	[[ $h == client ]] && continue
	token "$(jq -n --arg s "$(<"$CLUSTER_STATE/tokens/agent-$h")" --arg n "$h" \
	    --arg dc "$CL_DC" '{SecretID: $s, Description: ("agent " + $n),
	    NodeIdentities: [{NodeName: $n, Datacenter: $dc}]}')"
done
for h in a1 a2 a3; do
	policy "registrator-$h" "node \"$h\" { policy = \"read\" }
service_prefix \"\" { policy = \"write\" }"
	token "$(jq -n --arg s "$(<"$CLUSTER_STATE/tokens/registrator-$h")" \
	    --arg p "registrator-$h" '{SecretID: $s, Policies: [{Name: $p}]}')"
done
policy templater 'service_prefix "" { policy = "read" }
node_prefix "" { policy = "read" }
key_prefix "" { policy = "read" }'
token "$(jq -n --arg s "$(<"$CLUSTER_STATE/tokens/templater")" \
    '{SecretID: $s, Policies: [{Name: "templater"}]}')"

# --- the image every app engine runs: saved once from the main engine.
IMAGE=registrator-test/busybox:1
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
	cl_log "$IMAGE is missing from the main engine; run any regress test once (tests/bed)"
	exit 1
fi
docker save "$IMAGE" -o "$CLUSTER_STATE/image.tar"

# --- app hosts: a Docker Engine in the host's namespace only (never in the
# machine's: see docs/cluster.md), its own files, bridge and containerd.
for h in "${HOSTS[@]}"; do
	[[ $h == a? ]] || continue
	d=$CLUSTER_STATE/$h
	n=${h#a}
	mkdir -p "$d/data" "$d/exec"
	echo '{}' >"$d/daemon.json"
	cl_in "$h" ip link add "c${CLUSTER_ID}d$n" type bridge
	cl_in "$h" ip addr add "172.30.$n.1/24" dev "c${CLUSTER_ID}d$n"
	cl_in "$h" ip link set "c${CLUSTER_ID}d$n" up
	cl_record dockerd "$h"
	cl_dockerd_spawn "$h"
done
for h in "${HOSTS[@]}"; do
	[[ $h == a? ]] || continue
	cl_wait "$CL_WAIT_DOCKER_S" cl_docker "$h" info || {
		cl_log "the Docker Engine of $h did not answer in ${CL_WAIT_DOCKER_S}s"
		exit 1
	}
	cl_docker "$h" load -q -i "$CLUSTER_STATE/image.tar" >/dev/null
done
rm -f "$CLUSTER_STATE/image.tar"
cl_log "app engines up with $IMAGE"

# --- client agents.
for h in "${HOSTS[@]}"; do
	[[ $h == a? || $h == edge ]] && consul_start "$h"
done
members_alive()
{
	local want=$((${#HOSTS[@]} - 1))
	[[ $(cl_consul s1 GET /v1/agent/members | jq '[.[] | select(.Status == 1)] | length') == "$want" ]]
}
cl_wait 60 members_alive || {
	cl_log "not every agent joined in 60s"
	exit 1
}

# --- registrators (lib.sh cl_registrator_start).
for h in "${HOSTS[@]}"; do
	[[ $h == a? ]] && cl_registrator_start "$h"
done

# --- edge: nginx serving web through the rendered upstream, the templater.
e=$CLUSTER_STATE/edge/nginx
mkdir -p "$e/logs" "$e/conf" "$e/tmp"
cat >"$e/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $e/nginx.pid;
error_log $CLUSTER_STATE/log/nginx-error.log notice;
events { worker_connections 512; }
http {
    # Which instance served each request, and when (run.sh's scale
    # scenario: the first request an instance serves through the edge).
    log_format served '\$msec \$status \$upstream_addr';
    access_log $CLUSTER_STATE/log/nginx-access.log served;
    client_body_temp_path $e/tmp;
    proxy_temp_path $e/tmp;
    fastcgi_temp_path $e/tmp;
    uwsgi_temp_path $e/tmp;
    scgi_temp_path $e/tmp;
    include $e/conf/upstreams.conf;
    server {
        listen $(cl_ip edge):80;
        location / {
            proxy_pass http://web;
            proxy_connect_timeout 2s;
            include $e/conf/retries.conf;
        }
    }
}
EOF
# Retries on as users run them (examples/nginx/site.conf); run.sh switches
# them off with "proxy_next_upstream off;".
cat >"$e/conf/retries.conf" <<'EOF'
proxy_next_upstream error timeout;
proxy_next_upstream_tries 3;
EOF
printf 'upstream web { server 127.0.0.1:65535; }\n' >"$e/conf/upstreams.conf"
cat >"$CLUSTER_STATE/edge/reload.sh" <<EOF
#!/bin/sh
nginx -q -t -c $e/nginx.conf && nginx -c $e/nginx.conf -s reload
EOF
chmod 755 "$CLUSTER_STATE/edge/reload.sh"
cl_spawn edge nginx nginx -c "$e/nginx.conf" -g 'daemon off;'

# haproxy beside nginx on :8080, in master-worker mode with a master CLI
# socket as Debian's unit runs it, on the shipped backends template and
# the shipped reload script (examples/haproxy), with the retries of
# examples/haproxy/haproxy.cfg.  Only failed requests are logged.
x=$CLUSTER_STATE/edge/haproxy
mkdir -p "$x"
cat >"$x/haproxy.cfg" <<EOF
global
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    option dontlog-normal
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    default-server observe layer4 error-limit 1 on-error mark-down

frontend www
    bind $(cl_ip edge):8080
    default_backend web
EOF
# Until the first render: a web backend without servers (503), so that
# haproxy starts.
printf 'backend web\n' >"$x/backends.cfg"
cat >"$x/templater.ini" <<EOF
[template haproxy]
source = $CL_SRC/templates/haproxy-backends.ctmpl
destination = $x/backends.cfg
check = haproxy -c -q -f $x/haproxy.cfg -f {}
command = ["$CL_SRC/examples/haproxy/haproxy-reload.sh", "$x/master.sock"]
command_timeout = 30s
EOF
cl_spawn edge haproxy haproxy -W -S "$x/master.sock" -f "$x/haproxy.cfg" \
    -f "$x/backends.cfg"

cp "$CL_SRC/tests/cluster/web.ctmpl" "$CLUSTER_STATE/edge/web.ctmpl"
cl_spawn edge templater "$CL_BUILD/templater/templater" \
    -config "$x/templater.ini" \
    -consul-addr https://127.0.0.1:8501 \
    -consul-ca "$CLUSTER_STATE/pki/consul-agent-ca.pem" \
    -consul-token-file "$CLUSTER_STATE/tokens/templater" \
    -wait 500ms:2s -listen 127.0.0.1:9102 \
    -template "$CLUSTER_STATE/edge/web.ctmpl:$e/conf/upstreams.conf:$CLUSTER_STATE/edge/reload.sh"
cl_wait 20 cl_in edge curl -s -o /dev/null "http://$(cl_ip edge):80/" || {
	cl_log "nginx on the edge does not answer"
	exit 1
}
cl_wait 20 cl_in edge curl -s -o /dev/null "http://$(cl_ip edge):8080/" || {
	cl_log "haproxy on the edge does not answer"
	exit 1
}
done_ok=1
cl_log "up: $CLUSTER_STATE (hosts ${HOSTS[*]})"
