#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 300 services, one template (issue 5, "Done when" 3): nginx-upstreams.ctmpl
# ranges over the catalog and asks for every service, so templater watches
# 301 dependencies.  With -max-connections 20 the TCP connections from the
# daemon to the agent, counted with ss all along, never exceed 20 (consul-
# template would hold one per dependency), the /metrics gauge agrees, and
# changes to services at both ends of the queue are still seen, in turn.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

CAP=20
N=300
bed_consul_start
UP=$BED_TMP/upstreams.conf
LISTEN=127.0.0.1:$(bed_free_port)

# One process registers them all (a curl per service is slow on a busy
# machine).
python3 - "$BED_CONSUL_URL" "$N" <<'PY' || bed_fail "registering $N services failed"
import json, sys, urllib.request
url, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
	body = json.dumps({"ID": "svc%03d-1" % i, "Name": "svc%03d" % i,
	    "Address": "127.0.0.1", "Port": 10000 + i}).encode()
	req = urllib.request.Request(url + "/v1/agent/service/register",
	    data=body, method="PUT")
	urllib.request.urlopen(req, timeout=10).read()
PY
bed_wait_until 30 bed_consul_has_service "svc$(printf %03d "$N")"

# conns: TCP connections from templater's process to the agent's HTTP port.
conns()
{
	ss -Htnp state established "( dport = :$BED_CONSUL_HTTP_PORT )" 2>/dev/null |
	    grep -c "pid=$TPL_PID," || true
}
MAX_SEEN=0
# sample: record the largest connection count seen so far (checked against
# the cap after each phase: a failure inside a wait would be silenced).
sample()
{
	local c
	c=$(conns)
	((c > MAX_SEEN)) && MAX_SEEN=$c
	return 0
}
# within_cap: fail unless every sample so far was within the cap.
within_cap()
{
	((MAX_SEEN <= CAP)) ||
	    bed_fail "$MAX_SEEN connections to Consul were open at once, cap is $CAP"
}
# all_rendered: sample, then true once every service has its upstream.
all_rendered()
{
	sample
	[[ $(grep -c '^upstream svc' "$UP" 2>/dev/null) == "$N" ]]
}
# sees <regex>: sample, then true once the file matches.
sees()
{
	sample
	grep -Eq -- "$1" "$UP" 2>/dev/null
}

tpl_start templater -listen "$LISTEN" -max-connections "$CAP" \
    -template "$TPL_TEMPLATES/nginx-upstreams.ctmpl:$UP"
start=$SECONDS
bed_wait_until 90 all_rendered
bed_log "all $N upstreams rendered in $((SECONDS - start)) s, at most $MAX_SEEN connections"
within_cap
watches=$(tpl_metric "$LISTEN" templater_watches)
((watches >= N + 1)) || bed_fail "templater_watches is $watches, want >= $((N + 1))"
open=$(tpl_metric "$LISTEN" templater_consul_open_connections)
((open <= CAP)) || bed_fail "templater_consul_open_connections is $open > $CAP"
((MAX_SEEN >= 2)) || bed_fail "only $MAX_SEEN connection seen: the count is not measuring"

# Changes at the start, the middle and the end of the list are all seen
# while 301 blocking queries share 20 connections.
for i in 1 150 300; do
	s=$(printf svc%03d "$i")
	tpl_register "$s-2" "$s" $((20000 + i)) 127.0.0.2
done
for i in 1 150 300; do
	bed_wait_until 40 sees "server 127\.0\.0\.2:$((20000 + i));"
done
tpl_deregister svc150-1
bed_wait_until 40 sees "^upstream svc150 \{$"
bed_wait_until 40 eval '! grep -q "server 127\.0\.0\.1:10150;" "$UP"; sample'
tpl_maintenance svc299-1 true
bed_wait_until 40 eval 'sample; awk "/^upstream svc299 /{f=1} f&&/force a 502/{ok=1} f&&/^}/{exit} END{exit !ok}" "$UP"'
for _ in $(seq 1 20); do
	sample
	sleep 0.1
done
bed_log "changes seen; at most $MAX_SEEN connections to Consul (cap $CAP)"
within_cap
open=$(tpl_metric "$LISTEN" templater_consul_open_connections)
((open <= CAP)) || bed_fail "templater_consul_open_connections is $open > $CAP"
tpl_alive
bed_pass "$N services over at most $CAP connections, every change seen"
