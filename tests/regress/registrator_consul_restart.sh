#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 6: the Consul dev agent restarts (and forgets everything); every
# service comes back without waiting for -resync (none is set here).
# While the agent is away the registrator's passes fail and are retried
# with backoff (full jitter, up to RECONCILE_BACKOFF_MAX_MS = 30 s): a
# restart that takes 8 s on a loaded machine can leave the next try 16 s
# away, so the services are waited for 60 s (the backoff cap, one 3 s
# agent poll and room); the time they took is printed.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
reg_start

bed_run --name "$(reg_name a)" -p 127.0.0.1::80 -e SERVICE_NAME=back \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_run --name "$(reg_name b)" -p 127.0.0.1::80 -p 127.0.0.1::443 \
    -e SERVICE_NAME=twice "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has back 1
bed_wait_until 20 reg_has twice-80 1
bed_wait_until 20 reg_has twice-443 1
before=$(reg_agent_ids)

bed_consul_restart
restarted=$EPOCHREALTIME
bed_wait_until 60 reg_has back 1
bed_wait_until 60 reg_has twice-80 1
bed_wait_until 60 reg_has twice-443 1
took=$(awk -v a="$restarted" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
bed_assert_eq "$before" "$(reg_agent_ids)" "services after the restart"

# The agent going away for a while is survived as well.
bed_consul_stop
bed_run --name "$(reg_name c)" -p 127.0.0.1::80 -e SERVICE_NAME=during \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_consul_start
up=$EPOCHREALTIME
bed_wait_until 60 reg_has during 1
bed_wait_until 60 reg_has back 1
took2=$(awk -v a="$up" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
bed_alive "$REG_PID" || bed_fail "registrator exited"
printf 'result: Consul dev agent restarted: 3 services back in %s s without' \
    "$took"
printf ' -resync; agent stopped while a container started: registered %s s' \
    "$took2"
printf ' after it came back; load average %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

bed_pass
