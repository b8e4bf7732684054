#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# templater + real nginx (issue 5, "Done when" 1): a service registered in
# Consul appears in the upstreams rendered by templates/nginx-upstreams.ctmpl,
# the candidate passes `nginx -t` (run by the check against the full config
# with the candidate in place) BEFORE it replaces the live file, nginx is
# reloaded and curl through nginx reaches the busybox httpd backend.
# Removing an instance re-renders and reloads; with no passing instance the
# upstream falls back to the 502 server.  Hostile names and addresses
# registered in Consul never reach the file.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
bed_httpd_start a backend-a
PORT_A=$BED_HTTPD_PORT
bed_httpd_start b backend-b
PORT_B=$BED_HTTPD_PORT

bed_nginx_init
UP=$BED_NGINX_DIR/upstreams.conf
cat >"$BED_NGINX_HTTP_CONF" <<EOF
include $UP;
server {
    listen 127.0.0.1:$BED_NGINX_PORT;
    location /web/ { proxy_pass http://web/; }
}
EOF
# nginx refuses proxy_pass to an upstream that does not exist: start with a
# placeholder web upstream that templater will replace.
printf 'upstream web { server 127.0.0.1:65535; }\n' >"$UP"
bed_nginx_start

# check: the whole configuration, with the candidate included instead of the
# live upstreams file.
CHECK=$(bed_nginx_check_script "$UP")
cat >"$BED_TMP/templater.ini" <<EOF
[templater]
max_stale = 0s

[template nginx]
source = $TPL_TEMPLATES/nginx-upstreams.ctmpl
destination = $UP
check = ["$CHECK", "{{.}}"]
command = $BED_NGINX_CMD -s reload
EOF

tpl_register web-1 web "$PORT_A"
tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until 20 tpl_file_has "$UP" "server 127\.0\.0\.1:$PORT_A;"
bed_assert_ok bed_nginx_test
bed_wait_until 20 tpl_curl_is "http://127.0.0.1:$BED_NGINX_PORT/web/" backend-a
bed_log "step 1: web-1 rendered, nginx reloaded, traffic reaches backend-a"

# A second instance: both servers, both backends answer in turn.
tpl_register web-2 web "$PORT_B"
bed_wait_until 20 tpl_file_has "$UP" "server 127\.0\.0\.1:$PORT_B;"
bed_wait_until 20 tpl_curl_is "http://127.0.0.1:$BED_NGINX_PORT/web/" backend-b
bed_log "step 2: web-2 added"

# Removing web-1 re-renders and reloads: only backend-b is left.
tpl_deregister web-1
bed_wait_until 20 tpl_file_lacks "$UP" "server 127\.0\.0\.1:$PORT_A;"
bed_assert_file_contains "$UP" "server 127\.0\.0\.1:$PORT_B;"
# Once reloaded, every request goes to backend-b.
bed_wait_until 20 tpl_curl_all "http://127.0.0.1:$BED_NGINX_PORT/web/" \
    backend-b 6
body_a=0
for _ in 1 2 3 4 5 6; do
	[[ $(tpl_curl_body "http://127.0.0.1:$BED_NGINX_PORT/web/") == backend-a ]] &&
	    body_a=$((body_a + 1))
done
bed_assert_eq 0 "$body_a" "requests reaching the removed backend-a"
bed_log "step 3: web-1 removed"

# No passing instance left: the upstream falls back to the 502 server.
tpl_maintenance web-2 true
bed_wait_until 20 tpl_file_has "$UP" "server 127\.0\.0\.1:65535; # force a 502"
bed_wait_until 20 tpl_status_is "http://127.0.0.1:$BED_NGINX_PORT/web/" 502
tpl_maintenance web-2 false
bed_wait_until 20 tpl_curl_is "http://127.0.0.1:$BED_NGINX_PORT/web/" backend-b
bed_log "step 4: 502 fallback and back"

# Hostile registrations: a service name that would close the upstream and
# open new directives, an address that would add a server.
# The marker service is registered only once the templater has read web's
# instances with web-evil among them, so the file that shows the marker
# was rendered from them: web-evil is left out, not merely not seen yet.
tpl_register evil-1 'x { } server { listen 6666; } upstream y' "$PORT_A"
tpl_register web-evil web "$PORT_A" '127.0.0.1:1; server 10.6.6.6'
index=$(curl -sSf -D - -o /dev/null --max-time 10 \
    "$BED_CONSUL_URL/v1/health/service/web?passing" |
    sed -n 's/^X-Consul-Index: \([0-9]*\).*/\1/p')
[[ -n $index ]] || bed_fail "no X-Consul-Index for service web"
# seen_web: the templater logged an answer for web at that index or later.
seen_web()
{
	awk -v d="consul: health.service(web|passing) changed (index " \
	    -v n="$index" '
	    { i = index($0, d) }
	    i { v = substr($0, i + length(d)); sub(/\).*/, "", v)
		if (v + 0 >= n + 0) ok = 1 }
	    END { exit !ok }' "$TPL_LOG"
}
bed_wait_until 20 seen_web
tpl_register marker marker "$PORT_B"
bed_wait_until 20 tpl_file_has "$UP" "^upstream marker \{"
bed_assert_file_contains "$UP" "^# skipped service with an unsafe name: x_____server___listen_6666____upstream_y$"
tpl_file_lacks "$UP" "listen 6666|10\.6\.6\.6|127\.0\.0\.1:1;" ||
    bed_fail "hostile Consul data reached $UP: $(cat "$UP")"
bed_assert_ok bed_nginx_test
bed_assert_eq backend-b "$(tpl_curl_body "http://127.0.0.1:$BED_NGINX_PORT/web/")" \
    "traffic after hostile registrations"
bed_log "step 5: hostile names and addresses kept out"

# Every write went through the check and a reload; nothing failed.
tpl_alive
bed_assert_fails tpl_log_has "rejected|restoring|failed"
bed_pass "render, nginx -t, reload, traffic, removal, 502 fallback, no injection"
