#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Scenario 4, render: BENCH_SERVICES (1,000) services of BENCH_INSTANCES
# (10) instances loaded into the catalog, rendered with the shipped nginx
# template. Figures: the wall time of `templater -once -dry` (hyperfine when
# installed, else the median of BENCH_RUNS runs), and the engine's own
# render time on that data, read from the daemon's templater_render_seconds
# / templater_renders over BENCH_RERENDERS (5) re-renders of the full data
# (each after one change); that is wall-clock time, inflated by load, so
# the engine's CPU time per execution (templater_render_cpu_seconds, the
# thread's CPU clock around the engine) and the daemon's CPU time over
# those re-renders are shown too. The engine's CPU-time micro-benchmark
# (tests/unit/test_tmpl_bench.c with BENCH=1) is run too when built. Goal:
# render <= 5 ms. With consul-template on PATH, its -once -dry wall time on
# the same data and the ratio are printed as well. BENCH_TEMPLATE replaces
# the shipped template (its output must keep "upstream svcNNNN" blocks and
# "    server 10.2.x.y:port;" lines).
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NSVC=${BENCH_SERVICES:-1000}
NINST=${BENCH_INSTANCES:-10}
RUNS=${BENCH_RUNS:-5}
RERENDERS=${BENCH_RERENDERS:-5}
TPL_BIN=$(bed_bin templater) || exit 1
TMPL=${BENCH_TEMPLATE:-$SOURCE_DIR/templates/nginx-upstreams.ctmpl}

bed_consul_start
t0=$SECONDS
bench_register_catalog "$NSVC" "$NINST"
bed_log "catalog: $NSVC services x $NINST instances loaded in $((SECONDS - t0)) s"

once_cmd=("$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -log-level warn -once
	-dry -once-timeout 300s -template "$TMPL:$BED_TMP/nginx.conf")

# Sanity: one run renders every upstream with all its servers.
"${once_cmd[@]}" >"$BED_TMP/dry.out" 2>"$BED_TMP/dry.err" ||
    bed_fail "templater -once -dry failed: $(tail -n 5 "$BED_TMP/dry.err")"
got=$(grep -c '^upstream svc' "$BED_TMP/dry.out")
bed_assert_eq "$NSVC" "$got" "upstream blocks in the -dry output"
got=$(grep -c '^    server 10\.2\.' "$BED_TMP/dry.out")
bed_assert_eq $((NSVC * NINST)) "$got" "server lines in the -dry output"

# bench_wall_ms <runs> <command...>: median wall time in ms, stdout and
# stderr discarded (hyperfine when installed).
bench_wall_ms()
{
	local runs=$1 i t0 t1
	shift
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine --style none --runs "$runs" --export-json \
		    "$BED_TMP/hf.json" -- "$(printf '%q ' "$@")" >/dev/null 2>&1 ||
		    return 1
		jq '.results[0].median * 1000 | floor' "$BED_TMP/hf.json"
		return
	fi
	: >"$BED_TMP/wall"
	for ((i = 0; i < runs; i++)); do
		t0=${EPOCHREALTIME/./}
		"$@" >/dev/null 2>&1 || return 1
		t1=${EPOCHREALTIME/./}
		echo $(((t1 - t0) / 1000)) >>"$BED_TMP/wall"
	done
	bench_pctl "$BED_TMP/wall" 0.5
}

tool=loop
command -v hyperfine >/dev/null 2>&1 && tool=hyperfine
wall=$(bench_wall_ms "$RUNS" "${once_cmd[@]}") ||
    bed_fail "templater -once -dry failed during the timing runs"

# The engine's time inside the daemon on the same data.
LISTEN=127.0.0.1:$(bed_free_port)
bed_spawn templater "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" \
    -log-level info -listen "$LISTEN" -wait 0 \
    -template "$TMPL:$BED_TMP/nginx.conf"
