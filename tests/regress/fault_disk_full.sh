#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 9, "Destination filesystem full (a small tmpfs): live file kept,
# error reported".  The templater renders a KV value into a file on a
# 64 kB tmpfs.  A render that fits is written; then three renders that do
# not fit: one while another file fills the filesystem, one of 40 kB while
# the live file holds 40 kB (alone it would fit, but the new content is
# written to a temporary file next to the live one before the rename, so
# both need room at once), and one of 200 kB, bigger than the filesystem.
# Each time: the live file stays byte for byte the last good render, no
# temporary file is left, the log names the destination and says "No
# space left on device", the strict Sentry stand-in receives one "write"
# failure event naming the destination, the daemon keeps running and
# /health answers 200.  When the other file is removed, the refused
# render is written without any change of data (the templater retries);
# a small render after the last refusal is written.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"
. "$SOURCE_DIR/tests/regress/crash_common.bash"

FS_SIZE=64k
[[ $(id -u) == 0 ]] || bed_skip "mounting a tmpfs needs root"
FULL=$BED_TMP/full
mkdir -p "$FULL"
mount -t tmpfs -o "size=$FS_SIZE,mode=0755" bed-full "$FULL" ||
    bed_skip "cannot mount a tmpfs here"
# Lazy: the templater may still hold the directory when this runs.
bed_on_exit "umount -l '$FULL'"
DEST=$FULL/full.conf
LISTEN=127.0.0.1:$(bed_free_port)

bed_consul_start
sentry_standin_start

printf '{{key "full/data"}}\n' >"$BED_TMP/full.ctmpl"

# put <name> <bytes>: the value "<name>" + a newline + <bytes> of
# padding, in the KV store; the render it should give in $BED_TMP/<name>.
put()
{
	{
		printf '%s\n' "$1"
		head -c "$2" /dev/zero | tr '\0' "${1: -1}"
	} >"$BED_TMP/$1.value"
	{
		cat "$BED_TMP/$1.value"
		printf '\n'
	} >"$BED_TMP/$1"
	curl -sSf --max-time 10 -X PUT --data-binary "@$BED_TMP/$1.value" \
	    "$BED_CONSUL_URL/v1/kv/full/data" >/dev/null ||
	    bed_fail "cannot put $1 ($2 bytes)"
}

# is <name>: the destination is exactly the render of <name>.
is()
{
	cmp -s "$BED_TMP/$1" "$DEST"
}

# write_events: stored Sentry events of kind "write" for this template.
write_events()
{
	find "$SENTRY_STORE" -maxdepth 1 -name '*.json' -print0 2>/dev/null |
	    xargs -0 -r cat | jq -s '[.[] | select(.tags.kind == "write")] | sort_by(.timestamp)'
}
write_events_are()
{
	[[ $(write_events | jq length) == "$1" ]]
}

full_lines()
{
	grep -cF "$DEST: write temporary file: No space left on device; the live file is kept" \
	    "$TPL_LOG" || true
}
full_lines_are()
{
	[[ $(full_lines) == "$1" ]]
}

# refused <name> <n>: the render of <name> is refused for lack of space,
# the n-th time: log line, Sentry event, live file kept, nothing left.
refused()
{
	bed_wait_until 60 full_lines_are "$2"
	bed_wait_until 60 write_events_are "$2"
	is "$KEPT" || bed_fail "$1: the live file is not the last good render"
	stray=$(find "$FULL" -mindepth 1 ! -name full.conf ! -name filler | wc -l)
	bed_assert_eq 0 "$stray" "$1: files left next to the destination"
	tpl_alive
	bed_assert_eq 200 "$(tpl_curl_status "http://$LISTEN/health")" \
	    "$1: /health"
	ev=$(write_events | jq ".[$(($2 - 1))]")
	bed_assert_jq_eq "$ev" .contexts.template.destination "$DEST" \
	    "$1: event destination"
	bed_assert_jq "$ev" '.exception.values[0].value | contains("No space left on device")' \
	    "$1: event message"
	bed_log "$1 refused: live file kept, no temporary file, event $2 stored"
}

put v1 1000
tpl_start templater -listen "$LISTEN" -sentry-dsn "$SENTRY_DSN" \
    -template "$BED_TMP/full.ctmpl:$DEST"
bed_wait_until 30 is v1
KEPT=v1

# Another file takes the space; once it is removed, the refused render
# must land without waiting for the data to change.
head -c 60000 /dev/zero >"$FULL/filler" 2>/dev/null
put v2 40000
refused "40 kB on a filesystem filled by another file" 1
rm -f "$FULL/filler"
freed=$EPOCHREALTIME
bed_wait_until 60 is v2
retried=$(awk -v a="$freed" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
KEPT=v2
bed_log "space freed: the refused 40 kB render written ${retried} s later"

# Fits alone, not next to the live file.
put v3 40000
refused "40 kB next to a 40 kB live file" 2
# Bigger than the filesystem.
put v4 200000
refused "200 kB render" 3

put v5 1000
bed_wait_until 30 is v5
stray=$(find "$FULL" -mindepth 1 ! -name full.conf | wc -l)
bed_assert_eq 0 "$stray" "files left next to the destination at the end"
tpl_alive
bed_assert_fails grep -q -F "$SENTRY_KEY" "$TPL_LOG"
rc=0
bed_stop "$TPL_PID" 20 || rc=$?
bed_assert_eq 0 "$rc" "templater exit status after SIGTERM"
bed_assert_fails grep -qE 'Sanitizer|runtime error' "$TPL_LOG"
printf 'result: destination fs full (%s tmpfs): 3 renders refused (40 kB' \
    "$FS_SIZE"
printf ' on a filesystem filled by another file, 40 kB next to a 40 kB live'
printf ' file, 200 kB), live file kept byte for byte, 0 temporary files left,'
printf ' 3 Sentry write events, /health 200; written %s s after the other' \
    "$retried"
printf ' file was removed, and the next render that fits was written\n'
bed_pass "filesystem full: live file kept, error logged and reported"
