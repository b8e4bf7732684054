#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 9, "registrator and templater killed with SIGKILL during churn and
# restarted": this run's containers churn (started, killed, removed; at
# most 12 running) for KILL_CHURN_SECONDS (90 s) while the registrator and
# the templater are each SIGKILLed at random moments (a random 2-8 s after
# the last restart of either; the one killed fewer times so far, a coin
# decides a tie, so both are killed whatever the count) and started again
# after a random number of churn steps, so that containers come and go
# while one or the other is dead.  After the churn: the
# catalog equals Docker's truth (0 ghosts, 0 missing, 0 duplicates) and the
# rendered file equals the catalog.  The churn ends with both daemons
# killed and three more changes; the time to converge is measured with a
# bounded poll from their restart.
. "$SOURCE_DIR/tests/regress/fault_common.bash"

CHURN_SECONDS=${KILL_CHURN_SECONDS:-90}

bed_consul_start
reg_start
fault_templater_start

reg_kills=0
tpl_kills=0
dead= # "registrator" or "templater" while one is down
revive_after=0 # churn steps left before the dead one is restarted
next_kill=$((SECONDS + 2 + RANDOM % 7))

# _kill_one: a loaded machine fits few kills in 90 s (8 at load 15, 4 in
# the ASan build at load 31), and with 4 a coin alone would leave one
# daemon never killed in 1 run of 8.
_kill_one()
{
	if ((reg_kills < tpl_kills ||
	    (reg_kills == tpl_kills && RANDOM % 2 == 0))); then
		kill -KILL "$REG_PID"
		bed_stop "$REG_PID" 5 || true
		dead=registrator
		reg_kills=$((reg_kills + 1))
	else
		kill -KILL "$TPL_PID"
		bed_stop "$TPL_PID" 5 || true
		dead=templater
		tpl_kills=$((tpl_kills + 1))
	fi
	revive_after=$((RANDOM % 4))
	bed_log "$dead SIGKILLed, restarted after $revive_after churn steps"
}

_revive()
{
	case $dead in
	registrator) reg_start ;;
	templater) fault_templater_start ;;
	esac
	dead=
	next_kill=$((SECONDS + 2 + RANDOM % 7))
}

start=$SECONDS
while ((SECONDS - start < CHURN_SECONDS)); do
	fault_churn_step
	if [[ -n $dead ]]; then
		if ((revive_after-- <= 0)); then
			_revive
		fi
	elif ((SECONDS >= next_kill)); then
		_kill_one
	fi
	[[ $dead == registrator ]] || bed_alive "$REG_PID" ||
	    bed_fail "registrator exited by itself"
	[[ $dead == templater ]] || bed_alive "$TPL_PID" ||
	    bed_fail "templater exited by itself"
done
[[ -z $dead ]] || _revive
((reg_kills > 0 && tpl_kills > 0)) ||
    bed_fail "the churn was too short: $reg_kills registrator and" \
    "$tpl_kills templater kills"
# The last kill takes both down; the churn goes on without them for three
# steps, and the time to converge is measured from their restart.
kill -KILL "$REG_PID" "$TPL_PID"
bed_stop "$REG_PID" 5 || true
bed_stop "$TPL_PID" 5 || true
reg_kills=$((reg_kills + 1))
tpl_kills=$((tpl_kills + 1))
for _ in 1 2 3; do
	fault_churn_step
done
reg_start
fault_templater_start
restarted=$EPOCHREALTIME
bed_log "churn stopped after $((SECONDS - start)) s: $FAULT_STARTED" \
    "containers started, $reg_kills + $tpl_kills kills"
bed_wait_until 120 fault_converged
took=$(fault_elapsed "$restarted")
counts=$(fault_diff_counts)
bed_assert_eq "ghosts 0, missing 0, duplicates 0, file = catalog" "$counts" \
    "after the churn"
running=$(fault_truth | grep -c . || true)

# The restarted daemons follow events again: one more container shows up.
bed_run --name "$(reg_name late)" -p 127.0.0.1::80 -e SERVICE_NAME="$FAULT_SVC" \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 60 fault_converged
fault_stop_clean "$REG_PID" "$REG_LOG" registrator
fault_stop_clean "$TPL_PID" "$TPL_LOG" templater

printf 'result: kill during churn: %s s of churn, %s containers churned,' \
    "$CHURN_SECONDS" "$FAULT_STARTED"
printf ' registrator SIGKILLed %s times, templater %s times; converged in' \
    "$reg_kills" "$tpl_kills"
printf ' %s s after the last restart (%s running: %s); load average %s\n' \
    "$took" "$running" "$counts" "$(cut -d' ' -f1-3 /proc/loadavg)"
bed_pass "converged in $took s after $reg_kills + $tpl_kills SIGKILLs"
