#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The default stop (issue 17): on Docker's kill event the container's
# services go into maintenance, while its process still serves, so that
# proxies stop routing to it before it exits; the die deregisters them.
# A reload signal (docker kill -s HUP) hides nothing; a kill that may have
# been a stop but is followed by no die has its maintenance lifted after
# the container's stop timeout and a margin.
# -maintenance-on-stop=false keeps gliderlabs' way: routed until the die.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
reg_start

# A server that keeps answering for 2 s after SIGTERM, and ignores SIGHUP
# (a reload signal).
SERVE='bed-httpd & trap "" HUP; trap "sleep 2; exit 0" TERM;
while :; do sleep 1 & wait $!; done'

# _critical <service id>: the health API shows a critical check on it.
_critical()
{
	bed_consul_get "/v1/health/service/$2" | jq -e --arg s "$1" \
	    'any(.[]; .Service.ID == $s and any(.Checks[]; .Status == "critical"))'
}

# _passing <service id> <name>: registered, every check passing.
_passing()
{
	bed_consul_get "/v1/health/service/$2?passing=true" | jq -e \
	    --arg s "$1" 'any(.[]; .Service.ID == $s)'
}

# _running <id>: Docker has not seen the container exit.
_running()
{
	[[ $(docker inspect -f '{{.State.Running}}' "$1") == true ]]
}

n1=$(reg_name stopweb)
id1=$(bed_run --name "$n1" -p 127.0.0.1::80 -e SERVICE_NAME=stopweb \
    "$REG_IMAGE" sh -c "$SERVE")
port1=$(bed_container_port "$id1" 80)
sid1=$REG_HOST:$n1:80
bed_wait_until 20 _passing "$sid1" stopweb

# docker stop: critical in the health API while the container still runs
# and still answers, that is before its die event.
docker stop -t 10 "$id1" >/dev/null &
stopper=$!
seen=
for ((i = 0; i < 30; i++)); do # 30 x 0.1 s: the 2 s it serves, and more
	if _critical "$sid1" stopweb >/dev/null 2>&1; then
		_running "$id1" && seen=running
		curl -fsS -o /dev/null "http://127.0.0.1:$port1/health" &&
		    seen=$seen+serving
		break
	fi
	sleep 0.1
done
wait "$stopper"
bed_assert_eq running+serving "$seen" \
    "critical in Consul while the container still runs and serves"
bed_wait_until 20 reg_has stopweb 0

# docker kill -s HUP is a reload, not a stop: it stays routed.
n2=$(reg_name hupweb)
id2=$(bed_run --name "$n2" -p 127.0.0.1::80 -e SERVICE_NAME=hupweb \
    "$REG_IMAGE" sh -c "$SERVE")
sid2=$REG_HOST:$n2:80
bed_wait_until 20 _passing "$sid2" hupweb
docker kill -s HUP "$id2" >/dev/null || bed_fail "docker kill -s HUP failed"
# Seen by the registrator; a maintenance would follow within
# milliseconds: 2 s without one (20 x 0.1 s).
bed_wait_until 20 reg_log_has "docker: event kill ${id2:0:12}"
for ((i = 0; i < 20; i++)); do
	bed_assert_fails _critical "$sid2" hupweb
	sleep 0.1
done
bed_assert_ok _passing "$sid2" hupweb

# With a label named signal the event's attribute may be the label's: the
# kill hides it, and it is shown again once the stop timeout (1 s here)
# and the margin are over without a die.
n3=$(reg_name hupsig)
id3=$(bed_run --name "$n3" --stop-timeout 1 -l signal=1 -p 127.0.0.1::80 \
    -e SERVICE_NAME=hupsig "$REG_IMAGE" sh -c "$SERVE")
sid3=$REG_HOST:$n3:80
bed_wait_until 20 _passing "$sid3" hupsig
docker kill -s HUP "$id3" >/dev/null || bed_fail "docker kill -s HUP failed"
bed_wait_until 5 _critical "$sid3" hupsig
bed_wait_until 20 _passing "$sid3" hupsig
bed_assert_ok _running "$id3"
bed_assert_ok reg_log_has "container $n3: no die within its stop timeout"

# -maintenance-on-stop=false: gliderlabs' way, passing until the die.
bed_stop "$REG_PID"
reg_start -maintenance-on-stop=false
n4=$(reg_name oldweb)
id4=$(bed_run --name "$n4" -p 127.0.0.1::80 -e SERVICE_NAME=oldweb \
    "$REG_IMAGE" sh -c "$SERVE")
sid4=$REG_HOST:$n4:80
bed_wait_until 20 _passing "$sid4" oldweb
docker stop -t 10 "$id4" >/dev/null &
stopper=$!
sleep 1 # within the 2 s the process still serves
bed_assert_ok _running "$id4"
bed_assert_ok _passing "$sid4" oldweb
wait "$stopper"
bed_wait_until 20 reg_has oldweb 0

bed_pass
