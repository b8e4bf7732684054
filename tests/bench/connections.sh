#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Scenario 6, connections: the templater watching BENCH_SERVICES (1,000)
# services (the shipped nginx template: 1,001 blocking queries) with
# -max-connections BENCH_CAP (50, the default). The TCP connections from
# the templater's process to the agent are counted with `ss` every 100 ms
# from start-up through the first full render (the busiest moment) and
# for BENCH_CONN_S (20) seconds after, while BENCH_CHANGES (20) services
# change; the largest count must stay within the cap. The daemon's own
# gauge templater_consul_open_connections is shown too. consul-template
# would hold one connection per dependency.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NSVC=${BENCH_SERVICES:-1000}
NINST=${BENCH_INSTANCES:-1}
CAP=${BENCH_CAP:-50}
HOLD=${BENCH_CONN_S:-20}
NCHG=${BENCH_CHANGES:-20}
TPL_BIN=$(bed_bin templater) || exit 1
TMPL=$SOURCE_DIR/templates/nginx-upstreams.ctmpl
OUT=$BED_TMP/nginx.conf

bed_consul_start
bench_register_catalog "$NSVC" "$NINST"
LISTEN=127.0.0.1:$(bed_free_port)
bed_spawn templater "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" \
    -log-level info -listen "$LISTEN" -max-connections "$CAP" -wait 0 \
    -template "$TMPL:$OUT"
TPL_PID=$BED_PID

MAX_SEEN=0
SAMPLES=0
# sample: count the established connections from the templater to the
# agent's HTTP port; keep the largest.
sample()
{
	local c
	c=$(ss -Htnp state established "( dport = :$BED_CONSUL_HTTP_PORT )" \
	    2>/dev/null | grep -c "pid=$TPL_PID," || true)
	((c > MAX_SEEN)) && MAX_SEEN=$c
	SAMPLES=$((SAMPLES + 1))
	return 0
}
all_rendered()
{
	sample
	[[ $(grep -c '^upstream svc' "$OUT" 2>/dev/null) == "$NSVC" ]]
}
t0=$SECONDS
bed_wait_until 300 all_rendered
first_s=$((SECONDS - t0))
during_render=$MAX_SEEN

# Changes while the watches block: one new instance each, spread over the
# list; then sampling for the rest of the window.
for ((i = 0; i < NCHG; i++)); do
	s=$(printf 'svc%04d' $((i * NSVC / NCHG)))
	bed_consul_api PUT /v1/catalog/register "$(jq -cn --arg s "$s" \
	    '{Node: "bench-node-0", Address: "10.1.0.1",
	      Service: {ID: ($s + "-chg"), Service: $s, Address: "10.3.0.1",
	      Port: 9999}}')" >/dev/null || bed_fail "cannot register $s-chg"
	sample
done
seen_all()
{
	sample
	[[ $(grep -c '10\.3\.0\.1:9999;' "$OUT" 2>/dev/null) == "$NCHG" ]]
}
bed_wait_until 120 seen_all
bed_poll_until "$HOLD" eval 'sample; false' || true
gauge=$(bench_metric "$LISTEN" templater_consul_open_connections)
watches=$(bench_metric "$LISTEN" templater_watches)
bed_assert_ok bed_alive "$TPL_PID"

bench_row "6 connections" \
    "ss -tnp dst :PORT (pid), every 100 ms, $SAMPLES samples" \
    "max ${MAX_SEEN} open (${during_render} during the first render); gauge ${gauge}" \
    "<= $CAP (-max-connections)" "$(bench_yesno "$MAX_SEEN" "$CAP")" \
    "$watches watches ($NSVC services), first render in ${first_s} s, $NCHG changes all seen"
