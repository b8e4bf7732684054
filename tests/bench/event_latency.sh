#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Scenario 1, event -> registration: BENCH_CONTAINERS (200) containers
# started a few at a time (BENCH_PARALLEL docker clients, 4) while the
# registrator runs. The figure is the registrator's own histogram
# registrator_event_to_registration_seconds (Docker's event timeNano to the
# agent's 200 answer): count, mean (sum / count) and the bucket bounds
# holding p50 and p99 (buckets from 0.5 ms). Its two parts are shown too:
# registrator_inspect_seconds (waiting for Docker's inspect) and
# registrator_register_seconds (the PUT to the agent). The per-container
# times from the log (event timeNano to the "registered" line, millisecond
# stamps) are a cross-check. Goal: p50 <= 2 ms, p99 <= 10 ms.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N=${BENCH_CONTAINERS:-200}
PAR=${BENCH_PARALLEL:-4}
SVC=bench-latency-$$
H=registrator_event_to_registration_seconds

bed_consul_start
bench_reg_start
bench_events_follow
WATCH=$BED_TMP/watch.txt
bench_catalog_watch "$SVC" "$WATCH" 900
bed_wait_until 30 test -s "$WATCH"
bench_metrics "$REG_LISTEN" >"$BED_TMP/before" || bed_fail "no /metrics"
grep -q "^${H}_count " "$BED_TMP/before" ||
    bed_fail "the registrator does not expose $H"

t0=$SECONDS
bench_ctrs_start "$N" "$PAR" "$SVC"
bed_log "$N containers started in $((SECONDS - t0)) s"
bed_wait_until 120 bench_watch_has "$WATCH" "$N"
# The catalog can show a service before the registrator has read the
# agent's answer: wait (bounded) for the histogram to count them all.
observed()
{
	bench_metrics "$REG_LISTEN" >"$BED_TMP/after" || return 1
	(($(bench_hist_delta "$BED_TMP/before" "$BED_TMP/after" "${H}_count") >= N))
}
bed_poll_until 10 observed || bed_log "$H did not count all $N starts"
# Other tests' containers on this Docker host count too (few next to N).
count=$(bench_hist_delta "$BED_TMP/before" "$BED_TMP/after" "${H}_count")
sum=$(bench_hist_delta "$BED_TMP/before" "$BED_TMP/after" "${H}_sum")
((count > 0)) || bed_fail "$H counted nothing"
mean_ms=$(awk -v s="$sum" -v c="$count" 'BEGIN { printf "%.2f", s * 1000 / c }')
p50=$(bench_hist_quantile "$BED_TMP/before" "$BED_TMP/after" "$H" 0.5)
p99=$(bench_hist_quantile "$BED_TMP/before" "$BED_TMP/after" "$H" 0.99)
ms()
{
	if [[ $1 == +Inf ]]; then echo "+Inf"; else awk -v v="$1" 'BEGIN { print v * 1000 }'; fi
}
p50_ms=$(ms "$p50")
p99_ms=$(ms "$p99")
# The parts: Docker's inspect and the agent's PUT (bucket bounds of p50).
part()
{
	local q
	q=$(bench_hist_quantile "$BED_TMP/before" "$BED_TMP/after" "$1" 0.5) ||
	    { echo "none"; return; }
	echo "$(ms "$q") ms"
}
inspect_p50=$(part registrator_inspect_seconds)
put_p50=$(part registrator_register_seconds)

# Cross-check from the log: "<stamp> info registrator: registered
# <host>:<name>:80" against the start event of <name>.
bench_events start | sort >"$BED_TMP/events"
awk -v h="$REG_HOST:" '$4 == "registered" && index($5, h) == 1 {
	id = substr($5, length(h) + 1); sub(/:80$/, "", id)
	print id, $1 }' "$REG_LOG" | sort >"$BED_TMP/registered"
join "$BED_TMP/events" "$BED_TMP/registered" | python3 -c '
import sys, datetime
for line in sys.stdin:
    name, ev, stamp = line.split()
    t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    print("%.3f" % ((t - float(ev)) * 1000))' >"$BED_TMP/lat_ms"
nlog=$(wc -l <"$BED_TMP/lat_ms")
log_p50=$(bench_pctl "$BED_TMP/lat_ms" 0.5)
log_p99=$(bench_pctl "$BED_TMP/lat_ms" 0.99)

# Met only when the bucket bounds prove it; the log's stamps are too
# coarse to prove 2 ms, so they only qualify the answer.
met=no
p99_num=$p99_ms
[[ $p99_num == +Inf ]] && p99_num=1e9
if bench_le "$p50_ms" 2 && bench_le "$p99_num" 10; then
	met=yes
elif bench_le "$p99_num" 10; then
	met="p99 yes, p50 no"
elif bench_le "$p50_ms" 2; then
	met="p50 yes, p99 no"
fi
bench_row "1 event->registration" \
    "$N x docker run -d (P=$PAR); /metrics $H" \
    "p50 <= ${p50_ms} ms, p99 <= ${p99_ms} ms (bucket bounds), mean ${mean_ms} ms, n=$count" \
    "p50 <= 2 ms, p99 <= 10 ms" "$met" \
    "p50 of the parts: inspect <= ${inspect_p50}, PUT <= ${put_p50}; log cross-check (ms stamps, n=$nlog): p50 ${log_p50} ms, p99 ${log_p99} ms"
