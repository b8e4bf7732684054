#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Scenario 3, registrator footprint: BENCH_CONTAINERS (500) running busybox
# `sleep` containers, all registered; then the registrator's resident set
# (VmRSS, and the peak VmHWM) and, over BENCH_IDLE_S (60) idle seconds,
# its CPU time (utime + stime from /proc/PID/stat) and wake-ups (context
# switches of its threads), with the registrator's own /metrics beside
# them (process_resident_memory_bytes, process_cpu_seconds_total,
# registrator_loop_wakeups_total: returns from epoll_wait). The count is bounded by memory first: each
# container costs a containerd shim (about 13 MB resident), and 4 GB must
# stay available. Goal: RSS <= 4 MB, idle CPU ~ 0. "Idle" is for this run's
# containers: other tests' containers on the shared Docker are counted and
# named in the row, as is the agent poll (-agent-poll, 3 s by default).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WANT=${BENCH_CONTAINERS:-500}
PAR=${BENCH_PARALLEL:-8}
IDLE=${BENCH_IDLE_S:-60}
SVC=bench-footprint-$$
N=$(bench_mem_bound "$WANT" 20)
((N >= 1)) || bed_skip "not enough memory for even one container"
((N < WANT)) && bed_log "memory bound: $N containers instead of $WANT"

bed_consul_start
bench_reg_start
WATCH=$BED_TMP/watch.txt
bench_catalog_watch "$SVC" "$WATCH" 1800
bed_wait_until 30 test -s "$WATCH"
rss0=$(bench_rss_kb "$REG_PID")

# Starting is bounded in time too (BENCH_START_S, 900 s): on a loaded
# Docker the run measures the containers that did start, and says so.
t0=$SECONDS
(bench_ctrs_start "$N" "$PAR" "$SVC") &
starter=$!
started()
{
	! kill -0 "$starter" 2>/dev/null
}
if ! bed_poll_until "${BENCH_START_S:-900}" started; then
	bed_log "start window over: stopping the docker clients"
	pkill -TERM -P "$starter" xargs 2>/dev/null
	kill -TERM "$starter" 2>/dev/null
fi
wait "$starter" 2>/dev/null
WANT_N=$N
N=$(docker ps -q --filter "label=$BED_LABEL.run=$BED_RUN_ID" | wc -l)
((N >= 1)) || bed_fail "no container started"
bed_log "$N containers running after $((SECONDS - t0)) s"
bed_wait_until 300 bench_watch_has "$WATCH" "$N"
bed_assert_ok bed_alive "$REG_PID"
rss=$(bench_rss_kb "$REG_PID")
hwm=$(bench_hwm_kb "$REG_PID")
split=$(bench_rss_split "$REG_PID")
running=$(docker ps -q | wc -l)

# Idle window: nothing of ours changes; CPU and wake-ups over it.
idle_since=$(date +%s.%N)
cpu0=$(bench_cpu_ticks "$REG_PID")
wk0=$(bench_wakeups "$REG_PID")
bench_metrics "$REG_LISTEN" >"$BED_TMP/m0" || bed_fail "no /metrics"
# The window is a duration by definition (not a wait for an event).
sleep "$IDLE"
cpu1=$(bench_cpu_ticks "$REG_PID")
wk1=$(bench_wakeups "$REG_PID")
bench_metrics "$REG_LISTEN" >"$BED_TMP/m1" || bed_fail "no /metrics"
m_rss_mb=$(awk '$1 == "process_resident_memory_bytes" {
    printf "%.1f", $2 / 1048576 }' "$BED_TMP/m1")
m_cpu_ms=$(awk '$1 == "process_cpu_seconds_total" {
    if (FNR == NR) a = $2; else b = $2 } END { printf "%d", (b - a) * 1000 }'     "$BED_TMP/m0" "$BED_TMP/m1")
m_wk=$(bench_hist_delta "$BED_TMP/m0" "$BED_TMP/m1"     registrator_loop_wakeups_total)
others=$(docker events --since "$idle_since" --until "$(date +%s.%N)" \
    --filter type=container --format '{{.Action}}' | wc -l)
hz=$(getconf CLK_TCK)
cpu_ms=$(( (cpu1 - cpu0) * 1000 / hz ))
rss_mb=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
hwm_mb=$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')

bench_row "3 footprint: registrator RSS" \
    "/proc/PID/status VmRSS, $N containers registered" \
    "${rss_mb} MB ($split; peak ${hwm_mb} MB; $(awk -v k="$rss0" 'BEGIN { printf "%.1f", k / 1024 }') MB with no container)" "<= 4 MB" \
    "$(bench_yesno "$rss_mb" 4)" \
    "$N of ours (asked for $WANT, memory allowed $WANT_N, start window ${BENCH_START_S:-900} s), $running running on the host; /metrics process_resident_memory_bytes ${m_rss_mb} MB"
bench_row "3 footprint: registrator idle CPU" \
    "/proc/PID/stat utime+stime over ${IDLE} s" \
    "${cpu_ms} ms CPU, $((wk1 - wk0)) wake-ups" "~ 0" \
    "$(bench_yesno "$cpu_ms" $((IDLE * 10)))" \
    "'yes' means < 1% of one core; /metrics: ${m_cpu_ms} ms CPU, ${m_wk} loop wake-ups; $others Docker events from other runs in the window; agent poll every 3 s"
