# SPDX-License-Identifier: MIT
#
# sentry_client: lib/sentry.h on a real loop (tests/tools/sentry_send.c)
# against the strict stand-in (tests/sentry/standin.py).  Shows: events are
# accepted as sent; a 429 with Retry-After: 2 holds every request back for
# 2 s, then queued events are delivered and new ones were dropped; limits on
# a 200 are honoured per category; with Sentry down or hanging the queue
# stays bounded and the program still exits within its flush deadline; a
# bad DSN stops start-up; the DSN key never reaches stderr.

. "$SOURCE_DIR/tests/bed/bed.sh"
. "$SOURCE_DIR/tests/sentry/standin.sh"

SEND=$BUILD_DIR/tests/sentry_send
[[ -x $SEND ]] || bed_fail "$SEND not built"
sentry_standin_start

# send <name> <args...>: runs sentry_send; sets OUT (its JSON line), RC and
# ELAPSED_MS; the DSN is the stand-in's unless -d is given again; stderr in $BED_TMP/<name>.err, checked for the key.
send()
{
	local name=$1 t0
	shift
	t0=$(_bed_now_ms)
	RC=0
	"$SEND" -v -d "$SENTRY_DSN" "$@" >"$BED_TMP/$name.out" 2>"$BED_TMP/$name.err" || RC=$?
	ELAPSED_MS=$(($(_bed_now_ms) - t0))
	OUT=$(<"$BED_TMP/$name.out")
	bed_add_log "$BED_TMP/$name.err"
	if grep -qF "$SENTRY_KEY" "$BED_TMP/$name.err"; then
		bed_fail "$name: the DSN key is in stderr"
	fi
	if grep -qE 'Sanitizer|runtime error' "$BED_TMP/$name.err"; then
		bed_fail "$name: sanitizer report in stderr"
	fi
}

# journal_since <t>: journal lines of requests after time t (seconds).
journal_since()
{
	jq -c --argjson t "$1" 'select(.t > $t and (.path | startswith("/api/")))' \
	    "$SENTRY_JOURNAL"
}
now_s() { python3 -c 'import time; print(time.time())'; }

