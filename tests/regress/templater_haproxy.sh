#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# templater + real HAProxy (issue 5, "Done when" 2): backends rendered by
# templates/haproxy-backends.ctmpl, the candidate checked with `haproxy -c`
# next to the global and frontend files before it replaces the live file,
# the master-worker reloaded with SIGUSR2 through an argv-form command (no
# shell), and traffic through HAProxy reaches the busybox httpd backend.
# Removing an instance re-renders and reloads; with no passing instance the
# backend stays, empty, and answers 503.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
bed_httpd_start a backend-a
PORT_A=$BED_HTTPD_PORT
bed_httpd_start b backend-b
PORT_B=$BED_HTTPD_PORT

bed_haproxy_init
BACKENDS=$BED_HAPROXY_DIR/backends.cfg
cat >"$BED_HAPROXY_CFG" <<EOF
frontend fe
    bind 127.0.0.1:$BED_HAPROXY_PORT
    default_backend web
EOF
BED_HAPROXY_CMD="$BED_HAPROXY_CMD -f $BACKENDS"

# web_servers: print the server lines of backend web.
web_servers()
{
	awk '/^backend web$/ { f = 1; next } f && /^$/ { exit } f && /server/' \
	    "$BACKENDS"
}
# web_is_empty: backend web exists and has no server.
web_is_empty()
{
	grep -q '^backend web$' "$BACKENDS" && [[ -z $(web_servers) ]]
}

# The frontend names backend web: it must exist before HAProxy starts, so
# the first file comes from a one-shot run.
tpl_register web-1 web "$PORT_A"
bed_assert_ok "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once \
    -once-timeout 20s \
    -template "$TPL_TEMPLATES/haproxy-backends.ctmpl:$BACKENDS"
bed_assert_file_contains "$BACKENDS" "^backend web$"
bed_assert_file_contains "$BACKENDS" "server [A-Za-z0-9_.:-]+ 127\.0\.0\.1:$PORT_A check$"
bed_haproxy_start
bed_wait_until 20 tpl_curl_is "http://127.0.0.1:$BED_HAPROXY_PORT/" backend-a
bed_log "step 1: -once rendered the backends, haproxy serves backend-a"

# SIGUSR2 returns at once while HAProxy's master reloads on its own; a
# second signal during that reload is lost (two writes 150 ms apart left
# the old backends live).  Quiescence spaces the reloads, as a deployment
# beside HAProxy should (examples/haproxy/templater.ini).
cat >"$BED_TMP/templater.ini" <<EOF
[template haproxy]
source = $TPL_TEMPLATES/haproxy-backends.ctmpl
destination = $BACKENDS
check = haproxy -c -q -f $BED_HAPROXY_GLOBAL -f $BED_HAPROXY_CFG -f {}
command = ["kill", "-USR2", "$BED_HAPROXY_PID"]
wait = 1s:4s
EOF
tpl_start templater -config "$BED_TMP/templater.ini"

# Move the service to backend b: register b, remove a.
tpl_register web-2 web "$PORT_B"
tpl_deregister web-1
bed_wait_until 20 tpl_file_lacks "$BACKENDS" "127\.0\.0\.1:$PORT_A "
bed_assert_file_contains "$BACKENDS" "127\.0\.0\.1:$PORT_B check$"
bed_wait_until 20 tpl_curl_all "http://127.0.0.1:$BED_HAPROXY_PORT/" backend-b 6
for _ in 1 2 3 4 5; do
	bed_assert_eq backend-b "$(tpl_curl_body "http://127.0.0.1:$BED_HAPROXY_PORT/")" \
	    "traffic after the removal of web-1"
done
bed_log "step 2: instance replaced, haproxy -c, reload, traffic to backend-b"

# The last instance stops passing: the backend stays, empty, and answers
# 503; when it passes again traffic comes back.
tpl_maintenance web-2 true
bed_wait_until 20 web_is_empty
bed_wait_until 20 tpl_status_is "http://127.0.0.1:$BED_HAPROXY_PORT/" 503
tpl_maintenance web-2 false
bed_wait_until 20 tpl_curl_is "http://127.0.0.1:$BED_HAPROXY_PORT/" backend-b
bed_log "step 3: empty backend answers 503, passing again brings traffic back"

bed_assert_ok bed_haproxy_check
tpl_alive
bed_assert_fails tpl_log_has "rejected|restoring|failed"
bed_pass "haproxy -c before swap, USR2 reload via argv command, traffic follows Consul"
