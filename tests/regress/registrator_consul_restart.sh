#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 6: the Consul dev agent restarts (and forgets everything); every
# service comes back without waiting for -resync (none is set here).
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
bed_wait_until 15 reg_has back 1
bed_wait_until 15 reg_has twice-80 1
bed_wait_until 15 reg_has twice-443 1
bed_assert_eq "$before" "$(reg_agent_ids)" "services after the restart"

# The agent going away for a while is survived as well.
bed_consul_stop
bed_run --name "$(reg_name c)" -p 127.0.0.1::80 -e SERVICE_NAME=during \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_consul_start
bed_wait_until 30 reg_has during 1
bed_wait_until 15 reg_has back 1
bed_alive "$REG_PID" || bed_fail "registrator exited"

bed_pass
