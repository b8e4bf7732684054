#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 15, part 4, with haproxy: a user's own backends template with no
# guards (servers named by instance ID) meets an entry haproxy -c refuses:
# a second instance of service alpha, on another catalog node, with the
# same ID, so two servers of one backend share a name.  Real Consul, real
# HAProxy in master-worker mode reloaded through its master CLI
# (examples/haproxy/haproxy-reload.sh).  alpha is held at its last good
# answer, web's moves reach the file and haproxy's traffic, /health names
# alpha; when the duplicate goes away, alpha flows again.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
bed_httpd_start a backend-a
PORT_A=$BED_HTTPD_PORT
bed_httpd_start b backend-b
PORT_B=$BED_HTTPD_PORT
bed_httpd_start side side
PORT_SIDE=$BED_HTTPD_PORT

bed_haproxy_init
BACKENDS=$BED_HAPROXY_DIR/backends.cfg
MASTER_SOCK=$BED_HAPROXY_MASTER_SOCK
cat >"$BED_HAPROXY_CFG" <<EOF
frontend fe
    bind 127.0.0.1:$BED_HAPROXY_PORT
    default_backend web
EOF
printf 'backend web\nbackend alpha\n' >"$BACKENDS"
BED_HAPROXY_CMD="$BED_HAPROXY_CMD -f $BACKENDS"
bed_haproxy_start

cat >"$BED_TMP/user.ctmpl" <<'EOF'
backend alpha
{{- range service "alpha"}}
    server {{.ID}} {{.Address}}:{{.Port}}
{{- end}}
backend web
{{- range service "web"}}
    server {{.ID}} {{.Address}}:{{.Port}}
{{- end}}
EOF
LISTEN=127.0.0.1:$(bed_free_port)
cat >"$BED_TMP/templater.ini" <<EOF
[templater]
max_stale = 0s
listen = $LISTEN

[template haproxy]
source = $BED_TMP/user.ctmpl
destination = $BACKENDS
check = haproxy -c -f $BED_HAPROXY_GLOBAL -f $BED_HAPROXY_CFG -f {}
command = ["$SOURCE_DIR/examples/haproxy/haproxy-reload.sh", "$MASTER_SOCK"]
EOF

# cat_register <node> <service JSON>: a catalog entry on a node of its own.
cat_register()
{
	bed_consul_api PUT /v1/catalog/register "$(jq -cn --arg n "$1" \
	    --argjson s "$2" '{Node: $n, Address: "127.0.0.1", Service: $s}')" \
	    >/dev/null || bed_fail "cannot register node $1"
}
cat_deregister()
{
	bed_consul_api PUT /v1/catalog/deregister "$(jq -cn --arg n "$1" \
	    '{Node: $n}')" >/dev/null || bed_fail "cannot deregister node $1"
}
svc()
{
	jq -cn --arg id "$1" --arg n "$2" --argjson p "$3" \
	    '{ID: $id, Service: $n, Address: "127.0.0.1", Port: $p}'
}
web_is()
{
	grep -Eq "^    server web-[0-9]+ 127\.0\.0\.1:$1\$" "$BACKENDS" &&
	    [[ $(grep -c "^    server web-" "$BACKENDS") == 1 ]]
}
health_has()
{
	curl -sf --max-time 5 "http://$LISTEN/health" | grep -Eq -- "$1"
}
URL=http://127.0.0.1:$BED_HAPROXY_PORT/

cat_register n-alpha "$(svc alpha-1 alpha "$PORT_SIDE")"
cat_register n-web1 "$(svc web-1 web "$PORT_A")"
tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until 30 web_is "$PORT_A"
bed_wait_until 30 tpl_curl_all "$URL" backend-a 6
bed_log "step 1: web on backend-a through haproxy"

# The duplicate server name in backend alpha; then web moves.
cat_register n-alpha-dup "$(svc alpha-1 alpha "$PORT_B")"
bed_wait_until 30 tpl_log_has "holding health\.service\(alpha\|passing\) at the last good answer"
cat_register n-web2 "$(svc web-2 web "$PORT_B")"
cat_deregister n-web1
bed_wait_until 30 web_is "$PORT_B"
bed_wait_until 30 tpl_curl_all "$URL" backend-b 6
bed_assert_eq 1 "$(grep -c '^    server alpha-1 ' "$BACKENDS")" "alpha servers while held"
bed_assert_ok health_has "^held haproxy health\.service\(alpha\|passing\) since [0-9]+: "
bed_assert_ok tpl_log_has "rejected the new content"
bed_log "step 2: alpha held, web moved through haproxy"

cat_deregister n-alpha-dup
bed_wait_until 30 tpl_log_has "health\.service\(alpha\|passing\) flows again"
bed_assert_fails health_has "^held "
bed_assert_ok bed_haproxy_check
tpl_alive
rc=0
bed_stop "$TPL_PID" 20 || rc=$?
bed_assert_eq 0 "$rc" "templater exit status"
bed_assert_fails grep -qE 'Sanitizer|runtime error' "$TPL_LOG"
bed_pass "duplicate haproxy server held, web flowed through haproxy, alpha released"
