#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# build-matrix.sh: compile (no tests run) every build type, with and
# without SANITIZE, under gcc and clang, each with the tree's -Werror, so
# that no configuration only a user builds is left broken (issue 16).
#
#   scripts/build-matrix.sh                  the whole matrix (16 builds)
#   scripts/build-matrix.sh gcc:Release:ON clang:Debug:OFF
#                                            only the cells named
#
# A cell is COMPILER:BUILD_TYPE:SANITIZE.  Each cell builds in its own
# directory under one temporary directory (MATRIX_DIR, default a fresh
# mktemp -d under TMPDIR), removed at exit whatever happened; JOBS (2) is
# the build parallelism.  Prints one line per cell, "matrix CELL ok|FAIL",
# the compiler's errors of a failed cell, and exits non-zero if any cell
# failed.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${JOBS:-2}
MATRIX_COMPILERS=(gcc clang)
MATRIX_TYPES=(Debug RelWithDebInfo Release MinSizeRel)
MATRIX_SANITIZE=(OFF ON)

cells=("$@")
if ((${#cells[@]} == 0)); then
	for cc in "${MATRIX_COMPILERS[@]}"; do
		for type in "${MATRIX_TYPES[@]}"; do
			for san in "${MATRIX_SANITIZE[@]}"; do
				cells+=("$cc:$type:$san")
			done
		done
	done
fi

root=${MATRIX_DIR:-}
if [[ -z $root ]]; then
	root=$(mktemp -d "${TMPDIR:-/tmp}/build-matrix.XXXXXX") || exit 1
else
	mkdir -p "$root" || exit 1
fi
trap 'rm -rf -- "$root"' EXIT

failed=0
for cell in "${cells[@]}"; do
	IFS=: read -r cc type san <<<"$cell"
	if [[ -z $cc || -z $type || ! $san =~ ^(ON|OFF)$ ]]; then
		echo "build-matrix: bad cell '$cell' (want COMPILER:TYPE:ON|OFF)" >&2
		exit 2
	fi
	command -v "$cc" >/dev/null || {
		echo "matrix $cell FAIL (no compiler $cc)"
		failed=$((failed + 1))
		continue
	}
	dir=$root/$cc-$type-$san
	log=$dir.log
	start=$SECONDS
	if CC=$cc cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE="$type" \
	    -DSANITIZE="$san" >"$log" 2>&1 &&
	    cmake --build "$dir" -j "$jobs" -- -k >>"$log" 2>&1; then
		echo "matrix $cell ok ($((SECONDS - start)) s)"
	else
		echo "matrix $cell FAIL ($((SECONDS - start)) s)"
		grep -E -A4 'error:|Error [0-9]' "$log" | head -40
		failed=$((failed + 1))
	fi
	# Only the verdict is kept: 16 trees would need gigabytes.
	rm -rf -- "$dir" "$log"
done
echo "build-matrix: ${#cells[@]} cells, $failed failed"
((failed == 0))
