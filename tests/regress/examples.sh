#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The shipped examples are valid: the compose file passes `docker-compose
# config`, the haproxy example passes `haproxy -c` with backends rendered
# by the shipped template's shape, and the nginx check script accepts a
# good candidate and rejects a broken one without touching /etc/nginx.
. "$SOURCE_DIR/tests/bed/bed.sh"

ex=$SOURCE_DIR/examples
compose=$(command -v docker-compose) || bed_fail "docker-compose is not installed"
for f in "$ex"/docker-compose.yml "$ex"/*/docker-compose.yml; do
	[[ -f $f ]] || continue
	out=$(DOCKER_GID=999 "$compose" -f "$f" config 2>&1) ||
	    bed_fail "docker-compose config $f: $out"
	bed_assert_contains "$out" "registrator" "services of $f"
done

cat >"$BED_TMP/backends.cfg" <<'CFG'
backend demo
    balance roundrobin
    server node1_demo 127.0.0.1:18081 check
CFG
out=$(haproxy -c -f "$ex/haproxy/haproxy.cfg" -f "$BED_TMP/backends.cfg" 2>&1) ||
    bed_fail "haproxy -c on examples/haproxy: $out"

# The check script works on a private copy: a good upstream passes, a
# broken one is refused with nginx's own message.
printf 'upstream demo {\n    server 127.0.0.1:18081;\n}\n' >"$BED_TMP/good.conf"
printf 'upstream demo {\n    server ;\n}\n' >"$BED_TMP/bad.conf"
before=$(ls -la --time-style=full-iso /etc/nginx /etc/nginx/conf.d)
sh "$ex/nginx/nginx-check.sh" "$BED_TMP/good.conf" \
    /etc/nginx/conf.d/upstreams.conf ||
    bed_fail "nginx-check.sh refused a valid upstream"
if out=$(sh "$ex/nginx/nginx-check.sh" "$BED_TMP/bad.conf" \
    /etc/nginx/conf.d/upstreams.conf 2>&1); then
	bed_fail "nginx-check.sh accepted a broken upstream"
fi
bed_assert_contains "$out" "invalid number of arguments" "nginx's refusal"
bed_assert_eq "$before" "$(ls -la --time-style=full-iso /etc/nginx /etc/nginx/conf.d)" \
    "/etc/nginx after the checks"
bed_pass
