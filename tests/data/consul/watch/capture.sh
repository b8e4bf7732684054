#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Captures the real Consul answers (*.http: status line, headers, body, as
# curl -i prints them, CRs removed) that tests/unit/test_watch.c feeds to
# watch.c's index rules, from a dev agent started by the test bed (the
# Consul v1.16.3 of tests/bed/consul-path.sh).  Two answers Consul 1.16
# cannot be made to give are derived from captured ones and say so in
# their name: an X-Consul-Index of 0 (Consul now clamps it to 1; older
# versions sent it) and an X-Consul-LastContact above -max-stale (a dev
# agent is always its own leader).  Re-capturing changes indexes and
# dates; the tests read the indexes from the files.
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
export SOURCE_DIR=${SOURCE_DIR:-$(cd "$OUT/../../../.." && pwd)}
BED_NAME=capture-consul-watch
. "$SOURCE_DIR/tests/bed/bed.sh"

# cap <file> <path>: one GET, saved.
cap()
{
	curl -si --max-time 40 "$BED_CONSUL_URL$2" | tr -d '\r' >"$OUT/$1"
}
# index <file>: the X-Consul-Index a capture carries.
index()
{
	sed -n 's/^X-Consul-Index: //Ip' "$OUT/$1"
}
web()
{
	bed_consul_api PUT /v1/agent/service/register \
	    "{\"ID\":\"web-1\",\"Name\":\"web\",\"Address\":\"127.0.0.1\",\"Port\":$1}"
}

bed_consul_start
web 8080
cap health-first.http '/v1/health/service/web?stale'
n=$(index health-first.http)
# The wait runs out with nothing new: the same index comes back.
cap health-timeout.http "/v1/health/service/web?stale&index=$n&wait=1s"
# Raise the raft index, so that the restarted agent's indexes are lower.
for i in $(seq 1 30); do
	bed_consul_api PUT "/v1/kv/templater/fill/$i" x >/dev/null
done
# A change wakes the blocking query up.
(sleep 1 && web 8081) &
changer=$!
cap health-changed.http "/v1/health/service/web?stale&index=$n&wait=30s"
wait "$changer"
bed_consul_api PUT /v1/kv/templater/key v1 >/dev/null
cap kv-found.http '/v1/kv/templater/key?stale'
cap kv-missing.http '/v1/kv/templater/missing?stale'
cap kv-unknown-dc.http '/v1/kv/templater/key?dc=nowhere'
cap bad-path.http '/v1/nosuch'
cap status-leader.http '/v1/status/leader'
m=$(index health-changed.http)

# A restarted dev agent starts its indexes over: the index goes backwards.
bed_consul_restart
web 8080
cap health-restarted.http "/v1/health/service/web?stale&index=$m&wait=1s"

sed 's/^X-Consul-Index: .*/X-Consul-Index: 0/I' "$OUT/kv-found.http" \
    >"$OUT/derived-kv-index0.http"
sed 's/^X-Consul-Lastcontact: .*/X-Consul-Lastcontact: 5000/I' \
    "$OUT/health-first.http" >"$OUT/derived-health-stale5s.http"
bed_pass "captured into $OUT"