TPL_PID=$BED_PID
rendered()
{
	local n
	n=$(bench_metric "$LISTEN" templater_writes_total) || return 1
	((n >= 1))
}
bed_wait_until 300 rendered
# The first renders run on partial data (dependencies still arriving):
# time only the re-renders of the full data that follow a change.
bench_metrics "$LISTEN" >"$BED_TMP/before" || bed_fail "no /metrics"
r0=$(bench_metric "$LISTEN" templater_renders_total)
s0=$(bench_metric "$LISTEN" templater_render_seconds_total)
c0=$(bench_cpu_ns "$TPL_PID")
for ((i = 1; i <= RERENDERS; i++)); do
	w=$(bench_metric "$LISTEN" templater_writes_total)
	# Through the agent: a catalog register of a node would wake every
	# service on that node.
	bed_consul_api PUT /v1/agent/service/register "{\"ID\":\"chg\",
	    \"Name\":\"svc0000\",\"Address\":\"10.3.0.1\",\"Port\":$i}" \
	    >/dev/null || bed_fail "cannot change svc0000"
	bed_wait_until 60 eval "(( \$(bench_metric $LISTEN templater_writes_total) > $w ))"
done
c1=$(bench_cpu_ns "$TPL_PID")
bench_metrics "$LISTEN" >"$BED_TMP/after" || bed_fail "no /metrics"
H=templater_render_cpu_seconds
ecpu_ms=$(awk -v s="$(bench_hist_delta "$BED_TMP/before" "$BED_TMP/after" "${H}_sum")" \
    -v n="$(bench_hist_delta "$BED_TMP/before" "$BED_TMP/after" "${H}_count")" \
    'BEGIN { if (n > 0) printf "%.2f", s * 1000 / n; else print "none" }')
renders=$(( $(bench_metric "$LISTEN" templater_renders_total) - r0 ))
cpu_ms=$(awk -v a="$c1" -v b="$c0" -v n="$renders" 'BEGIN { printf "%.2f", (a - b) / 1e6 / n }')
rsec=$(awk -v a="$(bench_metric "$LISTEN" templater_render_seconds_total)" \
    -v b="$s0" 'BEGIN { print a - b }')
render_ms=$(awk -v s="$rsec" -v n="$renders" 'BEGIN { printf "%.2f", s * 1000 / n }')
bed_stop "$TPL_PID" || true

micro=
if [[ -x $BUILD_DIR/tests/test_tmpl_bench ]]; then
	# Its second line is the shipped template on the same data.
	micro=$(cd "$SOURCE_DIR/tests" && BENCH=1 "$BUILD_DIR/tests/test_tmpl_bench" |
	    awk '/ms CPU per render/ { for (i = 1; i <= NF; i++)
		if ($i == "best") b = $(i + 1) } END { print b }')
fi

ct=
if bench_have_consul_template; then
	ctwall=$(CONSUL_HTTP_ADDR=$BED_CONSUL_HTTP bench_wall_ms "$RUNS" \
	    consul-template -once -dry \
	    -template "$TMPL:$BED_TMP/ct.conf") &&
	    ct="; consul-template -once -dry ${ctwall} ms, ratio $(awk -v a="$ctwall" \
		-v b="$wall" 'BEGIN { printf "%.1f", a / b }')x"
else
	ct="; consul-template not on PATH, no ratio"
fi

bench_row "4 render: -once -dry wall" \
    "templater -once -dry -template $(basename "$TMPL")" \
    "${wall} ms (median of $RUNS, $tool)" "none set" "n/a" \
    "$NSVC services x $NINST instances, 1 fetch of $((NSVC + 1)) dependencies included$ct"
bench_row "4 render: engine time" \
    "templater_render_seconds_total / templater_renders_total" \
    "${render_ms} ms per render (wall clock, mean of $renders full re-renders); engine CPU ${ecpu_ms} ms ($H)" "<= 5 ms" \
    "$(bench_yesno "$render_ms" 5)" \
    "$(basename "$TMPL"), $NSVC x $NINST; daemon CPU ${cpu_ms} ms per re-render (schedstat, includes reading the answer)${micro:+; test_tmpl_bench BENCH=1: best ${micro} ms CPU (shipped template, synthetic 1000 x 10)}"
