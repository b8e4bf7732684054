#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The operator interface: -help lists every flag, the ini file (flags win,
# unknown keys stop start-up with file:line), -listen serving /health and
# /metrics, the token never logged, -cleanup of gliderlabs-style leftovers,
# -maintenance-on-stop and -docker-health.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

# -help names every option of registrator.ini, and -version answers.
help=$("$REG_BIN" -help) || bed_fail "-help exited $?"
for key in $(grep -oE '^;?[a-z][a-z-]+ =' "$SOURCE_DIR/registrator.ini" |
    tr -d ';= '); do
	[[ $key == consul-token ]] && continue	# ini/env only, never a flag
	bed_assert_contains "$help" "-$key" "-help"
done
for flag in internal ip tags resync deregister cleanup explicit \
    retry-attempts retry-interval useIpFromLabel; do
	bed_assert_contains "$help" "-$flag" "-help (gliderlabs flag)"
done
bed_assert_contains "$("$REG_BIN" --version)" "registrator " "--version"

bed_consul_start
n1=$(reg_name ini)
bed_run --name "$n1" -p 127.0.0.1::80 -e SERVICE_NAME=inied \
    "$REG_IMAGE" bed-httpd >/dev/null

# The ini file: its tags apply; a flag beats it; gliderlabs' single dash
# and a double dash both work.
ini=$BED_TMP/registrator.ini
printf '[registrator]\n; a comment\ntags = fromini\nderegister = on-success\n' >"$ini"
line=$("$REG_BIN" -config "$ini" -dry-run 2>/dev/null | grep -F "$n1") ||
    bed_fail "-dry-run with -config printed nothing for $n1"
bed_assert_jq_eq "$line" '.Tags | join(",")' "fromini" "tags from the ini"
line=$("$REG_BIN" --config "$ini" --tags=fromflag -dry-run 2>/dev/null |
    grep -F "$n1") || bed_fail "-dry-run with -tags printed nothing"
bed_assert_jq_eq "$line" '.Tags | join(",")' "fromflag" "flag over ini"

# The shipped registrator.ini loads, and so does every key in it
# uncommented at its documented default.
"$REG_BIN" -config "$SOURCE_DIR/registrator.ini" -dry-run >/dev/null \
    2>"$BED_TMP/ini.err" || bed_fail "registrator.ini: $(cat "$BED_TMP/ini.err")"
sed 's/^;\([a-z][a-z-]* =\)/\1/' "$SOURCE_DIR/registrator.ini" >"$ini"
"$REG_BIN" -config "$ini" -dry-run >/dev/null 2>"$BED_TMP/ini.err" ||
    bed_fail "registrator.ini uncommented: $(cat "$BED_TMP/ini.err")"

# An unknown key or a bad value stops start-up naming file and line.
printf '[registrator]\ntags = a\nbogus = 1\n' >"$ini"
err=$("$REG_BIN" -config "$ini" -dry-run 2>&1 >/dev/null) &&
    bed_fail "unknown key accepted"
bed_assert_contains "$err" "$ini:3: [registrator] bogus: unknown key" "unknown key error"
printf '[registrator]\nresync = soon\n' >"$ini"
err=$("$REG_BIN" -config "$ini" -dry-run 2>&1 >/dev/null) &&
    bed_fail "bad value accepted"
bed_assert_contains "$err" "$ini:2: [registrator] resync:" "bad value error"
bed_assert_fails "$REG_BIN" -deregister sometimes -dry-run

# A gliderlabs-style leftover (no ownership meta) for a container that is
# gone, and one for a running container.
ghost="$REG_HOST:reg-$BED_RUN_ID-ghost:80"
live="$REG_HOST:$n1:80"
bed_consul_api PUT /v1/agent/service/register \
    "{\"ID\":\"$ghost\",\"Name\":\"leftover\",\"Port\":1}" >/dev/null
bed_consul_api PUT /v1/agent/service/register \
    "{\"ID\":\"$REG_HOST:$n1:8080\",\"Name\":\"leftover\",\"Port\":2}" >/dev/null

