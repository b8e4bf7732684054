#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# smoke_consul: the bed's Consul agent is real, and the project's own HTTP
# stack (lib/http.c on lib/loop.c, driven by tests/tools/httpc) talks to
# it: a service registered with PUT /v1/agent/service/register appears in
# /v1/catalog/service/<name>; a blocking query held open by our client
# returns as soon as a second instance registers, with a higher
# X-Consul-Index; a deregistration (PUT with no body) removes it; 30
# parallel requests under a cap of 4 connections are all answered and never
# hold more than 4 open.
set -euo pipefail
. "${SOURCE_DIR:-$(dirname "$0")/../..}/tests/bed/bed.sh"

HTTPC=$BED_BUILD_DIR/tests/httpc
[[ -x $HTTPC ]] || bed_fail "$HTTPC is not built"
bed_consul_start
url=$BED_CONSUL_URL

reg()
{
	"$HTTPC" -f -X PUT -H 'Content-Type: application/json' -d "$1" \
	    "$url/v1/agent/service/register"
}

reg '{"ID":"smokeweb1","Name":"smokeweb","Address":"127.0.0.1","Port":8081,"Tags":["a","b"]}'
bed_wait_until 10 bed_consul_has_service smokeweb
js=$("$HTTPC" -f "$url/v1/catalog/service/smokeweb")
bed_assert_jq_eq "$js" length 1 "instances"
bed_assert_jq_eq "$js" '.[0].ServiceID' smokeweb1
bed_assert_jq_eq "$js" '.[0].ServicePort' 8081
bed_assert_jq_eq "$js" '.[0].ServiceTags | join(",")' a,b
# The same answer as curl sees it: our client is not the only witness.
bed_assert_jq_eq "$(bed_consul_get /v1/catalog/service/smokeweb)" \
    '.[0].ServicePort' 8081 "port seen by curl"

# A blocking query: held open until the catalog changes.
hdr=$("$HTTPC" -i -f "$url/v1/catalog/service/smokeweb")
index=$(sed -n 's/^X-Consul-Index: //p' <<<"$hdr")
[[ $index =~ ^[0-9]+$ ]] || bed_fail "no X-Consul-Index in: $hdr"
start=$(_bed_now_ms)
"$HTTPC" -i -f --max-time 30 \
    "$url/v1/catalog/service/smokeweb?index=$index&wait=20s" \
    >"$BED_TMP/blocking" &
blocker=$!
# Nothing changed yet, so it cannot have returned.
kill -0 "$blocker" 2>/dev/null || bed_fail "blocking query returned early"
reg '{"ID":"smokeweb2","Name":"smokeweb","Address":"127.0.0.1","Port":8082}'
wait "$blocker" || bed_fail "blocking query failed: $(cat "$BED_TMP/blocking")"
elapsed=$(($(_bed_now_ms) - start))
# Well before its 20 s wait: it returned because of the change.
((elapsed < 15000)) || bed_fail "blocking query took ${elapsed} ms"
new=$(sed -n 's/^X-Consul-Index: //p' "$BED_TMP/blocking")
((new > index)) || bed_fail "X-Consul-Index did not grow: $index -> $new"
body=$(sed '1,/^$/d' "$BED_TMP/blocking")
bed_assert_jq_eq "$body" length 2 "instances after the change"

# Deregister: a PUT with no body.
"$HTTPC" -f -X PUT "$url/v1/agent/service/deregister/smokeweb1" >/dev/null
bed_wait_until 10 test "$(bed_consul_service_count smokeweb)" = 1
bed_assert_jq_eq "$("$HTTPC" -f "$url/v1/catalog/service/smokeweb")" \
    '.[0].ServiceID' smokeweb2

# 30 requests at once under a cap of 4 connections: all answered, and the
# most sockets open at any time was at most 4.  The cap is a maximum: how
# many of the 4 libcurl opens before the first answers let it reuse one is
# the scheduler's choice, not ours.
out=$("$HTTPC" -n 30 --max-conns 4 "$url/v1/agent/services" 2>"$BED_TMP/conns")
bed_assert_eq 30 "$(grep -c '^200 ' <<<"$out")" "answers with 200"
conns=$(sed -n 's/^connections: \([0-9][0-9]*\)$/\1/p' "$BED_TMP/conns")
[[ -n $conns ]] || bed_fail "httpc printed no connection count: $(cat "$BED_TMP/conns")"
((conns >= 1 && conns <= 4)) ||
    bed_fail "connection cap: $conns connections open at once, cap 4"

bed_pass
