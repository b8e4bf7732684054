#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 4: Traefik health-check labels on a busybox httpd container
# become a Consul HTTP check on the published address with the right URL,
# interval, timeout and Host header; it passes while /health is served and
# goes critical once the file is removed.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
reg_start

t=traefik.http.services.api.loadbalancer
n1=$(reg_name traefik)
id1=$(bed_run --name "$n1" -p 127.0.0.1::80 -e SERVICE_NAME=checked \
    --label "$t.healthcheck.path=/health" \
    --label "$t.healthcheck.interval=1s" \
    --label "$t.healthcheck.timeout=900ms" \
    --label "$t.healthcheck.hostname=api.example.test" \
    "$REG_IMAGE" bed-httpd)
port1=$(bed_container_port "$id1" 80)
sid="$REG_HOST:$n1:80"

bed_wait_until 20 reg_has checked 1

# _check: this service's HTTP check as the agent holds it.
_check()
{
	bed_consul_get /v1/agent/checks |
	    jq -e --arg s "$sid" '[.[] | select(.ServiceID == $s and .Type == "http")] |
	        if length == 1 then .[0] else error("no single check") end'
}
bed_wait_until 10 _check
chk=$(_check)
# The agent reports interval and timeout; the URL shows in the output.
bed_assert_jq_eq "$chk" '.Interval' "1s" "check interval"
bed_assert_jq_eq "$chk" '.Timeout' "900ms" "check timeout"
_probed()
{
	_check | jq -e --arg u "HTTP GET http://127.0.0.1:$port1/health:" \
	    '.Output | startswith($u)'
}
bed_wait_until 20 _probed

_status()
{
	local c
	c=$(_check) || return 1
	[[ $(jq -r .Status <<<"$c") == "$1" ]]
}
bed_wait_until 20 _status passing

# The container stops serving /health: the check must go critical.
docker exec "$id1" rm /www/health || bed_fail "could not remove /www/health"
bed_wait_until 20 _status critical

# And the catalog reflects it as a user would query it, once the agent has
# synced the change (asynchronously: read at once, it can still say
# passing).
_catalog_critical()
{
	bed_consul_get "/v1/health/service/checked" | jq -e --arg s "$sid" \
	    'any(.[]; .Service.ID == $s and any(.Checks[]; .Status == "critical"))' \
	    >/dev/null
}
bed_wait_until 10 _catalog_critical

# The Host header, as the probed container sees it (a CGI script records
# HTTP_HOST).
n2=$(reg_name hostheader)
cgi='mkdir -p /www/cgi-bin
printf "#!/bin/sh\necho \"\$HTTP_HOST\" >>/tmp/hosts\nprintf \"Content-Type: text/plain\\r\\n\\r\\nok\\n\"\n" >/www/cgi-bin/probe
chmod 755 /www/cgi-bin/probe
exec bed-httpd'
id2=$(bed_run --name "$n2" -p 127.0.0.1::80 -e SERVICE_NAME=hosted \
    --label "$t.healthcheck.path=/cgi-bin/probe" \
    --label "$t.healthcheck.interval=1s" \
    --label "$t.healthcheck.hostname=api.example.test" \
    "$REG_IMAGE" sh -c "$cgi")
_host_seen()
{
	docker exec "$id2" cat /tmp/hosts 2>/dev/null | grep -qx api.example.test
}
bed_wait_until 20 _host_seen

bed_pass
