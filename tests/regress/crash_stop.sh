#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 6, done-when 3: operator stops are not crashes, restart loops are
# one issue.  `docker stop` of a healthy container (its shell ignores
# SIGTERM, so Docker ends it with SIGKILL: exit 137) sends nothing; nor do
# `docker kill` and a clean exit 0.  A service that crashes five times
# (restart policy on-failure:4) gives five events with one fingerprint,
# and their restart counts show the loop.  Each run of the loop ends only
# once the event of the run before is stored: a registrator lagging more
# than a run's length behind Docker would otherwise read one run's exit
# only after the next run had exited, and rightly send one event for the
# two (the same exit, seen twice).  The crash-loop throttle is off here
# (-crash-throttle-window 0): every run's event is what this test reads;
# crash_loop.sh tests the throttle.

. "$SOURCE_DIR/tests/regress/crash_common.bash"

bed_consul_start
sentry_standin_start
crash_start -sentry-dsn "$SENTRY_DSN" -crash-throttle-window 0

calm=$(crash_run calm --label SERVICE_NAME=calmsvc -- sleep 300)
victim=$(crash_run victim -- sleep 300)
crash_run clean -- sh -c 'sleep 1; exit 0' >/dev/null
bed_wait_until 20 grep -q "event start ${calm:0:12}" "$CRASH_LOG"
bed_wait_until 20 grep -q "event start ${victim:0:12}" "$CRASH_LOG"
docker stop -t 1 "$calm" >/dev/null || bed_fail "docker stop failed"
docker kill "$victim" >/dev/null || bed_fail "docker kill failed"
bed_assert_eq 137 "$(docker inspect -f '{{.State.ExitCode}}' "$calm")" "stop exit code"

# Run n writes n to /tmp/runs, then waits for /tmp/go<n> and exits 3.
loop=$(crash_run loop --restart on-failure:4 --label SERVICE_NAME=loopsvc -- \
    sh -c 'n=$(($(cat /tmp/runs 2>/dev/null || echo 0) + 1)); echo $n >/tmp/runs
	echo try; until [ -e /tmp/go$n ]; do sleep 0.1; done; exit 3')
_loop_runs()
{
	[[ $(docker exec "$loop" cat /tmp/runs 2>/dev/null) == "$1" ]]
}
for n in 1 2 3 4 5; do
	bed_wait_until 60 _loop_runs "$n"
	bed_wait_until 90 crash_has_events loop $((n - 1))
	docker exec "$loop" touch "/tmp/go$n" ||
	    bed_fail "docker exec in the loop's run $n failed"
done
bed_wait_until 90 crash_has_events loop 5
evs=$(crash_events loop)
bed_assert_jq "$evs" '[.[].fingerprint] | unique == [["docker-crash", "loopsvc", "exit:3"]]' "one fingerprint"
# Docker counts the restart before the die is seen; the last run stays.
bed_assert_jq "$evs" '[.[].contexts.state.restart_count] | sort == [1, 2, 3, 4, 4]' "restart counts"
bed_assert_jq "$evs" '[.[].extra.logs | contains("[stdout] try")] | all' "logs of each run"

# The stops happened before the loop's crashes were reported: had they
# been taken for crashes, their events would be stored by now.
bed_wait_until 20 crash_log_has "crash-$BED_RUN_ID-calm: died \(signal:SIGKILL\) after an operator stop, not a crash"
bed_wait_until 20 crash_log_has "crash-$BED_RUN_ID-victim: died \(signal:SIGKILL\) after an operator stop, not a crash"
bed_wait_until 20 crash_log_has "crash-$BED_RUN_ID-clean: died \(exit:0\), not a crash"
bed_assert_eq 0 "$(crash_event_count calm)" "events of the stopped container"
bed_assert_eq 0 "$(crash_event_count victim)" "events of the killed container"
bed_assert_eq 0 "$(crash_event_count clean)" "events of the clean exit"
bed_assert_fails bed_poll_until 2 crash_has_events loop 6
bed_pass
