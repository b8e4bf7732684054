#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 8: the Docker event stream is cut (a socat unix-socket proxy
# between the registrator and dockerd is killed); while it is down a
# container starts and another stops; when the proxy is back the
# registrator reconnects and converges.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

command -v socat >/dev/null || bed_skip "socat not installed"
proxy=$BED_TMP/docker-proxy.sock

_proxy_start()
{
	rm -f "$proxy"
	bed_spawn socat socat "UNIX-LISTEN:$proxy,fork" \
	    "UNIX-CONNECT:$BED_DOCKER_SOCK"
	SOCAT_PID=$BED_PID
	bed_wait_until 5 test -S "$proxy"
}

# _proxy_kill: the listener and every connection it forked.
_proxy_kill()
{
	local kids
	kids=$(ps -o pid= --ppid "$SOCAT_PID" 2>/dev/null)
	kill -KILL "$SOCAT_PID" $kids 2>/dev/null
	bed_stop "$SOCAT_PID" 1 || true
}

bed_consul_start
_proxy_start
DOCKER_HOST=unix://$proxy reg_start

ida=$(bed_run --name "$(reg_name a)" -p 127.0.0.1::80 -e SERVICE_NAME=before \
    "$REG_IMAGE" bed-httpd)
bed_wait_until 20 reg_has before 1

_proxy_kill
bed_log "docker proxy killed"
bed_wait_until 10 reg_log_has "GET /events"
docker stop -t 1 "$ida" >/dev/null
bed_run --name "$(reg_name b)" -p 127.0.0.1::80 -e SERVICE_NAME=during \
    "$REG_IMAGE" bed-httpd >/dev/null

_proxy_start
bed_log "docker proxy back"
back=$EPOCHREALTIME
bed_wait_until 30 reg_has during 1
bed_wait_until 30 reg_has before 0
took=$(awk -v a="$back" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

# The stream works again: a new start is seen as an event.
bed_run --name "$(reg_name c)" -p 127.0.0.1::80 -e SERVICE_NAME=after \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has after 1
bed_alive "$REG_PID" || bed_fail "registrator exited"
printf 'result: Docker event stream cut, a start and a stop while cut:'
printf ' converged in %s s after the proxy came back (ghosts 0, missing 0);' \
    "$took"
printf ' load average %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

bed_pass
