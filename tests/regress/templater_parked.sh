#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Parked dependencies over plain HTTP (issue 18, "Done when" 2): with 242
# dependencies (the catalog and 240 services from nginx-upstreams.ctmpl,
# and a KV key) on -max-connections 6, blocking queries would take turns:
# each waits at least WATCH_TURN_MIN_MS (1 s) on one of 6 connections, so
# one turn of them all takes about 40 s, and a change to a dependency
# waiting for its turn reaches the file up to 40 s late.  Four change
# detectors (catalog services, check states, nodes, the key's root) move
# on the change instead, and what they cover is read again at once.
#
# The bound below is not a speed goal (that is in the benchmarks): it is
# how a user tells "seen because something noticed" from "seen at its
# turn".  Seven changes in a row (three new instances of the service
# registered last, a deregistration, a maintenance mode, a node's address,
# a key) must each show within 5 s; by turns alone each has about one
# chance in six (5 s of a 40 s turn, plus the queries in flight), all seven
# well under one in ten thousand.  Without the detectors this test fails
# at the first change.  The bound is generous against what the detectors
# need (re-reading 240 services a few at a time takes well under a second
# even with ASan on a loaded machine).
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

CAP=6
N=240
BOUND=5
bed_consul_start
UP=$BED_TMP/upstreams.conf
LISTEN=127.0.0.1:$(bed_free_port)

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
LAST=$(printf svc%03d "$N")
bed_wait_until 30 bed_consul_has_service "$LAST"

# conns: TCP connections from templater's process to the agent's HTTP port.
conns()
{
	ss -Htnp state established "( dport = :$BED_CONSUL_HTTP_PORT )" 2>/dev/null |
	    grep -c "pid=$TPL_PID," || true
}
all_rendered()
{
	[[ $(grep -c '^upstream svc' "$UP" 2>/dev/null) == "$N" ]]
}
# settled: every service and the key parked (the detectors answered and
# vouch for them).
settled()
{
	tpl_metric_ge "$LISTEN" templater_consul_parked_dependencies "$((N + 1))"
}

KV_TPL=$BED_TMP/kv.ctmpl
KV_OUT=$BED_TMP/kv.out
printf 'last={{ key "cfg/last" }}\n' >"$KV_TPL"
tpl_kv_put cfg/last v1
tpl_start templater -listen "$LISTEN" -max-connections "$CAP" \
    -template "$TPL_TEMPLATES/nginx-upstreams.ctmpl:$UP" \
    -template "$KV_TPL:$KV_OUT"
bed_wait_until 120 all_rendered
bed_wait_until 30 tpl_file_has "$KV_OUT" '^last=v1$'
bed_wait_until 60 settled
detectors=$(tpl_metric "$LISTEN" templater_consul_detectors)
bed_log "all $N upstreams rendered; $detectors change detectors"

for round in 1 2 3; do
	port=$((20000 + round))
	tpl_register "$LAST-$((round + 1))" "$LAST" "$port" 127.0.0.2
	bed_wait_until "$BOUND" tpl_file_has "$UP" "server 127\.0\.0\.2:$port;"
	bed_log "change $round to $LAST seen within ${BOUND}s"
	c=$(conns)
	((c <= CAP)) || bed_fail "$c connections to Consul are open, cap is $CAP"
	bed_wait_until 60 settled
done
# A deregistration too, and a check going critical (the health detector).
tpl_deregister "$LAST-2"
bed_wait_until "$BOUND" tpl_file_lacks "$UP" "server 127\.0\.0\.2:20001;"
bed_wait_until 60 settled
tpl_maintenance "$LAST-3" true
bed_wait_until "$BOUND" tpl_file_lacks "$UP" "server 127\.0\.0\.2:20002;"
# An instance on a node of its own, then only the node's address moves
# (the nodes detector: Consul does not move the services index for it).
bed_wait_until 60 settled
catalog_node()
{
	bed_consul_api PUT /v1/catalog/register "$1" >/dev/null ||
	    bed_fail "cannot register node ext1"
}
catalog_node '{"Node":"ext1","Address":"127.0.0.3","Service":{"ID":"ext","Service":"'"$LAST"'","Port":20009}}'
bed_wait_until "$BOUND" tpl_file_has "$UP" "server 127\.0\.0\.3:20009;"
bed_wait_until 60 settled
catalog_node '{"Node":"ext1","Address":"127.0.0.4"}'
bed_wait_until "$BOUND" tpl_file_has "$UP" "server 127\.0\.0\.4:20009;"
bed_wait_until 60 settled
tpl_kv_put cfg/last v2
bed_wait_until "$BOUND" tpl_file_has "$KV_OUT" '^last=v2$'
tpl_alive

# On 3 connections the 4 detectors do not fit: none runs, the log says so,
# and the dependencies take turns as before (everything still rendered).
UP2=$BED_TMP/upstreams2.conf
LISTEN2=127.0.0.1:$(bed_free_port)
tpl_start templater2 -listen "$LISTEN2" -max-connections 3 \
    -template "$TPL_TEMPLATES/nginx-upstreams.ctmpl:$UP2" \
    -template "$KV_TPL:$BED_TMP/kv2.out"
bed_wait_until 120 eval '[[ $(grep -c "^upstream svc" "$UP2" 2>/dev/null) == "$N" ]]'
bed_wait_until 30 tpl_log_has 'change detectors .* do not fit in 3 connections'
bed_assert_eq 0 "$(tpl_metric "$LISTEN2" templater_consul_detectors)" \
    "detectors running on 3 connections"
bed_assert_eq 0 "$(tpl_metric "$LISTEN2" templater_consul_parked_dependencies)" \
    "dependencies parked without detectors"
tpl_alive
bed_pass "$N services and a key on $CAP connections: every change seen within ${BOUND}s"
