#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 6, done-when 7: a failing templater reload command produces a
# Sentry event accepted by the strict stand-in, with the template,
# destination, command, exit status, the command's output and a short diff
# of what changed, grouped by {template, failure kind}; a candidate that
# the check refuses holds the key that made it fail: one more event, of
# the "held" group.  The DSN key
# never appears in the templater's log.

. "$SOURCE_DIR/tests/regress/tpl/common.sh"
. "$SOURCE_DIR/tests/regress/crash_common.bash"

bed_consul_start
sentry_standin_start

DEST=$BED_TMP/site.conf
RELOAD=$BED_TMP/reload.sh
CHECK=$BED_TMP/check.sh
cat >"$RELOAD" <<'EOF2'
#!/bin/sh
if grep -q reload-breaks "$1"; then
	echo "reload: cannot apply site.conf: backend pool is empty" >&2
	exit 7
fi
exit 0
EOF2
cat >"$CHECK" <<'EOF2'
#!/bin/sh
if grep -q check-refuses "$1"; then
	echo "check: line 2: bad directive" >&2
	exit 1
fi
exit 0
EOF2
chmod 755 "$RELOAD" "$CHECK"
printf 'site {\n  body {{ key "crash/body" }};\n}\n' >"$BED_TMP/site.ctmpl"
cat >"$BED_TMP/templater.ini" <<EOF2
[template site]
source = $BED_TMP/site.ctmpl
destination = $DEST
check = $CHECK {{.}}
command = ["$RELOAD", "$DEST"]
EOF2

tpl_kv_put crash/body v1
tpl_start templater -config "$BED_TMP/templater.ini" -sentry-dsn "$SENTRY_DSN"
bed_wait_until 30 tpl_file_has "$DEST" "body v1;"

# tpl_events <kind>: the stored events of template "site" of that kind.
tpl_events()
{
	find "$SENTRY_STORE" -maxdepth 1 -name '*.json' -print0 2>/dev/null |
	    xargs -0 -r cat | jq -s --arg k "$1" \
	    '[.[] | select(.tags.template == "site" and .tags.kind == $k)]'
}
tpl_has_events()
{
	[[ $(tpl_events "$1" | jq length) == "$2" ]]
}

# The reload command fails: one event with its output and the diff.
tpl_kv_put crash/body reload-breaks
bed_wait_until 60 tpl_has_events command 1
ev=$(tpl_events command | jq '.[0]')
bed_assert_jq "$ev" '.fingerprint == ["templater", "site", "command"]' "fingerprint"
bed_assert_jq "$ev" '.tags.exit_status == "7" and .contexts.template.exit_status == 7' "exit status"
bed_assert_jq_eq "$ev" '.contexts.template.destination' "$DEST" "destination"
bed_assert_jq "$ev" '.contexts.template.command | contains("reload.sh")' "command"
bed_assert_jq "$ev" '.extra.output | contains("backend pool is empty")' "command output"
bed_assert_jq "$ev" '.extra.diff | contains("-  body v1;") and contains("+  body reload-breaks;")' "diff"

# A candidate the check refuses because of the key's new answer: the key
# is held at its last good answer, one event of the "held" group naming
# it and what the check said.
tpl_kv_put crash/body check-refuses
bed_wait_until 60 tpl_has_events held 1
ev=$(tpl_events held | jq '.[0]')
bed_assert_jq "$ev" '.fingerprint == ["templater", "site", "held"]' "held fingerprint"
bed_assert_jq "$ev" '.extra.output | contains("bad directive")' "check output"
bed_assert_jq "$ev" '.contexts.template.message | contains("kv.block(crash/body)")' "held dependency"
bed_assert_ok tpl_has_events check 0

bed_assert_fails grep -q -F "$SENTRY_KEY" "$TPL_LOG"
rc=0
bed_stop "$TPL_PID" 20 || rc=$?
bed_assert_eq 0 "$rc" "templater exit status"
bed_assert_fails grep -qE 'Sanitizer|runtime error' "$TPL_LOG"
bed_pass
