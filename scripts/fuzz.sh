#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# fuzz.sh [seconds] [target...]: builds the libFuzzer targets of tests/fuzz/
# with clang (-DFUZZ=ON: ASan, UBSan, LeakSanitizer) in build-fuzz/, then
# runs each for a fixed time (default 20 s) on a scratch copy of its seed
# corpus, so the committed corpus never grows by itself.  Any crash, leak,
# timeout or out-of-memory fails the run; the input that caused it is kept
# in build-fuzz/findings/<target>/ (make it a seed in tests/fuzz/<target>/
# once fixed).  Prints one line per target with the executions done.
# Environment: FUZZ_BUILD_DIR (build-fuzz), FUZZ_JOBS (build parallelism:
# JOBS, else 2).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
shift || true
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
jobs=${FUZZ_JOBS:-${JOBS:-2}}

if ! [[ $secs =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: fuzz.sh [seconds] [target...]" >&2
	exit 2
fi
if ! command -v clang >/dev/null; then
	echo "fuzz.sh: clang is needed (apt-get install clang)" >&2
	exit 2
fi

if (($# > 0)); then
	targets=("$@")
else
	mapfile -t targets < <(sed -n 's/^fuzz_target(\([a-z_]*\) .*/\1/p' \
	    "$src/tests/fuzz/CMakeLists.txt")
fi

# clang's -Wformat-nonliteral (from -Wformat=2) also fires on a va_list
# passed to vsnprintf, which gcc accepts (lib/log.c): a wrapper puts
# -Wno-format-nonliteral after the project's flags, for this build only.
mkdir -p "$build"
printf '#!/bin/sh\nexec clang "$@" -Wno-format-nonliteral\n' >"$build/cc"
chmod +x "$build/cc"
CC=$build/cc cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFUZZ=ON >/dev/null
cmake --build "$build" -j"$jobs" --target \
    "${targets[@]/%/-fuzzer}" >"$build/fuzz-build.log" 2>&1 || {
	tail -30 "$build/fuzz-build.log" >&2
	echo "fuzz.sh: build failed" >&2
	exit 1
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
failed=0
total=0
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/$t-fuzzer
	corpus=$scratch/$t
	findings=$build/findings/$t
	mkdir -p "$corpus" "$findings"
	cp "$src/tests/fuzz/$t/"* "$corpus/"
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
	    -print_final_stats=1 -artifact_prefix="$findings/")
	if [[ -f $src/tests/fuzz/${t}_fuzz.dict ]]; then
		args+=(-dict="$src/tests/fuzz/${t}_fuzz.dict")
	fi
	log=$build/fuzz-$t.log
	rc=0
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ASAN_OPTIONS=detect_leaks=1 \
	    "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	execs=${execs:-0}
	total=$((total + execs))
	if ((rc != 0)); then
		failed=$((failed + 1))
		printf 'fuzz %-8s FAIL after %s execs in %ss (exit %d; log %s, input in %s)\n' \
		    "$t" "$execs" "$secs" "$rc" "$log" "$findings"
		grep -m1 -E 'ERROR: |SUMMARY: |runtime error' "$log" >&2 || true
	else
		printf 'fuzz %-8s ok   %s execs in %ss, corpus %s -> %s inputs\n' \
		    "$t" "$execs" "$secs" \
		    "$(find "$src/tests/fuzz/$t" -type f | wc -l)" \
		    "$(find "$corpus" -type f | wc -l)"
	fi
done
printf 'fuzz: %d targets, %d failed, %d execs\n' "${#targets[@]}" \
    "$failed" "$total"
((failed == 0))
