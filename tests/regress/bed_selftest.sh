#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bed_selftest: proves the test bed drives the real parts. A Consul dev
# agent starts on free loopback ports and loses a registered service on
# restart; the busybox image builds and serves HTTP from a labelled
# container that the cleanup removes while a container of another run
# survives; nginx and haproxy proxy to busybox httpd backends from configs in
# the temp dir and reload; waits fail with their deadline; a daemon dies with
# a test shell that was SIGKILLed.
set -euo pipefail
. "${SOURCE_DIR:-$(dirname "$0")/../..}/tests/bed/bed.sh"

# -- ports: distinct, reserved, and really free.
ports=$(bed_free_ports 4)
read -r -a p <<<"$ports"
bed_assert_eq 4 "$(printf '%s\n' "${p[@]}" | sort -u | wc -l)" "distinct ports"
for x in "${p[@]}"; do
	bed_assert_eq $$ "$(cat "$BED_PORTS_DIR/$x/owner")" "owner of port $x"
	[[ -z $(ss -Htuln "sport = :$x") ]] || bed_fail "port $x is in use"
done

# -- waits: a deadline that passes fails the test with a clear message.
start=$(_bed_now_ms)
if out=$(bed_wait_until 1 false 2>&1); then
	bed_fail "bed_wait_until 1 false succeeded"
fi
elapsed=$(($(_bed_now_ms) - start))
bed_assert_contains "$out" "timed out after 1s waiting for: false"
((elapsed >= 1000 && elapsed < 5000)) ||
    bed_fail "bed_wait_until 1 took ${elapsed} ms"
bed_assert_ok bed_poll_until 5 test -d "$BED_TMP"

# -- consul: a real dev agent, leader elected, service registered through
# the HTTP API is in the catalog; a restart on the same port loses it.
bed_consul_start
bed_assert_contains "$("$BED_CONSUL_BIN" version)" "Consul v1."
[[ -n $(ss -Huln "sport = :$BED_CONSUL_DNS_PORT") ]] ||
    bed_fail "consul DNS does not listen on udp $BED_CONSUL_DNS"
self=$(bed_consul_get /v1/agent/self)
bed_assert_jq_eq "$self" .Config.NodeName "$BED_CONSUL_NODE"
bed_consul_api PUT /v1/agent/service/register \
    '{"ID":"bedweb1","Name":"bedweb","Address":"127.0.0.1","Port":8080,"Tags":["t1"]}' >/dev/null
bed_wait_until 10 bed_consul_has_service bedweb
svc=$(bed_consul_get /v1/catalog/service/bedweb)
bed_assert_jq_eq "$svc" '.[0].ServicePort' 8080
bed_assert_jq_eq "$svc" '.[0].ServiceTags[0]' t1
bed_assert_eq bedweb "$(bed_consul catalog services | grep -x bedweb)" "consul CLI"
old_pid=$BED_CONSUL_PID
old_http=$BED_CONSUL_HTTP
bed_consul_restart
bed_assert_ne "$old_pid" "$BED_CONSUL_PID" "consul pid after restart"
bed_assert_eq "$old_http" "$BED_CONSUL_HTTP" "consul address after restart"
bed_alive "$old_pid" && bed_fail "old consul pid $old_pid still runs"
if bed_consul_has_service bedweb; then
	bed_fail "service bedweb survived a dev agent restart"
fi
bed_consul_stop
bed_assert_fails curl -sf --max-time 2 "$BED_CONSUL_URL/v1/status/leader"

# -- image and containers: labelled, reachable on loopback, seen by the
# Engine API over the unix socket; the cleanup removes exactly this run's.
bed_assert_eq registrator-test/busybox:1 "$(bed_image)"
id=$(bed_run_httpd -e HTTPD_BODY=from-container --label SERVICE_NAME=bedsvc)
hp=$(bed_container_port "$id" 80)
bed_wait_until 15 curl -sf --max-time 1 "http://127.0.0.1:$hp/health"
bed_assert_eq from-container "$(curl -sf "http://127.0.0.1:$hp/")"
inspect=$(bed_docker_api "/containers/$id/json")
bed_assert_jq_eq "$inspect" '.Config.Labels["registrator.test"]' 1
bed_assert_jq_eq "$inspect" '.Config.Labels["registrator.test.run"]' "$BED_RUN_ID"
bed_assert_jq_eq "$inspect" '.Config.Labels.SERVICE_NAME' bedsvc
bed_assert_jq_eq "$inspect" '.State.Running' true
bed_assert_eq "$(bed_run_fg "$BED_IMAGE" sh -c 'echo $((6 * 7))')" 42 "one-shot"
net=$(bed_network_create n1)
docker network inspect "$net" >/dev/null || bed_fail "network $net missing"
other_run=bed-selftest-other-$$
other=$(docker run -d --label registrator.test=1 \
    --label "registrator.test.run=$other_run" "$BED_IMAGE" sleep 300)
