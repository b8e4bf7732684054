#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 9, "Templater killed during a write": a KV key changes as fast as
# curl can write it, and a template renders it into a 2 MB file (every
# line carries the value), so the templater is writing most of the time.
# The templater is killed with SIGKILL at a random moment, many times
# (bounded by count and time), and restarted.  After each kill, and
# while it runs, the destination must be exactly one complete render:
# the file is compared, byte for byte (sha256), with the render of the
# value on its first line.  Stray temporary files a kill may leave are
# counted and reported.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

ITERATIONS=${FAULT_ITERATIONS:-25}
DEADLINE=${FAULT_SECONDS:-120}
LINES=${FAULT_LINES:-20000}

bed_consul_start
dir=$BED_TMP/out
mkdir -p "$dir"
DEST=$dir/fast.conf
cat >"$BED_TMP/fast.ctmpl" <<EOF
{{\$v := keyOrDefault "fault/v" "none"}}BEGIN {{\$v}}
{{range \$i := loop $LINES}}line {{\$v}} {{\$i}} padding-padding-padding-padding-padding-padding-padding-padding
{{end}}END {{\$v}}
EOF
tpl_kv_put fault/v 0

# expected <value>: the sha256 of the complete render for that value.
expected()
{
	awk -v v="$1" -v n="$LINES" 'BEGIN {
		print "BEGIN " v
		for (i = 0; i < n; i++)
			print "line " v " " i " padding-padding-padding-padding-padding-padding-padding-padding"
		print "END " v
	}' | sha256sum | cut -d' ' -f1
}

# check_dest <when>: the destination is one complete render; prints its
# value.
check_dest()
{
	local snap=$BED_TMP/snap v
	cp "$DEST" "$snap" || bed_fail "$1: no destination file"
	v=$(head -n 1 "$snap")
	v=${v#BEGIN }
	[[ $v =~ ^[0-9]+$ ]] || bed_fail "$1: first line is not BEGIN <n>"
	[[ $(sha256sum <"$snap" | cut -d' ' -f1) == "$(expected "$v")" ]] ||
	    bed_fail "$1: destination is not a complete render of $v"
	printf '%s\n' "$v"
}

bed_spawn writer bash -c '
	i=0
	end=$((SECONDS + '"$DEADLINE"' + 30))
	while ((SECONDS < end)); do
		i=$((i + 1))
		curl -sf -X PUT --data-binary "$i" \
		    "'"$BED_CONSUL_URL"'/v1/kv/fault/v" >/dev/null || true
	done'
WRITER=$BED_PID

# value_moved <old>: the destination now holds another value.
value_moved()
{
	local v
	v=$(head -n 1 "$DEST" 2>/dev/null) || return 1
	[[ $v != "BEGIN $1" && $v == BEGIN* ]]
}

start=$SECONDS
kills=0
values=()
last=none
while ((kills < ITERATIONS && SECONDS - start < DEADLINE)); do
	tpl_start templater -template "$BED_TMP/fast.ctmpl:$DEST"
	bed_wait_until 30 value_moved "$last"
	# It is now rewriting the file for each new value: check it while it
	# runs, then kill it at a random moment of a write.
	last=$(check_dest "running, iteration $kills")
	sleep "0.$((RANDOM % 400))"
	kill -KILL "$TPL_PID"
	bed_stop "$TPL_PID" || true
	kills=$((kills + 1))
	last=$(check_dest "after SIGKILL $kills")
	values+=("$last")
done
bed_stop "$WRITER" || true
((kills >= 5)) || bed_fail "only $kills kills in ${DEADLINE}s"
stray=$(find "$dir" -name '.fast.conf.*' | wc -l)
distinct=$(printf '%s\n' "${values[@]}" | sort -u | wc -l)
bed_log "stray temporary files left by $kills kills: $stray"
bed_pass "$kills SIGKILLs during writes in $((SECONDS - start)) s: the" \
    "destination was a complete render every time ($distinct distinct" \
    "values, $stray stray temp files)"
