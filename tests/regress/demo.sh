#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# demo: the README's main command, scripts/demo.sh, on the built daemons
# (--no-build --once): the rendered nginx file has an upstream with both
# demo containers, and once the demo has stopped neither its containers nor
# its Consul agent are left.
set -euo pipefail
. "${SOURCE_DIR:-$(dirname "$0")/../..}/tests/bed/bed.sh"

bed_bin registrator >/dev/null
bed_bin templater >/dev/null
out=$BED_TMP/demo.out
export DEMO_OUT=$BED_TMP/rendered.conf
if ! timeout 300 bash "$BED_SOURCE_DIR/scripts/demo.sh" --no-build --once \
    </dev/null >"$out" 2>&1; then
	cat "$out" >&2
	bed_fail "scripts/demo.sh --once failed"
fi
bed_add_log "$out"
text=$(cat "$out")
bed_assert_contains "$text" "demo: rendered $DEMO_OUT:"
mapfile -t ports < <(sed -n 's/^demo: container demo-web-[12]-[0-9]*: [0-9a-f]* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
bed_assert_eq 2 "${#ports[@]}" "demo containers announced"
bed_assert_file_contains "$DEMO_OUT" '^upstream demo-web \{$'
for p in "${ports[@]}"; do
	bed_assert_file_contains "$DEMO_OUT" "^ *server 127\.0\.0\.1:$p;$"
done
mapfile -t ids < <(sed -n 's/^demo: container demo-web-[12]-[0-9]*: \([0-9a-f]*\) on .*/\1/p' "$out")
for id in "${ids[@]}"; do
	if docker inspect "$id" >/dev/null 2>&1; then
		bed_fail "demo container $id is still there after the demo stopped"
	fi
done
agent=$(sed -n 's/.*consul up: http \(127\.0\.0\.1:[0-9]*\) .*/\1/p' "$out")
bed_assert_ne "" "$agent" "the demo's Consul address"
bed_assert_fails curl -sf --max-time 2 "http://$agent/v1/status/leader"
bed_pass
