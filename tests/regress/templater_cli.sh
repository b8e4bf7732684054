#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# templater's command line as a user sees it (issue 5, "Done when" 6):
# -dry prints "> destination" and the content exactly like consul-template
# and writes and runs nothing; -once renders, runs the command and exits 0,
# or exits non-zero naming the missing data after -once-timeout; bad flags
# and config files stop start-up with a clear message; quiescence (-wait)
# writes min after the last change and never later than max after the
# first, measured from the file's mtime.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
T=$BED_TMP/app.ctmpl
OUT=$BED_TMP/app.conf
printf 'value={{ key "app/value" }}\nport={{ keyOrDefault "app/port" "80" }}\n' >"$T"
tpl_kv_put app/value hello

# -dry: exactly "> dest\n" then the content; nothing written, nothing run.
got=$("$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -dry \
    -template "$T:$OUT:touch $BED_TMP/ran" 2>"$BED_TMP/dry.err") ||
    bed_fail "-once -dry exited $?: $(cat "$BED_TMP/dry.err")"
bed_assert_eq "$(printf '> %s\nvalue=hello\nport=80' "$OUT")" "$got" "-dry output"
[[ ! -e $OUT ]] || bed_fail "-dry wrote $OUT"
[[ ! -e $BED_TMP/ran ]] || bed_fail "-dry ran the command"
# Byte-exact: the content ends with the template's final newline.
"$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -dry -template "$T:$OUT" \
    2>/dev/null >"$BED_TMP/dry.out"
printf '> %s\nvalue=hello\nport=80\n' "$OUT" >"$BED_TMP/dry.want"
bed_assert_ok cmp "$BED_TMP/dry.want" "$BED_TMP/dry.out"
bed_log "-dry prints and touches nothing"

# -once: renders, runs the command, exits 0.
bed_assert_ok "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once \
    -template "$T:$OUT:echo ran >$BED_TMP/ran"
bed_assert_eq "$(printf 'value=hello\nport=80')" "$(cat "$OUT")" "-once output"
bed_assert_eq ran "$(cat "$BED_TMP/ran")" "-once command"
# -dry when the file is already identical prints nothing.
got=$("$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -dry -template "$T:$OUT" 2>/dev/null)
bed_assert_eq "" "$got" "-dry with an up-to-date file"
bed_log "-once exit 0"

# -once with a key that never comes: non-zero after the timeout, naming it.
printf '{{ key "app/missing" }}\n' >"$BED_TMP/missing.ctmpl"
start=$(tpl_now_ms)
rc=0
"$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -once-timeout 2s \
    -template "$BED_TMP/missing.ctmpl:$BED_TMP/missing.conf" \
    2>"$BED_TMP/once.err" || rc=$?
took=$(($(tpl_now_ms) - start))
bed_assert_eq 1 "$rc" "-once-timeout exit status"
((took >= 2000 && took < 10000)) || bed_fail "-once-timeout 2s took ${took} ms"
bed_assert_contains "$(cat "$BED_TMP/once.err")" "kv.block(app/missing)"
[[ ! -e $BED_TMP/missing.conf ]] || bed_fail "file written from missing data"
# Consul unreachable: the same, with the reason in the log.
rc=0
"$TPL_BIN" -consul-addr "127.0.0.1:$(bed_free_port)" -once -once-timeout 2s \
    -template "$T:$BED_TMP/unreachable.conf" 2>"$BED_TMP/once2.err" || rc=$?
bed_assert_eq 1 "$rc" "-once-timeout exit status without Consul"
bed_assert_contains "$(cat "$BED_TMP/once2.err")" "retrying with backoff"
bed_log "-once-timeout exits 1 and names what is missing"

# Usage and configuration errors.
rc=0
"$TPL_BIN" -no-such-flag 2>"$BED_TMP/usage.err" || rc=$?
bed_assert_eq 2 "$rc" "exit status for an unknown flag"
bed_assert_contains "$(cat "$BED_TMP/usage.err")" "unknown flag -no-such-flag"
printf '[template a]\nsource = %s\ndestination = %s\ncomand = true\n' "$T" "$OUT" \
    >"$BED_TMP/bad.ini"
rc=0
"$TPL_BIN" -config "$BED_TMP/bad.ini" 2>"$BED_TMP/bad.err" || rc=$?
bed_assert_eq 1 "$rc" "exit status for an unknown key"
bed_assert_contains "$(cat "$BED_TMP/bad.err")" "bad.ini:4: [template a] comand: unknown key"
printf '{{ nosuchfunc }}\n' >"$BED_TMP/bad.ctmpl"
rc=0
"$TPL_BIN" -once -template "$BED_TMP/bad.ctmpl:$OUT" 2>"$BED_TMP/parse.err" || rc=$?
bed_assert_eq 1 "$rc" "exit status for a template that does not parse"
bed_assert_contains "$(cat "$BED_TMP/parse.err")" "bad.ctmpl:1:"
"$TPL_BIN" -help | grep -q -- "-once-timeout" || bed_fail "-help lists no -once-timeout"
"$TPL_BIN" -version | grep -Eq '^templater [0-9]' || bed_fail "-version"
bed_log "usage and config errors"

# Quiescence, -wait 2s:5s.  The first render is immediate.  The lower
# bounds below are taken from before the PUT (the change cannot be older);
# the upper ones from the moment the templater logged the new value
# ("consul: kv.block(q) changed"), so that Consul's answer being late on a
# loaded machine is not counted against the templater, and each upper
# bound stays short of what a wrong rule would give: min instead of an
# immediate first render, max instead of min, min after the last change
# instead of max.
Q=$BED_TMP/q.conf
printf 'q={{ key "q" }}\n' >"$BED_TMP/q.ctmpl"
# received: the times (ms since the epoch) the templater got a value of q.
received()
{
	local line
	grep -F 'consul: kv.block(q) changed' "$TPL_LOG" |
	    while IFS= read -r line; do
		date -d "${line%% *}" +%s%3N
	    done
}
tpl_kv_put q 0
tpl_start templater -wait 2s:5s -template "$BED_TMP/q.ctmpl:$Q"
bed_wait_until 10 tpl_file_has "$Q" "^q=0$"
got=$(received | head -n 1)
[[ -n $got ]] || bed_fail "no 'kv.block(q) changed' line in $TPL_LOG"
first=$(($(tpl_mtime_ms "$Q") - got))
bed_log "first render ${first} ms after the value came"
((first < 1500)) || bed_fail "first render ${first} ms after the value came, want at once (< 2000, min)"

# One change: written min (2 s) after it.
n=$(received | wc -l)
before=$(tpl_now_ms)
tpl_kv_put q 1
bed_wait_until 10 tpl_file_has "$Q" "^q=1$"
m=$(tpl_mtime_ms "$Q")
got=$(received | sed -n "$((n + 1))p")
[[ -n $got ]] || bed_fail "no 'kv.block(q) changed' line for q=1"
bed_log "single change written $((m - before)) ms after the PUT began, $((m - got)) ms after the value came (wait 2s:5s)"
((m - before >= 1950 && m - got < 4000)) ||
    bed_fail "single change written $((m - before)) ms after the PUT began, $((m - got)) ms after the value came, want 2000 (min)"

# A burst of changes every 500 ms for 8 s (at t0, t0+0.5 s ... t0+7.5 s):
# the first write comes max (5 s) after the first change although changes
# keep coming, the last one min (2 s) after the last change; not one write
# per change.
n=$(received | wc -l)
t0=$(tpl_now_ms)
writes_before=$(grep -c "wrote $Q" "$TPL_LOG")
first_mtime=
for i in $(seq 2 17); do
	put_at=$(tpl_now_ms)
	tpl_kv_put q "$i"
	while (($(tpl_now_ms) < t0 + (i - 1) * 500)); do
		if [[ -z $first_mtime ]] && ! grep -q '^q=1$' "$Q"; then
			first_mtime=$(tpl_mtime_ms "$Q")
		fi
		sleep 0.05
	done
done
bed_wait_until 10 tpl_file_has "$Q" "^q=17$"
[[ -n $first_mtime ]] || first_mtime=$(tpl_mtime_ms "$Q")
last_mtime=$(tpl_mtime_ms "$Q")
writes=$(($(grep -c "wrote $Q" "$TPL_LOG") - writes_before))
mapfile -t got < <(received | tail -n "+$((n + 1))")
((${#got[@]} > 0)) || bed_fail "no 'kv.block(q) changed' line for the burst"
d1=$((first_mtime - t0))
d=$((last_mtime - t0))
bed_log "burst: $writes writes for 16 changes (${#got[@]} answers), first at +$d1 ms" \
    "($((first_mtime - got[0])) ms after the first answer), last at +$d ms" \
    "($((last_mtime - put_at)) ms after the last PUT began, $((last_mtime - got[-1])) ms after the last answer)"
((d1 >= 4950 && first_mtime - got[0] < 6500)) ||
    bed_fail "first write of the burst at +$d1 ms, $((first_mtime - got[0])) ms after the first answer, want ~5000 (max)"
((last_mtime - put_at >= 1950 && last_mtime - got[-1] < 4000)) ||
    bed_fail "last write of the burst $((last_mtime - put_at)) ms after the last PUT began, $((last_mtime - got[-1])) ms after the last answer, want 2000 (min)"
((writes >= 2 && writes <= 3)) ||
    bed_fail "16 changes over 8 s gave $writes writes, want 2 or 3"
tpl_alive
bed_log "quiescence: min and max honoured"

# SIGHUP re-reads the templates: a new one is rendered at once; one that
# does not parse is refused and the running one stays.
printf 'q={{ key "q" }} reloaded\n' >"$BED_TMP/q.ctmpl"
kill -HUP "$TPL_PID"
bed_wait_until 10 tpl_file_has "$Q" "^q=17 reloaded$"
printf 'q={{ key "q" \n' >"$BED_TMP/q.ctmpl"
kill -HUP "$TPL_PID"
bed_wait_until 10 tpl_log_has "reload: .*q.ctmpl:[0-9]+:[0-9]+: .*keeping the running configuration"
tpl_kv_put q 18
bed_wait_until 10 tpl_file_has "$Q" "^q=18 reloaded$"
tpl_alive
# SIGTERM: a clean exit 0.
rc=0
bed_stop "$TPL_PID" || rc=$?
bed_assert_eq 0 "$rc" "exit status after SIGTERM"
bed_log "SIGHUP reload, refused reload, SIGTERM exit 0"

# The ACL token never reaches the log, even at trace level.
TOKEN=3f1c0a2e-7d44-4bd1-9b0e-5a6c2d8e9f01
CONSUL_HTTP_TOKEN=$TOKEN "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once \
    -log-level trace -template "$T:$BED_TMP/token.conf" 2>"$BED_TMP/token.log" ||
    bed_fail "-once with a token failed: $(tail -3 "$BED_TMP/token.log")"
grep -q "GET .*/v1/kv/app/value" "$BED_TMP/token.log" ||
    bed_fail "trace log shows no request: the check below would prove nothing"
! grep -q "$TOKEN" "$BED_TMP/token.log" || bed_fail "the token is in the log"
bed_pass "-dry format, -once exit codes and timeout, errors, quiescence min and max, reload"