bed_on_exit "docker rm -f $other >/dev/null 2>&1"
bed_assert_eq "${id:0:12}" "$(bed_containers)" "this run's containers"
bed_cleanup
bed_assert_eq "" "$(bed_containers)" "containers after cleanup"
gone()
{
	! docker "$1" inspect "$2" >/dev/null 2>&1
}
bed_assert_ok gone container "$id"
bed_assert_ok gone network "$net"
bed_assert_eq true "$(docker inspect -f '{{.State.Running}}' "$other")" \
    "another run's container after cleanup"
docker rm -f "$other" >/dev/null

# -- nginx: proxies to a busybox httpd backend from a config in the temp
# dir, on a free port; a reload switches the upstream.
bed_httpd_start one "backend one"
one=$BED_HTTPD_PORT
one_dir=$BED_HTTPD_DIR
bed_httpd_start two "backend two"
two=$BED_HTTPD_PORT
bed_httpd_health "$one_dir" down
bed_assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$one/health")"
bed_httpd_health "$one_dir" up
bed_nginx_init
write_nginx()
{
	cat >"$BED_NGINX_HTTP_CONF" <<-EOF
	upstream app { server 127.0.0.1:$1; }
	server {
	    listen 127.0.0.1:$BED_NGINX_PORT;
	    location / { proxy_pass http://app; }
	}
	EOF
}
write_nginx "$one"
bed_nginx_start
bed_assert_eq "backend one" "$(curl -sf "http://127.0.0.1:$BED_NGINX_PORT/")"
write_nginx "$two"
bed_nginx_reload
bed_wait_until 10 bash -c \
    "[[ \$(curl -sf http://127.0.0.1:$BED_NGINX_PORT/) == 'backend two' ]]"
echo 'upstream broken {' >"$BED_NGINX_HTTP_CONF"
bed_assert_fails bed_nginx_test 2>/dev/null
bed_nginx_stop

# -- haproxy: -c passes on a good config, fails on a bad one; it proxies
# and reloads with SIGUSR2.
bed_haproxy_init
write_haproxy()
{
	cat >"$BED_HAPROXY_CFG" <<-EOF
	frontend fe
	    bind 127.0.0.1:$BED_HAPROXY_PORT
	    default_backend be
	backend be
	    server s1 127.0.0.1:$1
	EOF
}
write_haproxy "$one"
bed_assert_ok bed_haproxy_check >/dev/null
bed_haproxy_start
bed_assert_eq "backend one" "$(curl -sf "http://127.0.0.1:$BED_HAPROXY_PORT/")"
write_haproxy "$two"
bed_haproxy_reload
bed_wait_until 10 bash -c \
    "[[ \$(curl -sf http://127.0.0.1:$BED_HAPROXY_PORT/) == 'backend two' ]]"
echo 'backend be2' >>"$BED_HAPROXY_CFG"
echo '    server s2 127.0.0.1:notaport' >>"$BED_HAPROXY_CFG"
bed_assert_fails bed_haproxy_check >/dev/null 2>&1
bed_haproxy_stop

# -- a daemon spawned by a test shell that is SIGKILLed (its trap cannot
# run) gets SIGTERM through the parent-death signal: no orphan survives.
TMPDIR=$BED_TMP BED_NAME=victim bash -c '
	. "$1/tests/bed/bed.sh"
	bed_spawn sleeper sleep 300
	echo "$BED_PID" >"$2"
	exec sleep 300' _ "$BED_SOURCE_DIR" "$BED_TMP/victim.pid" &
victim=$!
bed_wait_until 10 test -s "$BED_TMP/victim.pid"
sleeper=$(cat "$BED_TMP/victim.pid")
bed_alive "$sleeper" || bed_fail "the victim's daemon did not start"
kill -KILL "$victim"
wait "$victim" 2>/dev/null || true
bed_wait_until 10 _bed_dead "$sleeper"

bed_pass