# A daemon with a token (never logged), -cleanup, -listen,
# -maintenance-on-stop and -docker-health.
token=tok-$RANDOM-$RANDOM-secret
printf '%s\n' "$token" >"$BED_TMP/token"
mport=$(bed_free_port)
reg_start -cleanup -maintenance-on-stop -docker-health \
    -consul-token-file "$BED_TMP/token" -listen "127.0.0.1:$mport"

_gone()
{
	! bed_consul_get /v1/agent/services | jq -e --arg i "$1" 'has($i)'
}
bed_wait_until 20 reg_has inied 1
bed_wait_until 10 _gone "$ghost"
bed_assert_eq 1 "$(bed_consul_get /v1/agent/services |
    jq --arg i "$REG_HOST:$n1:8080" '[.[] | select(.ID == $i)] | length')" \
    "leftover of a running container"

# /health and /metrics.
_healthy()
{
	[[ $(curl -sf "http://127.0.0.1:$mport/health") == ok ]]
}
bed_wait_until 10 _healthy
metrics=$(curl -sf "http://127.0.0.1:$mport/metrics") ||
    bed_fail "/metrics did not answer"
for m in registrator_registrations_total registrator_services \
    registrator_reconcile_seconds_count registrator_docker_events_total \
    registrator_errors_total registrator_deregistrations_total \
    registrator_event_to_registration_seconds_count; do
	grep -Eq "^$m [0-9]" <<<"$metrics" || bed_fail "/metrics lacks $m"
done
awk '$1 == "registrator_registrations_total" { exit !($2 >= 1) }' \
    <<<"$metrics" || bed_fail "no registration counted"
# A start event to a completed registration is measured.
n2=$(reg_name timed)
bed_run --name "$n2" -p 127.0.0.1::80 -e SERVICE_NAME=timed \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has timed 1
_latency()
{
	curl -sf "http://127.0.0.1:$mport/metrics" |
	    awk '$1 == "registrator_event_to_registration_seconds_count" { exit !($2 >= 1) }'
}
bed_wait_until 10 _latency

# -maintenance-on-stop: a container that ignores SIGTERM is in maintenance
# during its stop timeout, then deregistered.
n3=$(reg_name maint)
id3=$(bed_run --name "$n3" -p 127.0.0.1::80 -e SERVICE_NAME=maint \
    "$REG_IMAGE" sh -c 'trap "" TERM; while :; do sleep 1; done')
bed_wait_until 20 reg_has maint 1
docker stop -t 15 "$id3" >/dev/null &
stopper=$!
_maintenance()
{
	bed_consul_get /v1/agent/checks | jq -e --arg s "$REG_HOST:$n3:80" \
	    'any(.[]; .ServiceID == $s and (.CheckID | startswith("_service_maintenance")))'
}
bed_wait_until 12 _maintenance
wait "$stopper"
bed_wait_until 20 reg_has maint 0

# -docker-health: a TTL check mirrors the container's HEALTHCHECK.
n4=$(reg_name health)
id4=$(bed_run --name "$n4" -p 127.0.0.1::80 -e SERVICE_NAME=healthy \
    --health-cmd 'test -e /www/health' --health-interval 1s \
    --health-retries 1 "$REG_IMAGE" bed-httpd)
_ttl()
{
	bed_consul_get /v1/agent/checks | jq -e --arg s "$REG_HOST:$n4:80" \
	    --arg st "$1" 'any(.[]; .ServiceID == $s and .Type == "ttl" and .Status == $st)'
}
bed_wait_until 20 _ttl passing
docker exec "$id4" rm /www/health
bed_wait_until 20 _ttl critical

# SIGHUP does not end the daemon (its default action would): it says
# the configuration is read at start-up, and the daemon keeps serving.
kill -HUP "$REG_PID"
bed_wait_until 10 grep -q "SIGHUP: the configuration is read at start-up" "$REG_LOG"
bed_assert_ok bed_alive "$REG_PID"
bed_assert_ok curl -fsS "http://127.0.0.1:$mport/health" -o /dev/null

# The token reached no log line.
bed_assert_fails grep -qF "$token" "$REG_LOG"

bed_pass
