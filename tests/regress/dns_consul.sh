#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# dns_consul: lib/dns.c against a real Consul agent's DNS interface. Two
# instances of "web" are registered (127.0.0.9:8080 tagged primary,
# 127.0.0.10:8081 tagged backup); the unit-test binary test_dns, given
# TEST_DNS_CONSUL, then asks the agent for web.service.consul A and SRV (the
# SRV targets' addresses must come from the additional section),
# primary.web.service.consul A, and an unknown service (NXDOMAIN); and
# "many" (5 instances) gets 3 A records over UDP (Consul's default
# udp_answer_limit) and all 5 over TCP.
set -euo pipefail
. "${SOURCE_DIR:-$(dirname "$0")/../..}/tests/bed/bed.sh"

bin=$BED_BUILD_DIR/tests/test_dns
[[ -x $bin ]] || bed_fail "$bin is not built"

bed_consul_start
bed_consul_api PUT /v1/agent/service/register \
    '{"ID":"web1","Name":"web","Address":"127.0.0.9","Port":8080,"Tags":["primary"]}' >/dev/null
bed_consul_api PUT /v1/agent/service/register \
    '{"ID":"web2","Name":"web","Address":"127.0.0.10","Port":8081,"Tags":["backup"]}' >/dev/null
for i in 1 2 3 4 5; do
	bed_consul_api PUT /v1/agent/service/register \
	    "{\"ID\":\"many$i\",\"Name\":\"many\",\"Address\":\"127.0.1.$i\",\"Port\":900$i}" >/dev/null
done
bed_wait_until 10 test "$(bed_consul_service_count web)" = 2
bed_wait_until 10 test "$(bed_consul_service_count many)" = 5

TEST_DNS_CONSUL=$BED_CONSUL_DNS "$bin" >"$BED_TMP/test_dns.out" 2>&1 ||
    { cat "$BED_TMP/test_dns.out" >&2; bed_fail "test_dns against consul failed"; }
out=$(cat "$BED_TMP/test_dns.out")
bed_assert_contains "$out" "consul lookups against $BED_CONSUL_DNS"
bed_assert_contains "$out" " 0 failed"
bed_pass "A, SRV with additional A, tag, NXDOMAIN, UDP limit vs TCP against consul"
