#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 6, done-when 2: a container that the kernel OOM-kills under -m
# gives one event whose reason is "oom" (fingerprint, tags, final state)
# with the memory counters of the last sample taken while it ran: the
# limit it was given and what it used.

. "$SOURCE_DIR/tests/regress/crash_common.bash"

bed_consul_start
sentry_standin_start
crash_start -log-level trace -sentry-dsn "$SENTRY_DSN"

# The shell grows a variable by 2 MiB at a time until the 16 MiB cgroup
# limit (no swap) kills it, slowly enough for samples to be taken, and only
# once the registrator, which may lag behind a busy Docker, has seen it run.
hog=$(crash_run hog -m 16m --memory-swap 16m --label SERVICE_NAME=hogsvc -- \
    sh -c "$CRASH_GATE"'; x=; while :; do
	x="$x$(head -c 2097152 /dev/zero | tr "\0" a)"; sleep 0.3; done')
bed_wait_until 90 crash_seen_running "$hog"
crash_go "$hog"

bed_wait_until 90 crash_has_events hog 1
ev=$(crash_events hog | jq '.[0]')
bed_assert_jq "$ev" '.fingerprint == ["docker-crash", "hogsvc", "oom"]' "fingerprint"
bed_assert_jq "$ev" '.tags.oom == "true" and .tags.reason == "oom"' "oom tags"
bed_assert_jq "$ev" '.contexts.state.oom_killed == true and .contexts.state.exit_code == 137' "final state"
bed_assert_jq "$ev" '.contexts.container.memory_limit_bytes == 16777216' "configured limit"
bed_assert_jq "$ev" '.contexts.resources.memory_limit_bytes == 16777216' "sampled limit"
bed_assert_jq "$ev" '.contexts.resources.memory_usage_bytes > 0 and .contexts.resources.memory_max_usage_bytes >= .contexts.resources.memory_usage_bytes' "memory counters"
bed_assert_jq "$ev" '.logentry.formatted | test("OOM killed")' "message"
bed_pass
