#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 10: -dry-run prints one JSON registration per line and writes
# nothing; -once reconciles once and exits 0 (non-zero when Consul is
# unreachable); `registrator dns-check` finds the services over DNS (A,
# SRV and tag SRV) and fails when DNS does not answer.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
n1=$(reg_name dns)
id1=$(bed_run --name "$n1" -p 127.0.0.1::80 -e SERVICE_NAME=dnsweb \
    -e SERVICE_TAGS=primary,v2 "$REG_IMAGE" bed-httpd)
port1=$(bed_container_port "$id1" 80)

# -dry-run: JSON lines on stdout, nothing in Consul.
out=$("$REG_BIN" -dry-run "consul://$BED_CONSUL_HTTP" 2>"$BED_TMP/dry.err") ||
    bed_fail "-dry-run exited $?: $(tail -5 "$BED_TMP/dry.err")"
line=$(grep -F "\"$REG_HOST:$n1:80\"" <<<"$out") ||
    bed_fail "-dry-run did not print $n1: ${out:0:2000}"
bed_assert_jq_eq "$line" '.Name' dnsweb "dry-run Name"
bed_assert_jq_eq "$line" '.Port' "$port1" "dry-run Port"
bed_assert_jq_eq "$line" '.Tags | join(",")' "primary,v2" "dry-run Tags"
while IFS= read -r l; do
	jq -e . <<<"$l" >/dev/null 2>&1 || bed_fail "not a JSON line: $l"
done <<<"$out"
bed_assert_eq 0 "$(reg_count dnsweb)" "services after -dry-run"

# -once: registers, exits 0.
"$REG_BIN" -once "consul://$BED_CONSUL_HTTP" 2>"$BED_TMP/once.err" ||
    bed_fail "-once exited $?: $(tail -5 "$BED_TMP/once.err")"
bed_assert_eq 1 "$(reg_count dnsweb)" "services after -once"
bed_assert_jq_eq "$(reg_catalog dnsweb)" '.[0].ServicePort' "$port1" \
    "port after -once"

# dns-check over SRV (and A, and the tag form).
out=$("$REG_BIN" -dns "$BED_CONSUL_DNS" dns-check \
    "consul://$BED_CONSUL_HTTP" 2>"$BED_TMP/dns.err") ||
    bed_fail "dns-check exited $?: ${out:0:3000} $(tail -5 "$BED_TMP/dns.err")"
bed_assert_contains "$out" "ok       SRV dnsweb.service.consul -> 127.0.0.1:$port1" \
    "dns-check SRV"
bed_assert_contains "$out" "ok       SRV primary.dnsweb.service.consul" \
    "dns-check tag SRV"
bed_assert_contains "$out" "ok       A   dnsweb.service.consul -> 127.0.0.1" \
    "dns-check A"

# dns-check against a port where no DNS server answers: mismatches, exit 1.
dead=$(bed_free_port)
bed_assert_fails "$REG_BIN" -dns "127.0.0.1:$dead" dns-check \
    "consul://$BED_CONSUL_HTTP"

# -once after the container stopped: deregisters, exits 0.
docker stop -t 1 "$id1" >/dev/null
"$REG_BIN" -once "consul://$BED_CONSUL_HTTP" 2>>"$BED_TMP/once.err" ||
    bed_fail "second -once exited $?"
bed_assert_eq 0 "$(reg_count dnsweb)" "services after the second -once"

# -once with no agent listening: non-zero.
bed_assert_fails "$REG_BIN" -once -retry-attempts 0 "consul://127.0.0.1:$dead"

bed_pass
