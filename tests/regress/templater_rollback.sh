#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# templater's safety net with real nginx (issue 5, "Done when" 4): a
# candidate that `nginx -t` rejects never replaces the live file (same
# bytes, same mtime, nginx keeps serving the old content); a reload command
# that fails gets the previous file back and is run again; the daemon keeps
# running, goes on rendering later changes, and counts both failures in
# /metrics.  A second template with refuse_empty keeps its last file when
# its service loses every passing instance.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
bed_nginx_init
SITE=$BED_NGINX_DIR/site.conf
printf 'include %s;\n' "$SITE" >"$BED_NGINX_HTTP_CONF"
cat >"$SITE" <<EOF
server { listen 127.0.0.1:$BED_NGINX_PORT; location / { return 200 "boot\n"; } }
EOF
bed_nginx_start
URL=http://127.0.0.1:$BED_NGINX_PORT/

cat >"$BED_TMP/site.ctmpl" <<EOF
server {
    listen 127.0.0.1:$BED_NGINX_PORT;
    {{ key "site/directive" }}
    location / { return 200 "{{ key "site/body" }}\n"; }
}
EOF
CHECK=$(bed_nginx_check_script "$SITE")
# The reload command fails when the new site says "reload-breaks" (as a
# reload that fails for reasons nginx -t cannot see would).
RELOAD=$BED_TMP/reload.sh
cat >"$RELOAD" <<EOF
#!/bin/sh
if grep -q reload-breaks "$SITE"; then
	echo "simulated reload failure" >&2
	exit 3
fi
exec $BED_NGINX_CMD -s reload
EOF
chmod 755 "$CHECK" "$RELOAD"
LISTEN=127.0.0.1:$(bed_free_port)
cat >"$BED_TMP/templater.ini" <<EOF
[templater]
listen = $LISTEN

[template site]
source = $BED_TMP/site.ctmpl
destination = $SITE
check = $CHECK {{.}}
command = ["$RELOAD"]
command_timeout = 10s

[template guarded]
source = $TPL_TEMPLATES/nginx-upstreams.ctmpl
destination = $BED_TMP/guarded.conf
refuse_empty = true
EOF
GUARDED=$BED_TMP/guarded.conf
tpl_register guarded-1 guarded 18080

tpl_kv_put site/directive 'add_header X-Step one;'
tpl_kv_put site/body v1
tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until 20 tpl_curl_is "$URL" v1
bed_log "step 1: v1 live"

# A candidate nginx -t rejects never reaches the live file: the key that
# makes it fail is held at its last good answer (held dependencies), and
# the other key's change is written.
tpl_kv_put site/directive 'bogus_directive on;'
tpl_kv_put site/body v2
bed_wait_until 20 tpl_log_has "check .* rejected the new content"
bed_wait_until 20 tpl_metric_ge "$LISTEN" templater_check_failures_total 1
bed_wait_until 20 tpl_curl_is "$URL" v2
bed_assert_ok tpl_log_has "holding kv\.block\(site/directive\) at the last good answer"
bed_assert_fails tpl_file_has "$SITE" bogus_directive
bed_assert_ok tpl_file_has "$SITE" "X-Step one"
bed_assert_ok tpl_log_has "unknown directive .*bogus_directive"
tpl_alive
bed_log "step 2: rejected key held, the rest written"

# Valid again: written and reloaded.
tpl_kv_put site/directive 'add_header X-Step three;'
tpl_kv_put site/body v3
bed_wait_until 20 tpl_curl_is "$URL" v3
bed_assert_ok tpl_file_has "$SITE" "X-Step three"
bed_assert_ok tpl_log_has "kv\.block\(site/directive\) flows again"
cp "$SITE" "$BED_TMP/site.v3"
bed_log "step 3: v3 live"

# The reload command fails: the previous file comes back, the command runs
# again on it, nginx still serves v3.
tpl_kv_put site/body reload-breaks
bed_wait_until 20 tpl_log_has "previous .*site.conf is live again"
bed_assert_ok cmp -s "$BED_TMP/site.v3" "$SITE"
bed_assert_eq v3 "$(tpl_curl_body "$URL")" "nginx after the failed reload"
bed_assert_ok tpl_log_has "simulated reload failure"
bed_assert_eq 1 "$(tpl_metric "$LISTEN" templater_command_failures_total)" \
    "command failures"
tpl_alive
bed_log "step 4: failed reload rolled back"

# refuse_empty: the guarded service loses its only passing instance; the
# last good file stays (no 502 fallback written), and comes back to life
# with a new instance.
bed_wait_until 20 tpl_file_has "$GUARDED" "server 127\.0\.0\.1:18080;"
cp "$GUARDED" "$BED_TMP/guarded.before"
tpl_maintenance guarded-1 true
bed_wait_until 20 tpl_log_has "health.service\(guarded\|passing\) has no instance; keeping .*guarded.conf \(refuse_empty\)"
bed_assert_ok cmp -s "$BED_TMP/guarded.before" "$GUARDED"
tpl_register guarded-2 guarded 18081
bed_wait_until 20 tpl_file_has "$GUARDED" "server 127\.0\.0\.1:18081;"
bed_assert_ok tpl_file_lacks "$GUARDED" "server 127\.0\.0\.1:18080;"
bed_log "step 5: refuse_empty kept the last good file"

# The daemon goes on with later changes.
tpl_kv_put site/body v5
bed_wait_until 20 tpl_curl_is "$URL" v5
tpl_alive
bed_assert_ok bed_nginx_test
bed_pass "check before swap, rollback after a failed reload, daemon still running"
