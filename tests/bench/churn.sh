#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Scenario 2, churn: BENCH_CONTAINERS (200) containers started at once
# (BENCH_PARALLEL docker clients, 32) with the registrator running; a
# blocking-query watch on the catalog records when the last one appears,
# compared with the latest `start` event's time (Docker's timeNano: the
# earliest moment the registrator can know). Then all are killed at once;
# the catalog must be empty within the goal after the latest `die` event.
# Goal: <= 1 s both ways. State.StartedAt / FinishedAt (when the process
# really started / exited) are shown too: under load Docker itself emits
# the events seconds later. The registrator's own histograms over the run
# (registrator_event_to_registration_seconds and
# registrator_event_to_deregistration_seconds: the bucket bounds of p50 and
# p99) say how much of it is the registrator's.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N=${BENCH_CONTAINERS:-200}
PAR=${BENCH_PARALLEL:-32}
SVC=bench-churn-$$

bed_consul_start
bench_reg_start
bench_events_follow
WATCH=$BED_TMP/watch.txt
bench_catalog_watch "$SVC" "$WATCH" 900
bed_wait_until 30 test -s "$WATCH"
bench_metrics "$REG_LISTEN" >"$BED_TMP/m0" || bed_fail "no /metrics"

t0=$SECONDS
bench_ctrs_start "$N" "$PAR" "$SVC"
t_started=$SECONDS
bed_log "$N containers started in $((t_started - t0)) s"
bed_wait_until 120 bench_watch_has "$WATCH" "$N"
last_start=$(bench_ctrs_times StartedAt)
last_ev=$(bench_event_last start)
[[ -n $last_ev ]] || bed_fail "no start events found"
all_in=$(bench_watch_first "$WATCH" "$N") || bed_fail "never saw $N instances"
up_ms=$(bench_ms "$all_in" "$last_ev")
up_state_ms=$(bench_ms "$all_in" "$last_start")
bench_metrics "$REG_LISTEN" >"$BED_TMP/m1" || bed_fail "no /metrics"

t1=$(date +%s.%N)
bench_ctrs_kill "$PAR"
bed_log "$N containers killed in $(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
bed_wait_until 120 bench_watch_has "$WATCH" 0
last_died=$(bench_ctrs_times FinishedAt)
last_ev=$(bench_event_last die)
[[ -n $last_ev ]] || bed_fail "no die events found"
all_out=$(bench_watch_first "$WATCH" 0 "$t1") || bed_fail "never saw 0 instances"
down_ms=$(bench_ms "$all_out" "$last_ev")
down_state_ms=$(bench_ms "$all_out" "$last_died")
bench_metrics "$REG_LISTEN" >"$BED_TMP/m2" || bed_fail "no /metrics"

# hist <before> <after> <histogram>: "n=N, p50 <= X ms, p99 <= Y ms".
hist()
{
	local n p50 p99
	n=$(bench_hist_delta "$1" "$2" "$3_count")
	p50=$(bench_hist_quantile "$1" "$2" "$3" 0.5) || { echo "n=0"; return; }
	p99=$(bench_hist_quantile "$1" "$2" "$3" 0.99)
	awk -v n="$n" -v a="$p50" -v b="$p99" 'function ms(v) {
		return v == "+Inf" ? v : v * 1000 }
	    BEGIN { printf "n=%d, p50 <= %s ms, p99 <= %s ms", n, ms(a), ms(b) }'
}
reg_hist=$(hist "$BED_TMP/m0" "$BED_TMP/m1" registrator_event_to_registration_seconds)
dereg_hist=$(hist "$BED_TMP/m1" "$BED_TMP/m2" registrator_event_to_deregistration_seconds)

bench_row "2 churn: start" \
    "$N x docker run -d (P=$PAR), catalog blocking query" \
    "all in catalog ${up_ms} ms after the last start event" "<= 1000 ms" \
    "$(bench_yesno "$up_ms" 1000)" \
    "$N containers, started in $((t_started - t0)) s; ${up_state_ms} ms after the last State.StartedAt; event->registration $reg_hist"
bench_row "2 churn: stop" \
    "$N x docker kill (P=$PAR), catalog blocking query" \
    "all gone ${down_ms} ms after the last die event" "<= 1000 ms" \
    "$(bench_yesno "$down_ms" 1000)" \
    "$N containers; ${down_state_ms} ms after the last State.FinishedAt; event->deregistration $dereg_hist"
