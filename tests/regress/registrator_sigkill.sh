#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 7: the registrator is killed with SIGKILL while containers
# start, stop and are removed; restarted, it makes the catalog equal to
# Docker's truth for this run's containers: no ghost, no duplicate, none
# missing.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
reg_start

# _expected: sorted IDs the catalog must hold: this run's running
# containers, one service each.
_expected()
{
	local id name
	for id in $(docker ps -q --filter "label=$BED_LABEL.run=$BED_RUN_ID"); do
		name=$(docker inspect -f '{{.Name}}' "$id")
		printf '%s:%s:80\n' "$REG_HOST" "${name#/}"
	done | sort
}

# _catalog: sorted IDs of this run's "churn" instances in the catalog,
# duplicates kept so that they show.
_catalog()
{
	reg_catalog churn | jq -r '.[].ServiceID' | sort
}

_converged()
{
	[[ "$(_catalog)" == "$(_expected)" ]]
}

ids=()
for i in $(seq 1 14); do
	ids+=("$(bed_run --name "$(reg_name "c$i")" -p 127.0.0.1::80 \
	    -e SERVICE_NAME=churn "$REG_IMAGE" bed-httpd)")
	if ((i == 5)); then
		kill -KILL "$REG_PID"
		bed_log "registrator killed with SIGKILL"
	fi
	if ((i % 3 == 0)); then
		docker stop -t 1 "${ids[i - 2]}" >/dev/null
	fi
	if ((i % 4 == 0)); then
		docker rm -f "${ids[i - 3]}" >/dev/null
	fi
done
wait "$REG_PID" 2>/dev/null
bed_stop "$REG_PID" 1 || true

reg_start
restarted=$EPOCHREALTIME
bed_wait_until 30 _converged
took=$(awk -v a="$restarted" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
# Stays converged through one more round of changes.
docker stop -t 1 "${ids[13]}" >/dev/null
bed_run --name "$(reg_name late)" -p 127.0.0.1::80 -e SERVICE_NAME=churn \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 _converged
cat=$(_catalog)
bed_assert_eq "$(sort -u <<<"$cat")" "$cat" "duplicates in the catalog"
exp=$(_expected)
ghosts=$(comm -13 <(sort -u <<<"$exp") <(sort -u <<<"$cat") | grep -c . || true)
missing=$(comm -23 <(sort -u <<<"$exp") <(sort -u <<<"$cat") | grep -c . || true)
dups=$(($(grep -c . <<<"$cat") - $(sort -u <<<"$cat" | grep -c .)))
printf 'result: registrator SIGKILLed during churn (15 containers): converged'
printf ' in %s s after the restart; then %s running: ghosts %s, missing %s,' \
    "$took" "$(grep -c . <<<"$cat")" "$ghosts" "$missing"
printf ' duplicates %s; load average %s\n' "$dups" "$(cut -d' ' -f1-3 /proc/loadavg)"

bed_pass
