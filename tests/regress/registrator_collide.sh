#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 15 item 3: container metadata that a proxy cannot tell apart from
# a service already registered is refused: SERVICE_NAME=RTWEB beside
# rtweb (nginx folds upstream names' case), SERVICE_ID=api:1 beside api_1
# (the shipped templates map ':' to '_').  The first one wins, the refused
# one is not in Consul and the log names its container and key; after a
# registrator restart (Docker lists the newest first) the winner stays.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
reg_start

# Names and IDs unique to this run: other runs share the Docker host.
low=rtweb-$BED_RUN_ID
up=${low^^}
id_under=api-${BED_RUN_ID}_1
id_colon=api-$BED_RUN_ID:1

# _agent_has <jq filter>: the local agent holds a service matching it.
_agent_has()
{
	bed_consul_get /v1/agent/services | jq -e "any(.[]; $1)"
}

n1=$(reg_name low)
bed_run --name "$n1" -p 127.0.0.1::80 -e "SERVICE_NAME=$low" \
    "$REG_IMAGE" bed-httpd >/dev/null
n2=$(reg_name under)
bed_run --name "$n2" -p 127.0.0.1::80 -e "SERVICE_ID=$id_under" \
    -e SERVICE_NAME=collideapi "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 _agent_has ".Service == \"$low\""
bed_wait_until 20 _agent_has ".ID == \"$id_under\""

# The newcomers: one through env, one through a label.
n3=$(reg_name up)
bed_run --name "$n3" -p 127.0.0.1::80 -e "SERVICE_NAME=$up" \
    "$REG_IMAGE" bed-httpd >/dev/null
n4=$(reg_name colon)
bed_run --name "$n4" -p 127.0.0.1::80 -l "SERVICE_ID=$id_colon" \
    -e SERVICE_NAME=collideapi "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_log_has "container $n3: SERVICE_NAME: service name \"$up\" refused"
bed_wait_until 20 reg_log_has "container $n4: SERVICE_ID: service ID \"$id_colon\" refused"
# A later container of ours still registers: the refusals block nothing.
n5=$(reg_name after)
bed_run --name "$n5" -p 127.0.0.1::80 -e SERVICE_NAME=collideafter \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has collideafter 1
bed_assert_fails _agent_has ".Service == \"$up\""
bed_assert_fails _agent_has ".ID == \"$id_colon\""
bed_assert_ok _agent_has ".Service == \"$low\""
bed_assert_ok _agent_has ".ID == \"$id_under\""
bed_assert_eq 1 "$(grep -c "container $n3: SERVICE_NAME: service name" "$REG_LOG")" \
    "warnings for $n3"

# A restart relists, newest first: the winners stay.
bed_stop "$REG_PID"
mark=$(wc -l <"$REG_LOG")
reg_start
_refused_again()
{
	tail -n "+$((mark + 1))" "$REG_LOG" |
	    grep -q "container $n3: SERVICE_NAME: service name \"$up\" refused"
}
bed_wait_until 20 _refused_again
bed_wait_until 20 reg_has collideafter 1
# Two passes against the agent since the restart: one that would flip
# them has run.
_passes()
{
	(($(tail -n "+$((mark + 1))" "$REG_LOG" | grep -c "reconcile: pass done") >= 2))
}
bed_wait_until 20 _passes
bed_assert_fails _agent_has ".Service == \"$up\""
bed_assert_fails _agent_has ".ID == \"$id_colon\""
bed_assert_ok _agent_has ".Service == \"$low\""
bed_assert_ok _agent_has ".ID == \"$id_under\""

# The winner goes: the refused one is registered in its place.
docker rm -f "$n1" >/dev/null
bed_wait_until 20 _agent_has ".Service == \"$up\""
bed_assert_ok reg_log_has "service [^ ]*$n3[^ ]*: no longer collides"

bed_pass
