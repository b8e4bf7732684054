#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# valgrind.sh [test_name...]: builds the unit tests without sanitizers in
# build-valgrind/ (or VALGRIND_BUILD_DIR) and runs every tests/unit binary
# (or the ones named) under valgrind memcheck, as ctest would (cwd tests/).
# Any memcheck error, any definite or indirect leak, or a failing test
# fails the run.  Suppressions: tests/valgrind.supp, documented library
# noise only.  Prints one line per test binary and a summary.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${VALGRIND_BUILD_DIR:-$src/build-valgrind}
jobs=${VALGRIND_JOBS:-2}

if ! command -v valgrind >/dev/null; then
	echo "valgrind.sh: valgrind is needed (apt-get install valgrind)" >&2
	exit 2
fi
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=OFF \
    -DFUZZ=OFF >/dev/null
# Not run under valgrind, with the reason:
# test_proc: lib/proc.c relies on glibc's posix_spawn reporting a failed
# exec synchronously, which glibc does through a CLONE_VM|CLONE_VFORK
# child; valgrind runs that child as a plain fork, so the failure arrives
# later as exit 127 and the test's "missing program fails at start"
# assertions cannot hold.  (It runs under ASan+UBSan in the sanitizer
# build.)
skip=" test_proc "
mapfile -t names < <(cd "$src/tests/unit" && ls test_*.c | sed 's/\.c$//' |
    while read -r n; do [[ $skip == *" $n "* ]] || echo "$n"; done)
if (($# > 0)); then
	names=("$@")
fi
cmake --build "$build" -j"$jobs" --target "${names[@]}" \
    >"$build/valgrind-build.log" 2>&1 || {
	tail -30 "$build/valgrind-build.log" >&2
	echo "valgrind.sh: build failed" >&2
	exit 1
}

mkdir -p "$build/valgrind"
failed=0
for n in "${names[@]}"; do
	log=$build/valgrind/$n.log
	rc=0
	start=$SECONDS
	(cd "$src/tests" && valgrind --quiet --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect \
	    --show-leak-kinds=definite,indirect --error-exitcode=99 \
	    --suppressions="$src/tests/valgrind.supp" \
	    --log-file="$log.vg" "$build/tests/$n") >"$log" 2>&1 || rc=$?
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\).*/\1/p' "$log.vg" |
	    tail -1)
	if [[ -z $errors ]]; then
		# --quiet prints no summary when there is nothing to say.
		errors=$(grep -c '^==[0-9]*== [^ ]' "$log.vg" || true)
	fi
	if ((rc != 0)); then
		failed=$((failed + 1))
		printf 'valgrind %-26s FAIL exit %d, %s memcheck lines (%s.vg)\n' \
		    "$n" "$rc" "$errors" "$log"
	else
		printf 'valgrind %-26s ok   0 errors, 0 leaks (%ds)\n' "$n" \
		    $((SECONDS - start))
	fi
done
printf 'valgrind: %d test binaries, %d failed (not run: %s)\n' \
    "${#names[@]}" "$failed" "$(echo $skip)"
((failed == 0))
