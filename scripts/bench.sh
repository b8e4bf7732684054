#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench.sh: run every benchmark scenario of tests/bench/ (issue 8) against
# a plain optimised build and print the results table, one row per figure:
# scenario, command, figure, goal, met?, notes (sizes, load average). Not
# part of the test suite: it never fails on a missed goal, only when a
# scenario could not measure (its row is then missing and its log kept).
#
#	scripts/bench.sh                 every scenario at full size
#	scripts/bench.sh churn render    only these (tests/bench/<name>.sh)
#	BENCH_SMALL=1 scripts/bench.sh   small sizes, to try the harness
#
# Environment: BUILD_DIR (default build-bench/, configured and built here
# as RelWithDebInfo without sanitizers when missing), BENCH_OUT (also
# append the rows to this file), and the sizes read by the scenarios
# (BENCH_CONTAINERS, BENCH_SERVICES, BENCH_INSTANCES, BENCH_IDLE_S,
# BENCH_SAMPLES, BENCH_CAP).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SOURCE_DIR=$top
export BUILD_DIR=${BUILD_DIR:-$top/build-bench}
jobs=${JOBS:-2}

if [[ ! -x $BUILD_DIR/registrator/registrator ||
    ! -x $BUILD_DIR/templater/templater ]]; then
	cmake -S "$top" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DSANITIZE=OFF >/dev/null || exit 1
	cmake --build "$BUILD_DIR" -j "$jobs" --target registrator templater \
	    test_tmpl_bench >/dev/null || exit 1
fi

if [[ -n ${BENCH_SMALL:-} ]]; then
	export BENCH_CONTAINERS=${BENCH_CONTAINERS:-10}
	export BENCH_SERVICES=${BENCH_SERVICES:-50}
	export BENCH_IDLE_S=${BENCH_IDLE_S:-10}
	export BENCH_SAMPLES=${BENCH_SAMPLES:-10}
	export BENCH_CONN_S=${BENCH_CONN_S:-5}
fi

all=(event_latency churn footprint_registrator footprint_templater render
	change_latency connections)
(($# > 0)) && all=("$@")

consul=$("$top/tests/bed/consul-path.sh" 2>/dev/null) &&
    consul=$("$consul" version | head -n 1)
printf '# %s, %s cores, %s MB, kernel %s, Docker %s, %s, load %s\n' \
    "$(date -u +%FT%TZ)" "$(nproc)" \
    "$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)" \
    "$(uname -r)" "$(docker version --format '{{.Server.Version}}' 2>/dev/null)" \
    "${consul:-Consul not found}" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| scenario | command | figure | goal | met? | notes |\n'
printf '|---|---|---|---|---|---|\n'
failed=0
for name in "${all[@]}"; do
	script=$top/tests/bench/$name.sh
	[[ -f $script ]] || { echo "bench: no $script" >&2; failed=1; continue; }
	log=$(mktemp "${TMPDIR:-/tmp}/bench.$name.XXXXXX.log")
	# Rows on stdout; the bed's progress and failures in the log.
	if bash "$script" 2>"$log"; then
		rm -f "$log"
	else
		echo "bench: $name could not measure; see $log" >&2
		failed=1
	fi
done
exit "$failed"
