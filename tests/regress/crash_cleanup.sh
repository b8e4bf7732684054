#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 6, done-when 6: -cleanup-exited=<grace> removes the crashed
# container once the grace period (from its FinishedAt) is over and its
# report was sent, and a cleanly exited one too; it leaves the others: a
# running container, one whose restart policy restarts it, and one that
# does not carry the filter label.

. "$SOURCE_DIR/tests/regress/crash_common.bash"

grace=5
bed_consul_start
sentry_standin_start
# Only this run's containers may be removed: the filter is its run label.
crash_start -sentry-dsn "$SENTRY_DSN" -cleanup-exited "${grace}s" \
    -cleanup-label "registrator.test.run=$BED_RUN_ID"

running=$(crash_run running -- sleep 300)
always=$(crash_run always --restart always -- sh -c 'sleep 1; exit 3')
crashed=$(crash_run crashed -- sh -c 'echo bye; exit 3')
clean=$(crash_run clean -- sh -c 'exit 0')
# A crash without this run's label: reported, never removed.
other=$(docker run -d --label registrator.test=1 \
    --label "registrator.test.pid=$$" --name "crash-$BED_RUN_ID-other" \
    "$CRASH_IMAGE" sh -c 'exit 3') || bed_fail "docker run failed"
bed_on_exit "docker rm -f $other >/dev/null 2>&1"

bed_wait_until 30 crash_has_events crashed 1
finished=$(crash_events crashed | jq -r '.[0].contexts.state.finished_at')

# Removed, and not before the grace period was over.
bed_wait_until 40 crash_gone "$crashed"
bed_wait_until 20 crash_gone "$clean"
line=$(grep -m1 "crash-$BED_RUN_ID-crashed: exited more than" "$CRASH_LOG") ||
    bed_fail "no removal line in the log"
removed_at=${line%% *}
f=$(date -u -d "$finished" +%s.%N) || bed_fail "bad FinishedAt $finished"
r=$(date -u -d "$removed_at" +%s.%N) || bed_fail "bad log time $removed_at"
bed_assert_ok awk -v f="$f" -v r="$r" -v g="$grace" 'BEGIN { exit !(r - f >= g) }'
bed_assert_eq 1 "$(crash_event_count crashed)" "the report was sent first"

# The others are still there, well past their grace period.
bed_assert_ok crash_exists "$running"
bed_assert_eq true "$(docker inspect -f '{{.State.Running}}' "$running")" "running container"
bed_assert_ok crash_exists "$always"
bed_assert_ok crash_exists "$other"
bed_wait_until 20 crash_has_events other 1
bed_pass
