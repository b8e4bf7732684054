# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers shared by the templater's scenario tests (tests/regress/templater_*.sh),
# on top of tests/bed/bed.sh: start the daemon, register services in the
# test's Consul agent, read files and metrics the way a user would.

. "$SOURCE_DIR/tests/bed/bed.sh"

TPL_BIN=$(bed_bin templater) || exit 1
TPL_TEMPLATES=$SOURCE_DIR/templates

# tpl_start <name> <templater flags...>: run the daemon against the test's
# Consul agent, log in $BED_TMP/<name>.log; sets TPL_PID and TPL_LOG.
tpl_start()
{
	local name=$1
	shift
	TPL_LOG=$BED_TMP/$name.log
	bed_spawn "$name" "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" \
	    -log-level debug "$@"
	TPL_PID=$BED_PID
}

# tpl_register <id> <name> <port> [address] [extra JSON members]: an agent
# service on 127.0.0.1 (or address).
tpl_register()
{
	local id=$1 name=$2 port=$3 addr=${4:-127.0.0.1} extra=${5:-}
	bed_consul_api PUT /v1/agent/service/register "$(jq -cn \
	    --arg id "$id" --arg n "$name" --arg a "$addr" --argjson p "$port" \
	    '{ID: $id, Name: $n, Address: $a, Port: $p}' |
	    if [[ -n $extra ]]; then jq -c ". + $extra"; else cat; fi)" \
	    >/dev/null || bed_fail "cannot register $id"
}

# tpl_deregister <id>
tpl_deregister()
{
	bed_consul_api PUT "/v1/agent/service/deregister/$1" >/dev/null ||
	    bed_fail "cannot deregister $1"
}

# tpl_maintenance <id> <true|false>: service maintenance mode (critical).
tpl_maintenance()
{
	bed_consul_api PUT \
	    "/v1/agent/service/maintenance/$1?enable=$2&reason=test" \
	    >/dev/null || bed_fail "cannot set maintenance on $1"
}

# tpl_kv_put <key> <value>
tpl_kv_put()
{
	bed_consul_api PUT "/v1/kv/$1" "$2" >/dev/null ||
	    bed_fail "cannot put key $1"
}

# tpl_file_has <file> <extended-regex>: for bed_wait_until.
tpl_file_has()
{
	grep -Eq -- "$2" "$1" 2>/dev/null
}

# tpl_file_lacks <file> <extended-regex>: exists and no line matches.
tpl_file_lacks()
{
	[[ -f $1 ]] && ! grep -Eq -- "$2" "$1"
}

# tpl_log_has <extended-regex>: the daemon's log has a matching line.
tpl_log_has()
{
	grep -Eq -- "$1" "$TPL_LOG" 2>/dev/null
}

# tpl_mtime_ms <file>: modification time in milliseconds since the epoch.
tpl_mtime_ms()
{
	local t
	t=$(stat -c %.3Y "$1") || return 1
	printf '%s\n' "${t/./}"
}

# tpl_now_ms: wall clock in milliseconds (same clock as file mtimes).
tpl_now_ms()
{
	local t=${EPOCHREALTIME/./}
	printf '%s\n' "${t:0:-3}"
}

# tpl_curl_body <url>: the body of a GET, or fail.
tpl_curl_body()
{
	curl -sS --max-time 5 "$1"
}

# tpl_curl_status <url>: print the HTTP status code of a GET.
tpl_curl_status()
{
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1"
}

# tpl_curl_is <url> <body>: for bed_wait_until: the body is exactly that.
tpl_curl_is()
{
	[[ $(curl -sf --max-time 5 "$1") == "$2" ]]
}

# tpl_status_is <url> <code>: for bed_wait_until.
tpl_status_is()
{
	[[ $(tpl_curl_status "$1") == "$2" ]]
}

# tpl_metric <listen> <name>: the value of an unlabelled series.
tpl_metric()
{
	curl -sf --max-time 5 "http://$1/metrics" |
	    awk -v n="$2" '$1 == n { print $2; found = 1 } END { exit !found }'
}

# tpl_alive: the daemon is still running.
tpl_alive()
{
	bed_alive "$TPL_PID" || bed_fail "templater exited (see $TPL_LOG)"
}

# tpl_metric_ge <listen> <name> <n>: for bed_wait_until: the series is >= n.
tpl_metric_ge()
{
	local v
	v=$(tpl_metric "$1" "$2") || return 1
	awk -v v="$v" -v n="$3" 'BEGIN { exit !(v + 0 >= n + 0) }'
}

# tpl_curl_all <url> <body> <n>: for bed_wait_until: n requests in a row
# all answer exactly body (a reload has finished: no old worker answers).
tpl_curl_all()
{
	local i
	for ((i = 0; i < $3; i++)); do
		tpl_curl_is "$1" "$2" || return 1
	done
}
