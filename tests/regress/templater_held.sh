#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 15, part 4: a user's own template with no guards at all (nginx
# upstreams straight from `service`) meets a poisoned entry (port 0, which
# nginx -t refuses) on real Consul and real nginx.  The poisoned entry
# comes in the same candidate as a move of the healthy service web, so
# the refused candidate holds two changed dependencies and the templater
# must sort them out with trial checks: alpha is held at its
# last good answer, web's move reaches the live file and nginx's traffic.
# While alpha is held, web moves again and flows; the log, /health and
# the metrics name alpha.  When the bad entry goes away, alpha flows again.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
bed_httpd_start a backend-a
PORT_A=$BED_HTTPD_PORT
bed_httpd_start b backend-b
PORT_B=$BED_HTTPD_PORT
bed_httpd_start side side
PORT_SIDE=$BED_HTTPD_PORT

bed_nginx_init
UP=$BED_NGINX_DIR/upstreams.conf
cat >"$BED_NGINX_HTTP_CONF" <<EOF
include $UP;
server {
    listen 127.0.0.1:$BED_NGINX_PORT;
    location /web/ { proxy_pass http://web/; }
    location /alpha/ { proxy_pass http://alpha/; }
}
EOF
printf 'upstream web { server 127.0.0.1:65535; }\nupstream alpha { server 127.0.0.1:65535; }\n' >"$UP"
bed_nginx_start
CHECK=$BED_TMP/nginx-check.sh
cat >"$CHECK" <<EOF
#!/bin/sh
set -e
sed "s|include $UP;|include \$1;|" "$BED_NGINX_HTTP_CONF" >"\$1.http.conf"
sed "s|include $BED_NGINX_HTTP_CONF;|include \$1.http.conf;|" \
    "$BED_NGINX_CONF" >"\$1.nginx.conf"
trap 'rm -f "\$1.http.conf" "\$1.nginx.conf"' EXIT
$BED_NGINX_CMD -q -t -c "\$1.nginx.conf"
EOF
chmod 755 "$CHECK"

# The user's template: no guard, no fallback, no name mapping.
cat >"$BED_TMP/user.ctmpl" <<'EOF'
upstream alpha {
{{- range service "alpha"}}
    server {{.Address}}:{{.Port}};
{{- end}}
}
upstream web {
{{- range service "web"}}
    server {{.Address}}:{{.Port}};
{{- end}}
}
EOF
LISTEN=127.0.0.1:$(bed_free_port)
cat >"$BED_TMP/templater.ini" <<EOF
[templater]
max_stale = 0s
listen = $LISTEN

[template nginx]
source = $BED_TMP/user.ctmpl
destination = $UP
check = ["$CHECK", "{{.}}"]
command = $BED_NGINX_CMD -s reload
wait = 1s:3s
EOF

# ng_servers <upstream>: the server lines of an upstream block in $UP.
ng_servers()
{
	awk -v h="upstream $1 {" '$0 == h { f = 1; next }
	    f && /^}/ { exit } f' "$UP"
}
web_is()
{
	[[ $(ng_servers web) == "    server 127.0.0.1:$1;" ]]
}
health_has()
{
	curl -sf --max-time 5 "http://$LISTEN/health" | grep -Eq -- "$1"
}
# held_metric <name>: the nginx template's series.
held_metric()
{
	curl -sf --max-time 5 "http://$LISTEN/metrics" |
	    awk -v n="$1{template=\"nginx\"}" '$1 == n { print $2 }'
}


tpl_register alpha-1 alpha "$PORT_SIDE"
tpl_register web-1 web "$PORT_A"
tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until 20 web_is "$PORT_A"
bed_wait_until 20 tpl_curl_all "http://127.0.0.1:$BED_NGINX_PORT/web/" backend-a 6
bed_assert_eq side "$(tpl_curl_body "http://127.0.0.1:$BED_NGINX_PORT/alpha/")" "alpha"
bed_assert_eq 0 "$(held_metric templater_held_dependencies)" "held before the poison"
bed_log "step 1: alpha and web rendered, traffic reaches backend-a"

# The poison and a move of web in one candidate: the templater is
# stopped while Consul takes both, so their answers wait in its sockets
# and land in one quiescence window when it goes on.
# consul_has <service> <jq condition on the passing instances>
consul_has()
{
	curl -sf --max-time 5 "$BED_CONSUL_URL/v1/health/service/$1?passing" |
	    jq -e "$2" >/dev/null
}
kill -STOP "$TPL_PID"
tpl_register alpha-bad alpha 0
tpl_register web-2 web "$PORT_B"
tpl_deregister web-1
bed_wait_until 10 consul_has alpha 'length == 2'
bed_wait_until 10 consul_has web '[.[].Service.ID] == ["web-2"]'
kill -CONT "$TPL_PID"
bed_wait_until 30 web_is "$PORT_B"
bed_wait_until 20 tpl_curl_all "http://127.0.0.1:$BED_NGINX_PORT/web/" backend-b 6
bed_assert_fails tpl_file_has "$UP" ':0;'
bed_assert_eq "    server 127.0.0.1:$PORT_SIDE;" "$(ng_servers alpha)" "alpha held"
bed_assert_eq side "$(tpl_curl_body "http://127.0.0.1:$BED_NGINX_PORT/alpha/")" "alpha while held"
bed_assert_ok tpl_log_has "holding health\.service\(alpha\|passing\) at the last good answer"
bed_assert_fails tpl_log_has "holding [^;]*health\.service\(web"
bed_assert_ok tpl_log_has "trial [0-9]+ passed"
bed_assert_ok health_has "^held nginx health\.service\(alpha\|passing\) since [0-9]+: "
bed_assert_eq 1 "$(held_metric templater_held_dependencies)" "held dependencies"
bed_log "step 2: alpha held, web's move reached nginx"

# While alpha is held, web moves again: it flows, alpha stays held.
tpl_register web-3 web "$PORT_A"
tpl_deregister web-2
bed_wait_until 30 web_is "$PORT_A"
bed_wait_until 20 tpl_curl_all "http://127.0.0.1:$BED_NGINX_PORT/web/" backend-a 6
bed_assert_ok health_has "^held nginx health\.service\(alpha\|passing\)"
bed_assert_eq 1 "$(grep -c "holding health.service(alpha|passing)" "$TPL_LOG")" \
    "episodes (log lines holding alpha)"
bed_log "step 3: web moved again while alpha is held"

# The bad entry goes away: alpha flows again.
tpl_register alpha-2 alpha "$PORT_B"
tpl_deregister alpha-bad
bed_wait_until 30 tpl_file_has "$UP" "server 127\.0\.0\.1:$PORT_B;"
bed_wait_until 20 tpl_log_has "health\.service\(alpha\|passing\) flows again"
bed_assert_fails health_has "^held "
bed_assert_eq 0 "$(held_metric templater_held_dependencies)" "held after the release"
bed_assert_ok bed_nginx_test
tpl_alive
rc=0
bed_stop "$TPL_PID" 20 || rc=$?
bed_assert_eq 0 "$rc" "templater exit status"
bed_assert_fails grep -qE 'Sanitizer|runtime error' "$TPL_LOG"
bed_pass "poisoned alpha held, web flowed through nginx, alpha released"
