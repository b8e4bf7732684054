#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Scenario 3, templater footprint: the shipped nginx template over
# BENCH_SERVICES (1,000) services of BENCH_INSTANCES (10) instances, so the
# daemon watches 1,001 dependencies. Once the file is written: resident set
# (VmRSS, peak VmHWM) and, over BENCH_IDLE_S (60) seconds with no change in
# Consul, CPU time (utime + stime) and wake-ups (context switches). The
# 1,001 watches share the connection cap (-max-connections, 50 by default),
# so watch.c shortens each blocking query's wait to give every watch a
# turn about every 10 s: about six unchanged answers per watch per minute
# fall in the window; that work is counted, not hidden. Goal: RSS <= 10 MB, idle
# CPU ~ 0. With consul-template on PATH its RSS on the same data and the
# ratio are printed too.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NSVC=${BENCH_SERVICES:-1000}
NINST=${BENCH_INSTANCES:-10}
IDLE=${BENCH_IDLE_S:-60}
TPL_BIN=$(bed_bin templater) || exit 1
TMPL=$SOURCE_DIR/templates/nginx-upstreams.ctmpl
OUT=$BED_TMP/nginx.conf

bed_consul_start
bench_register_catalog "$NSVC" "$NINST"
LISTEN=127.0.0.1:$(bed_free_port)
bed_spawn templater "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" \
    -log-level info -listen "$LISTEN" -template "$TMPL:$OUT"
TPL_PID=$BED_PID
all_rendered()
{
	[[ $(grep -c '^upstream svc' "$OUT" 2>/dev/null) == "$NSVC" ]]
}
bed_wait_until 300 all_rendered
# The first answers are in; let the watches settle into blocking.
settled()
{
	local f
	f=$(bench_metric "$LISTEN" templater_consul_requests_in_flight) || return 1
	((f >= 1))
}
bed_wait_until 60 settled
watches=$(bench_metric "$LISTEN" templater_watches)
rss=$(bench_rss_kb "$TPL_PID")
hwm=$(bench_hwm_kb "$TPL_PID")
split=$(bench_rss_split "$TPL_PID")

cpu0=$(bench_cpu_ticks "$TPL_PID")
wk0=$(bench_wakeups "$TPL_PID")
w0=$(bench_metric "$LISTEN" templater_writes_total)
# The window is a duration by definition (not a wait for an event).
sleep "$IDLE"
cpu1=$(bench_cpu_ticks "$TPL_PID")
wk1=$(bench_wakeups "$TPL_PID")
w1=$(bench_metric "$LISTEN" templater_writes_total)
bed_assert_ok bed_alive "$TPL_PID"
hz=$(getconf CLK_TCK)
cpu_ms=$(( (cpu1 - cpu0) * 1000 / hz ))
rss_mb=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
hwm_mb=$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')

ct="consul-template not on PATH, no ratio"
if bench_have_consul_template; then
	bed_spawn consul-template env CONSUL_HTTP_ADDR="$BED_CONSUL_HTTP" \
	    consul-template -template "$TMPL:$BED_TMP/ct.conf"
	CT_PID=$BED_PID
	ct_done()
	{
		[[ $(grep -c '^upstream svc' "$BED_TMP/ct.conf" 2>/dev/null) == "$NSVC" ]]
	}
	if bed_poll_until 300 ct_done; then
		ctpid=$(pgrep -P "$CT_PID" -x consul-template || echo "$CT_PID")
		ctrss=$(bench_rss_kb "$ctpid")
		ct="consul-template RSS $(awk -v k="$ctrss" 'BEGIN { printf "%.1f", k / 1024 }') MB, ratio $(awk -v a="$ctrss" -v b="$rss" 'BEGIN { printf "%.1f", a / b }')x"
	else
		ct="consul-template did not render in 300 s"
	fi
fi

bench_row "3 footprint: templater RSS" \
    "/proc/PID/status VmRSS, $watches watches" \
    "${rss_mb} MB ($split; peak ${hwm_mb} MB)" "<= 10 MB" \
    "$(bench_yesno "$rss_mb" 10)" \
    "$NSVC services x $NINST instances, shipped nginx template; $ct"
bench_row "3 footprint: templater idle CPU" \
    "/proc/PID/stat utime+stime over ${IDLE} s" \
    "${cpu_ms} ms CPU, $((wk1 - wk0)) wake-ups, $((w1 - w0)) writes" "~ 0" \
    "$(bench_yesno "$cpu_ms" $((IDLE * 10)))" \
    "'yes' means < 1% of one core; $watches watches over the default 50 connections: the change detectors' blocking queries stand for the parked ones (watch.c)"
