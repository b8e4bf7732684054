#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 9, "A reload command that hangs is killed at its timeout": the
# reload command of a template ignores SIGTERM and sleeps for ever.  The
# templater must stay responsive while it hangs (/health answers), kill
# it (SIGTERM, then SIGKILL after the grace period) once command_timeout
# has passed, roll the destination back to the previous content, leave
# no process behind, keep running, and apply the next change normally
# once the command behaves again.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

TIMEOUT_S=2
uniq=$RANDOM$RANDOM
MARK=$BED_TMP/runs
NOHANG=$BED_TMP/nohang
DEST=$BED_TMP/hang.conf
LISTEN=127.0.0.1:$(bed_free_port)

bed_consul_start
printf 'value {{key "hang/v"}}\n' >"$BED_TMP/hang.ctmpl"
cat >"$BED_TMP/templater.ini" <<EOF
[templater]
consul_addr = $BED_CONSUL_HTTP
listen = $LISTEN

[template hang]
source = $BED_TMP/hang.ctmpl
destination = $DEST
command = ["sh", "-c", "echo run >>$MARK; trap '' TERM; [ -e $NOHANG ] || exec sleep 1000.$uniq"]
command_timeout = ${TIMEOUT_S}s
EOF

# hung: the command's sleep is running ("[.]": the pattern does not match
# its own text in a command line).
hung()
{
	pgrep -f "sleep 1000[.]$uniq" >/dev/null
}
not_hung()
{
	! hung
}
runs()
{
	wc -l <"$MARK" 2>/dev/null || echo 0
}
runs_ge()
{
	(($(runs) >= $1))
}

touch "$NOHANG"
tpl_kv_put hang/v one
tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until 30 tpl_file_has "$DEST" '^value one$'
bed_wait_until 20 runs_ge 1
bed_log "first render, command behaved"

# The command hangs from now on.
rm -f "$NOHANG"
tpl_kv_put hang/v two
bed_wait_until 30 hung
hang_start=$SECONDS
# The event loop is not blocked by the hanging child.
status=$(tpl_curl_status "http://$LISTEN/health")
[[ $status == 200 || $status == 503 ]] ||
    bed_fail "/health did not answer during the hang ($status)"
bed_wait_until 30 tpl_log_has "timed out after [0-9]+ ms, killed by signal KILL"
# Killed at the timeout, rolled back, run again (hangs again), killed: the
# second kill is the restore run's "failed again" line.  Waiting for the
# sleep to be gone instead would be satisfied in the moment between the
# restore run's "echo run" and its "exec sleep".
bed_wait_until 30 tpl_log_has \
    "failed again on the previous .*hang\.conf \(timed out after [0-9]+ ms, killed by signal KILL\)"
took=$((SECONDS - hang_start))
bed_assert_ok runs_ge 3
bed_assert_ok tpl_file_has "$DEST" '^value one$'
# Reaped, so nothing of it may be left running.
bed_wait_until 10 not_hung
# Two runs of TIMEOUT_S + the 2 s grace each, with room for a loaded host.
((took <= 4 * (TIMEOUT_S + 2) + 20)) ||
    bed_fail "hanging commands took ${took}s to be killed"
tpl_alive
bed_log "hanging command killed twice in ${took}s, previous file restored"

# The next change with a command that behaves goes live.
touch "$NOHANG"
before=$(runs)
tpl_kv_put hang/v three
bed_wait_until 30 tpl_file_has "$DEST" '^value three$'
bed_wait_until 20 runs_ge $((before + 1))
tpl_file_has "$DEST" '^value three$' || bed_fail "value three rolled back"
tpl_alive
bed_assert_eq 200 "$(tpl_curl_status "http://$LISTEN/health")" "/health"
bed_pass "hanging reload killed at its timeout (${took}s for two runs)," \
    "file rolled back, daemon kept running and applied the next change"