# 1. Accepted: three events, each stored as built.
before=$(sentry_events)
send ok -n 3 -i 0
bed_assert_eq 0 "$RC" "exit status"
bed_assert_jq "$OUT" '.sent == 3 and .failed == 0 and .dropped_queue_full == 0 and .dropped_rate_limited == 0' counters
bed_assert_eq $((before + 3)) "$(sentry_events)" "events stored"
ev=$(cat "$SENTRY_STORE"/*.json | jq -s 'map(select(.logentry.formatted == "sentry_send event 1")) | .[0]')
bed_assert_jq "$ev" '.platform == "other" and .level == "error" and .logger == "sentry_send"' "event attributes"
bed_assert_jq "$ev" '.server_name == "test-host" and .environment == "test" and (.release | startswith("sentry_send@"))' "event attributes"
bed_assert_jq "$ev" '.tags.seq == "1" and .fingerprint == ["sentry_send"] and .contexts.test.seq == 1' "tags, fingerprint, contexts"
bed_assert_jq "$ev" '(.event_id | test("^[0-9a-f]{32}$")) and (.timestamp | test("Z$"))' "event id and timestamp"
send errors -n 1 -e
bed_assert_jq "$OUT" '.sent == 1' "error event counters"
bed_assert_file_contains "$SENTRY_JOURNAL" '"status": 200'

# 2. 429 + Retry-After: 2 on the first request of a burst of three: nothing
# is sent for 2 s, then the two queued events are delivered.  A flush drops
# what a limit holds back, so it comes 6 s after the burst: the 2 s run
# from the 429's arrival, which a loaded machine can delay by seconds.
t0=$(now_s)
sentry_control ratelimit '{"count":1,"retry_after":2}'
send burst -n 3 -i 0 -w 6000 -f 10000
bed_assert_eq 0 "$RC" "exit status after a 429"
bed_assert_jq "$OUT" '.sent == 2 and .dropped_rate_limited == 1 and .failed == 0' "counters after a 429"
reqs=$(journal_since "$t0" | jq -s .)
bed_assert_jq "$reqs" 'length == 3 and .[0].status == 429 and .[1].status == 200 and .[2].status == 200' "requests after a 429"
bed_assert_jq "$reqs" '.[1].t - .[0].t >= 1.95' "2 s of silence after the 429"
bed_assert_file_contains "$BED_TMP/burst.err" 'rate limited us \(HTTP 429\)'

# 2b. A burst flushed at once under a 60 s limit: the flush drops the
# events the limit holds back instead of waiting for it or for its 30 s
# deadline (half of that is room for a loaded machine).
t0=$(now_s)
sentry_control ratelimit '{"count":1,"retry_after":60}'
send burst_flush -n 3 -i 0 -f 30000
bed_assert_eq 0 "$RC" "exit status, burst flushed"
bed_assert_jq "$OUT" '.sent == 0 and .dropped_rate_limited == 3 and .unsent == 0' "counters, burst flushed"
bed_assert_eq 1 "$(journal_since "$t0" | wc -l)" "requests, burst flushed"
((ELAPSED_MS < 15000)) || bed_fail "burst flushed: took ${ELAPSED_MS} ms"

# 3. Same limit while events keep coming, 400 ms apart for 4.4 s: the ones
# captured during the 2 s are dropped, not queued (at least 3 of them, plus
# the one answered 429); the ones captured while that answer was on its way
# wait and, like later ones, are delivered before the flush 3 s after the
# last.  The 2 s start when the 429 arrives, so how many fall inside them
# is the scheduler's: these bounds hold for an answer up to 3.5 s late.
t0=$(now_s)
sentry_control ratelimit '{"count":1,"retry_after":2}'
send trickle -n 12 -i 400 -w 3000 -f 10000
bed_assert_eq 0 "$RC" "exit status, trickle"
bed_assert_jq "$OUT" '.dropped_rate_limited >= 4 and .sent >= 2 and .sent + .dropped_rate_limited == 12' "counters, trickle"
reqs=$(journal_since "$t0" | jq -s .)
bed_assert_jq "$reqs" '.[0].status == 429 and (.[0].t as $t | [.[1:][] | .t - $t] | min >= 1.95)' "silence, trickle"

# 4. X-Sentry-Rate-Limits on a 200 (rate-limiting.mdx): a limit on "error"
# stops error events only; one with no category stops everything.
sentry_control ratelimit '{"count":1,"status":200,"rate_limits":"60:error:key"}'
send cat_default -n 3 -i 200
bed_assert_jq "$OUT" '.sent == 3 and .dropped_rate_limited == 0' "default events under an error limit"
sentry_control ratelimit '{"count":1,"status":200,"rate_limits":"60:error:key"}'
send cat_error -n 3 -i 200 -e
bed_assert_jq "$OUT" '.sent == 1 and .dropped_rate_limited == 2' "error events under an error limit"
sentry_control ratelimit '{"count":1,"status":200,"rate_limits":"60::organization"}'
send all_limited -n 3 -i 200
bed_assert_jq "$OUT" '.sent == 1 and .dropped_rate_limited == 2' "events under a limit for all"
bed_assert_eq 1 "$(grep -c 'rate limited us' "$BED_TMP/all_limited.err")" "limit logged once"

# 5. Refused (wrong project: 404): counted as failed, not retried.
t0=$(now_s)
send refused -d "http://$SENTRY_KEY@127.0.0.1:$SENTRY_PORT/43" -n 1
bed_assert_eq 0 "$RC" "exit status, refused"
bed_assert_jq "$OUT" '.failed == 1 and .sent == 0' "counters, refused"
bed_assert_eq 1 "$(journal_since "$t0" | wc -l)" "requests for a refused event"
bed_assert_file_contains "$BED_TMP/refused.err" 'refused by 127\.0\.0\.1 with HTTP 404'

# 6. Sentry down (nothing listens): the queue stays at 5, overflow is
# counted and logged once, each queued event is tried twice, and the
# program exits cleanly.
port=$(bed_free_port)
send down -d "http://$SENTRY_KEY@127.0.0.1:$port/42" -n 20 -i 0 -q 5 -f 20000
bed_assert_eq 0 "$RC" "exit status, down"
bed_assert_jq "$OUT" '.dropped_queue_full == 15 and .failed == 5 and .sent == 0 and .unsent == 0 and .queued_at_end == 0' "counters, down"
bed_assert_eq 1 "$(grep -c 'queue full' "$BED_TMP/down.err")" "queue-full warnings"
bed_assert_eq 1 "$(grep -c 'cannot reach' "$BED_TMP/down.err")" "unreachable warnings"
((ELAPSED_MS < 15000)) || bed_fail "down: took ${ELAPSED_MS} ms"

# 7. Sentry hanging (stand-in stopped): the flush deadline (2 s) ends the
# run although requests would wait 30 s (the upper bound leaves a loaded
# machine 8 s to start and end the program).
kill -STOP "$SENTRY_PID"
BED_ON_EXIT+=("kill -CONT $SENTRY_PID")
send hang -n 3 -i 0 -f 2000 -t 30000
kill -CONT "$SENTRY_PID"
bed_assert_eq 0 "$RC" "exit status, hang"
bed_assert_jq "$OUT" '.unsent == 3 and .failed == 3 and .sent == 0' "counters, hang"
((ELAPSED_MS >= 1900 && ELAPSED_MS < 10000)) ||
    bed_fail "hang: exited after ${ELAPSED_MS} ms, want about 2000"
bed_assert_file_contains "$BED_TMP/hang.err" 'flush deadline reached, 3 events not sent'

# 8. A malformed DSN stops start-up with a clear error, without the key.
send bad_dsn -d "http://$SENTRY_KEY@127.0.0.1:$SENTRY_PORT" -n 1
bed_assert_eq 1 "$RC" "exit status, bad DSN"
bed_assert_file_contains "$BED_TMP/bad_dsn.err" 'sentry dsn: missing /PROJECT_ID'

bed_pass
