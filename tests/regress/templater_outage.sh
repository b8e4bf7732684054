#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Consul goes away (issue 5, "Done when" 5): the agent is stopped for 30 s
# and started again.  templater must not exit, must not touch the rendered
# file while Consul is away (no empty upstreams), must say so in its log and
# metrics, and must pick up changes once Consul answers again, although the
# restarted dev agent's indexes start over from low numbers (the index
# reset rule).
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
bed_httpd_start a backend-a
PORT_A=$BED_HTTPD_PORT
UP=$BED_TMP/upstreams.conf
LISTEN=127.0.0.1:$(bed_free_port)

tpl_register web-1 web "$PORT_A"
tpl_start templater -listen "$LISTEN" -max-stale 0s \
    -template "$TPL_TEMPLATES/nginx-upstreams.ctmpl:$UP"
bed_wait_until 20 tpl_file_has "$UP" "server 127\.0\.0\.1:$PORT_A;"
cp "$UP" "$BED_TMP/before"
mtime=$(tpl_mtime_ms "$UP")
bed_log "rendered; stopping consul for 30 s"

bed_consul_stop
stopped=$SECONDS
bed_wait_until 20 tpl_log_has "consul .*retrying with backoff"
bed_wait_until 20 tpl_metric_ge "$LISTEN" templater_consul_failing_watches 1
# The outage itself lasts 30 s; the daemon and the file are checked
# throughout it.
while ((SECONDS - stopped < 30)); do
	tpl_alive
	bed_assert_ok cmp -s "$BED_TMP/before" "$UP"
	sleep 1
done
bed_assert_eq "$mtime" "$(tpl_mtime_ms "$UP")" "mtime while Consul was away"
bed_assert_ok tpl_metric_ge "$LISTEN" templater_consul_errors_total 1
bed_log "30 s without Consul: still running, file untouched"

# The dev agent comes back empty; a new registration must show up.
bed_consul_start
tpl_register web-2 web "$PORT_A" 127.0.0.2
registered=$EPOCHREALTIME
bed_wait_until 30 tpl_file_has "$UP" "server 127\.0\.0\.2:$PORT_A;"
took=$(awk -v a="$registered" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
bed_assert_ok tpl_file_lacks "$UP" "server 127\.0\.0\.1:$PORT_A;"
bed_wait_until 20 tpl_log_has "consul .*answering again"
bed_wait_until 20 tpl_metric_ge "$LISTEN" templater_consul_failing_watches 0
bed_assert_eq 0 "$(tpl_metric "$LISTEN" templater_consul_failing_watches)" \
    "failing watches after the restart"
tpl_alive
printf 'result: Consul down 30 s, templater only: no exit, file untouched'
printf ' (same mtime); a registration on the restarted agent rendered in'
printf ' %s s; load average %s\n' "$took" "$(cut -d' ' -f1-3 /proc/loadavg)"
bed_pass "no exit and no write during a 30 s outage, updates resume after it"
