#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test.sh: install what is needed, then build and run every test twice: a
# plain build in build/ and an ASan+UBSan build in build-asan/ (both with
# -Werror). Unit and integration tests run on both; ASAN_SCOPE=unit limits
# the sanitizer run to the unit tests (the soak, label soak, runs in the
# plain build only); JOBS (2) is the build parallelism, CTEST_JOBS (2) how
# many tests run at once. Then every libFuzzer target runs for FUZZ_SECONDS
# (10; 0 skips) with scripts/fuzz.sh, each one a test: a finding fails it.
# Before the builds, scripts/check-source.sh looks for banned functions
# (one test) and every C file is compared with .clang-format (one more
# test; CHECK_FORMAT=0 skips it, for a machine with another clang-format
# version). Then scripts/build-matrix.sh compiles the part of the build
# matrix the two test builds do not cover (MATRIX_CELLS, default Debug
# under clang; MATRIX_CELLS=none skips), one test: the
# whole matrix is "scripts/build-matrix.sh" alone. Exits non-zero on any
# failure and ends with one line: "tests: N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
jobs=${JOBS:-2}
# Integration tests mostly wait on Docker and Consul, and each one has its
# own ports, temp dir and container labels: two at a time halves the wall
# time on 2 cores. CTEST_JOBS=1 runs them one by one.
ctest_jobs=${CTEST_JOBS:-2}
asan_scope=${ASAN_SCOPE:-all}
fuzz_seconds=${FUZZ_SECONDS:-10}
passed=0
failed=0
status=0

phase()
{
	printf '\n=== %s (%s)\n' "$*" "$(date -u +%T)"
}

# run_ctest <build-dir> [ctest args...]: run ctest, add its counts.
run_ctest()
{
	local dir=$1 log line fail total
	shift
	log=$dir/ctest-summary.log
	ctest --test-dir "$dir" --output-on-failure --no-tests=error \
	    -j "$ctest_jobs" "$@" |
	    tee "$log"
	local rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' \
	    "$log" | tail -n 1)
	if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
		fail=${BASH_REMATCH[1]}
		total=${BASH_REMATCH[2]}
		passed=$((passed + total - fail))
		failed=$((failed + fail))
	else
		failed=$((failed + 1))
	fi
	((rc == 0)) || status=1
}

# build <dir> [cmake args...]
build()
{
	local dir=$1
	shift
	mkdir -p "$dir"
	cmake -S "$top" -B "$dir" "$@" >"$dir/configure.log" 2>&1 || {
		cat "$dir/configure.log"
		return 1
	}
	cmake --build "$dir" -j "$jobs" -- -k
}

start=$SECONDS
phase install
bash "$top/scripts/install.sh" || { echo "test: install failed" >&2; exit 1; }

# check_source <what> [check-source.sh args...]: one test.
check_source()
{
	local what=$1
	shift
	phase "source check: $what"
	if bash "$top/scripts/check-source.sh" "$@"; then
		passed=$((passed + 1))
	else
		echo "test: source check failed: $what" >&2
		failed=$((failed + 1))
		status=1
	fi
}
check_source "banned functions"
if [[ ${CHECK_FORMAT:-1} == 1 ]]; then
	check_source "clang-format" --format
fi
phase "docs/functions.md matches the engine and the cases"
if python3 "$top/scripts/function-table.py" --check; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	status=1
fi

# The build types and compilers the two builds below do not cover: they
# are gcc RelWithDebInfo and gcc Release with SANITIZE.
matrix_cells=${MATRIX_CELLS:-clang:Debug:OFF}
if [[ $matrix_cells != none ]]; then
	phase "build matrix: $matrix_cells"
	# shellcheck disable=SC2086 # one word per cell
	if JOBS=$jobs bash "$top/scripts/build-matrix.sh" $matrix_cells; then
		passed=$((passed + 1))
	else
		echo "test: build matrix failed" >&2
		failed=$((failed + 1))
		status=1
	fi
fi

phase "sweep containers left by killed test runs"
BED_NAME=sweep bash -c '. "$1/tests/bed/bed.sh" && bed_sweep_stale' _ "$top"

# build_and_test <dir> <what> <cmake args...> -- [ctest args...]: a build
# that fails still runs the tests that could be built (the others fail).
build_and_test()
{
	local dir=$1 what=$2 cargs=()
	shift 2
	while (($# > 0)) && [[ $1 != -- ]]; do
		cargs+=("$1")
		shift
	done
	shift
	phase "$what build ($dir/)"
	if ! build "$dir" "${cargs[@]}"; then
		echo "test: $what build failed" >&2
		status=1
		failed=$((failed + 1))
		[[ -f $dir/CTestTestfile.cmake ]] || return 0
	fi
	phase "ctest $dir/ ${*:-(unit + integration)}"
	run_ctest "$dir" "$@"
}

build_and_test build plain -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE=OFF --
# Release (-O3) with the sanitizers: the tests run faster than at -O0,
# and gcc's optimizer warnings of that build type are part of -Werror;
# -g keeps the sanitizers' reports readable.
if [[ $asan_scope == unit ]]; then
	build_and_test build-asan ASan+UBSan -DCMAKE_BUILD_TYPE=Release \
	    -DCMAKE_C_FLAGS=-g -DSANITIZE=ON -- -L unit
else
	build_and_test build-asan ASan+UBSan -DCMAKE_BUILD_TYPE=Release \
	    -DCMAKE_C_FLAGS=-g -DSANITIZE=ON -- -LE soak
fi

# fuzz_run: scripts/fuzz.sh prints "fuzz <target> ok|FAIL ... execs"
# per target; each line counts as one test, a failed build as one failure.
fuzz_run()
{
	local dir=${FUZZ_BUILD_DIR:-$top/build-fuzz} log ok bad rc
	phase "fuzz: each target for ${fuzz_seconds} s ($dir/)"
	mkdir -p "$dir"
	log=$dir/fuzz-summary.log
	JOBS=$jobs bash "$top/scripts/fuzz.sh" "$fuzz_seconds" 2>&1 |
	    tee "$log"
	rc=${PIPESTATUS[0]}
	ok=$(grep -cE '^fuzz [a-z_]+ +ok ' "$log")
	bad=$(grep -cE '^fuzz [a-z_]+ +FAIL ' "$log")
	passed=$((passed + ok))
	failed=$((failed + bad))
	if ((rc != 0)); then
		status=1
		((bad > 0)) || failed=$((failed + 1))
	fi
}

if [[ $fuzz_seconds =~ ^[1-9][0-9]*$ ]]; then
	fuzz_run
elif [[ $fuzz_seconds != 0 ]]; then
	echo "test: FUZZ_SECONDS=$fuzz_seconds is not a number of seconds" >&2
	status=1
	failed=$((failed + 1))
fi

phase "done in $((SECONDS - start)) s"
printf 'tests: %d passed, %d failed\n' "$passed" "$failed"
exit "$status"
