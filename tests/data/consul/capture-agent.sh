#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Captures the real answers of GET /v1/agent/services (agent-services-*.json)
# used by the unit tests of reconcile_plan.c and agent.c, from the Consul
# dev agent of the test bed (tests/bed/consul-path.sh: v1.16.3), and the
# inspect answers of the containers behind them (inspect-*.json), so that
# the tests derive the very services, hashes included, that the agent
# holds.  Needs the built registrator (BUILD_DIR, default build/), Docker
# and the bed's busybox image; every container is labelled and removed on
# exit.  Re-capturing changes container IDs; the tests read them from the
# files.
#
#   agent-services-empty.json      a fresh agent
#   agent-services.json            web and api registered by the
#                                  registrator (-once -hostname fixture-host
#                                  -ip 192.0.2.10), web in maintenance; a
#                                  ghost (ours, container removed); foreign
#                                  services: db (no meta), another host's,
#                                  and gliderlabs-style IDs without meta,
#                                  one of a gone container, one of api's
#                                  (another port)
#   agent-services-restarted.json  the same agent after a restart (dev mode
#                                  keeps nothing)
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
SOURCE_DIR=${SOURCE_DIR:-$(cd "$OUT/../../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}
BED_NAME=capture-agent
. "$SOURCE_DIR/tests/bed/bed.sh"

HOST=fixture-host
IP=192.0.2.10
REG=$BUILD_DIR/registrator/registrator
[[ -x $REG ]] || bed_fail "build the registrator first ($REG)"

# json <file>: the answer on stdin, indented, keys in Consul's order.
json()
{
	python3 -m json.tool --indent 1 >"$OUT/$1"
}

bed_consul_start
img=$(bed_image)
bed_consul_get /v1/agent/services | json agent-services-empty.json

web=$(bed_run --name consul-fx-web -p 127.0.0.1:38080:80 \
    -e SERVICE_NAME=web -e SERVICE_TAGS=b,a "$img" bed-httpd)
api=$(bed_run --name consul-fx-api -p 127.0.0.1:38081:80 \
    --label SERVICE_NAME=api --label SERVICE_CHECK_HTTP=/health \
    --label SERVICE_REGION=eu1 "$img" bed-httpd)
ghost=$(bed_run --name consul-fx-ghost -p 127.0.0.1:38082:80 \
    -e SERVICE_NAME=ghost "$img" bed-httpd)
"$REG" -once -hostname "$HOST" -ip "$IP" "consul://$BED_CONSUL_HTTP" \
    >"$BED_TMP/registrator.log" 2>&1 ||
    bed_fail "registrator -once failed: $(tail -5 "$BED_TMP/registrator.log")"
for c in web api ghost; do
	bed_consul_has_service "$c" || bed_fail "$c was not registered"
done
# The ghost: registered by us, its container gone (-once left it there).
docker rm -f "$ghost" >/dev/null

# Foreign services: never ours to touch, --cleanup or not.
bed_consul_api PUT /v1/agent/service/register \
    '{"ID":"db","Name":"db","Port":5432,"Tags":["primary"]}' >/dev/null
bed_consul_api PUT /v1/agent/service/register \
    '{"ID":"other-host:web:80","Name":"web","Address":"192.0.2.20","Port":8080,"Meta":{"registrator-host":"other-host","registrator-container":"0123456789abcdef","registrator-hash":"0000000000000000"}}' \
    >/dev/null
# gliderlabs' leftovers: only --cleanup removes them, and only when no
# container of that name runs.
bed_consul_api PUT /v1/agent/service/register \
    "{\"ID\":\"$HOST:old-web:80\",\"Name\":\"old-web\",\"Port\":38090}" >/dev/null
bed_consul_api PUT /v1/agent/service/register \
    "{\"ID\":\"$HOST:consul-fx-api:8080\",\"Name\":\"api\",\"Port\":38091}" \
    >/dev/null
# Maintenance adds a check; the service list does not change.
bed_consul_api PUT \
    "/v1/agent/service/maintenance/$HOST:consul-fx-web:80?enable=true&reason=fixture" \
    >/dev/null
bed_consul_get /v1/agent/services | json agent-services.json

for c in web api; do
	bed_docker_api "/containers/consul-fx-$c/json" | json "inspect-$c.json"
done

bed_consul_restart
bed_consul_get /v1/agent/services | json agent-services-restarted.json
bed_log "captured into $OUT (web ${web:0:12}, api ${api:0:12})"
bed_pass
