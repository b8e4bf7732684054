#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 6, done-when 1 and 5: a container that prints "boom" and exits 3
# gives exactly one event accepted by the strict Sentry stand-in, with
# exit code 3, the boom log line marked stdout, an stderr line marked
# stderr, its labels (secret-looking values filtered, allow-listed ones
# kept), its image and release, resource counters sampled while it ran
# (it runs until the registrator has seen it running),
# and the fingerprint ["docker-crash", <service>, "exit:3"].  No env var
# (name or value) and no filtered label value reaches the stored event,
# and the DSN key never appears in the registrator's log.  The service the
# same registrator registers is unaffected.  A --rm container that
# Docker removes before it can be inspected is still reported.  `registrator crash-event`
# prints the same kind of event for a container without sending it.

. "$SOURCE_DIR/tests/regress/crash_common.bash"

bed_consul_start
sentry_standin_start
crash_start -log-level trace -sentry-dsn "$SENTRY_DSN"

secret_label='admin:$apr1$Zs3cr3tH4sh$QwErTy'
secret_env=env-s3cr3t-value-$RANDOM
web=$(crash_run web -p 127.0.0.1::80 --label SERVICE_NAME=crashweb \
    -- bed-httpd)
boom=$(crash_run boom \
    --label SERVICE_NAME=boomsvc \
    --label "traefik.http.middlewares.auth.basicauth.users=$secret_label" \
    --label org.opencontainers.image.version=9.8.7 \
    -e "DB_PASSWORD=$secret_env" -e "SECRET_TOKEN_NAME=also-$secret_env" \
    -- sh -c "echo boom; echo oops >&2; $CRASH_GATE; exit 3")

bed_wait_until 90 crash_seen_running "$boom"
crash_go "$boom"
bed_wait_until 90 crash_has_events boom 1
ev=$(crash_events boom | jq '.[0]')
bed_assert_jq "$ev" '.tags.exit_code == "3" and .tags.oom == "false"' "exit code tags"
bed_assert_jq "$ev" '.contexts.state.exit_code == 3 and .contexts.state.status == "exited"' "final state"
bed_assert_jq "$ev" '.fingerprint == ["docker-crash", "boomsvc", "exit:3"]' "fingerprint"
bed_assert_jq "$ev" '.extra.logs | contains("[stdout] boom\n")' "boom log line"
bed_assert_jq "$ev" '.extra.logs | contains("[stderr] oops\n")' "stderr marked"
bed_assert_jq_eq "$ev" '.tags.image' "$CRASH_IMAGE" "image tag"
bed_assert_jq_eq "$ev" '.contexts.container.image' "$CRASH_IMAGE" "image"
bed_assert_jq "$ev" '.release == "1" and .contexts.container.image_version == "9.8.7"' "release and version"
bed_assert_jq_eq "$ev" '.contexts.container.id' "$boom" "container id"
bed_assert_jq_eq "$ev" '.server_name' "$CRASH_HOST" "server name"
bed_assert_jq_eq "$ev" '.tags.host' "$CRASH_HOST" "host tag"
bed_assert_jq "$ev" '.tags.service == "boomsvc"' "service tag"
bed_assert_jq "$ev" '.extra.labels.SERVICE_NAME == "boomsvc" and .extra.labels["org.opencontainers.image.version"] == "9.8.7"' "allow-listed labels"
bed_assert_jq "$ev" '.extra.labels["traefik.http.middlewares.auth.basicauth.users"] == "[filtered]"' "secret label filtered by value"
bed_assert_jq "$ev" '.extra.labels["registrator.test"] == "[filtered]"' "other labels by key"
bed_assert_jq "$ev" '.contexts.resources.memory_usage_bytes > 0 and .contexts.resources.memory_limit_bytes > 0 and .contexts.resources.cpu_total_ns > 0 and .contexts.resources.pids >= 1' "resource counters"
bed_assert_jq "$ev" '.contexts.resources.sample_age_ms >= 0 and (.contexts.resources.sampled_at | length) > 0' "sample age and time"

file=$(crash_event_file boom)
bed_assert_ok test -n "$file"
bed_assert_fails grep -q -F "$secret_env" "$file"
bed_assert_fails grep -q -F 'Zs3cr3tH4sh' "$file"
bed_assert_fails grep -q -F DB_PASSWORD "$file"
bed_assert_fails grep -q -F SECRET_TOKEN_NAME "$file"
bed_assert_fails grep -q -F "$SENTRY_KEY" "$CRASH_LOG"
bed_assert_fails grep -q -F "$secret_env" "$CRASH_LOG"

# A --rm container is gone before its inspect: what was inspected while
# it ran stands in, with the die event's exit code (no exitCode label).
rmid=$(crash_run rm --rm --label SERVICE_NAME=rmsvc -- \
    sh -c "echo gone; $CRASH_GATE; exit 5")
bed_wait_until 90 crash_seen_running "$rmid"
crash_go "$rmid"
bed_wait_until 90 crash_has_events rm 1
ev=$(crash_events rm | jq '.[0]')
bed_assert_jq "$ev" '.fingerprint == ["docker-crash", "rmsvc", "exit:5"] and .tags.exit_code == "5"' "--rm crash"
bed_assert_jq "$ev" '.contexts.state.auto_remove // .contexts.container.auto_remove' "--rm flag"

# One crash, one event: nothing more arrives for it.
bed_assert_fails bed_poll_until 2 crash_has_events boom 2

# Registration goes on: the web container's service is in Consul.
bed_wait_until 20 bed_consul_has_service crashweb

# crash-event prints the event it would send, without sending it.
out=$("$CRASH_BIN" crash-event "$(crash_name boom)") ||
    bed_fail "crash-event failed"
bed_assert_jq "$out" '.fingerprint == ["docker-crash", "boomsvc", "exit:3"]' "crash-event fingerprint"
bed_assert_jq "$out" '.extra.logs | contains("[stdout] boom")' "crash-event logs"
bed_assert_not_contains "$out" "$secret_env"
out=$("$CRASH_BIN" crash-event "${web:0:12}") || bed_fail "crash-event by id failed"
bed_assert_jq "$out" '.contexts.resources.memory_usage_bytes > 0' "crash-event samples a running container"
bed_assert_fails "$CRASH_BIN" crash-event "$(crash_name nosuch)"
bed_assert_eq 1 "$(crash_event_count boom)" "crash-event sends nothing"
bed_assert_eq 0 "$(crash_event_count web)" "crash-event sends nothing"

# SIGTERM: a clean exit (no leak under the sanitizer build either).
rc=0
bed_stop "$CRASH_PID" 20 || rc=$?
bed_assert_eq 0 "$rc" "registrator exit status"
bed_assert_fails grep -qE 'Sanitizer|runtime error' "$CRASH_LOG"
bed_pass
