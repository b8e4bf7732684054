# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers shared by the registrator_*.sh scenario tests (not a test: the
# runner only picks up *.sh).  The registrator follows the whole Docker
# host, where other test runs start containers too, so every assertion
# looks only at this run's containers: by container name (each is named
# reg-<run id>-<suffix>) or by the registrator-container meta key.

. "$SOURCE_DIR/tests/bed/bed.sh"

REG_BIN=$(bed_bin registrator) || exit 1
REG_HOST=$(docker info --format '{{.Name}}') ||
    bed_fail "docker info failed"
REG_IMAGE=$(bed_image) || exit 1
REG_LOG=$BED_TMP/registrator.log

# reg_name <suffix>: this run's container name for <suffix>.
reg_name()
{
	printf 'reg-%s-%s\n' "$BED_RUN_ID" "$1"
}

# reg_start [registrator flags...]: start the registrator against the
# test's Consul agent, logging at debug level; sets REG_PID.
reg_start()
{
	bed_spawn registrator "$REG_BIN" -log-level debug \
	    "$@" "consul://$BED_CONSUL_HTTP"
	REG_PID=$BED_PID
	REG_LOG=$BED_TMP/registrator.log
}

# reg_catalog <service>: the catalog entries of <service> that belong to
# this run's containers (a JSON array).
reg_catalog()
{
	local json
	json=$(bed_consul_get "/v1/catalog/service/$1") || return 1
	jq --arg p "reg-$BED_RUN_ID-" \
	    '[.[] | select(.ServiceID | contains($p))]' <<<"$json"
}

# reg_count <service>: how many of this run's instances the catalog has.
reg_count()
{
	reg_catalog "$1" | jq 'length'
}

# reg_has <service> <n>: true when the catalog has exactly n of this run's
# instances of <service>.
reg_has()
{
	local n
	n=$(reg_count "$1") || return 1
	[[ $n == "$2" ]]
}

# reg_agent_ids: sorted IDs of this run's services in the local agent.
reg_agent_ids()
{
	local json
	json=$(bed_consul_get /v1/agent/services) || return 1
	jq -r --arg p "reg-$BED_RUN_ID-" \
	    '[.[] | select(.ID | contains($p)) | .ID] | sort | .[]' <<<"$json"
}

# reg_log_has <extended regex>: true when the registrator logged a match.
reg_log_has()
{
	grep -Eq -- "$1" "$REG_LOG"
}
