#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 15, part 2: a dependency that cannot be queried fails only itself,
# visibly.  A user's template names, beside the healthy service web, a
# service with a namespace (Consul OSS answers 400: "Namespaces are a
# Consul Enterprise feature") and a service name of 2,000 bytes (longer
# than the engine's query cap).  On real Consul the file renders web and
# follows its changes; both refused queries render as no data; the log,
# /health and templater_consul_refused_dependencies name them.  Before,
# the 400 was retried for ever with the template waiting on it, and the
# long name failed every execution: web's changes never reached the file.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
long_name=$(printf 'n%.0s' {1..2000})
cat >"$BED_TMP/user.ctmpl" <<EOF
web:{{range service "web"}} {{.Port}}{{end}}
ns:{{range service "alpha?ns=team"}} {{.Port}}{{end}}
long:{{range service "$long_name"}} {{.Port}}{{end}}
EOF
OUT=$BED_TMP/out.txt
LISTEN=127.0.0.1:$(bed_free_port)
health_has()
{
	curl -sf --max-time 5 "http://$LISTEN/health" | grep -Eq -- "$1"
}

tpl_register web-1 web 8001
tpl_start templater -listen "$LISTEN" -max-stale 0s \
    -template "$BED_TMP/user.ctmpl:$OUT"
bed_wait_until 20 tpl_file_has "$OUT" "^web: 8001$"
bed_assert_ok tpl_file_has "$OUT" "^ns:$"
bed_assert_ok tpl_file_has "$OUT" "^long:$"
tpl_register web-2 web 8002
bed_wait_until 20 tpl_file_has "$OUT" "^web: 8001 8002$"
bed_log "web rendered and followed beside two refused queries"

bed_assert_ok tpl_log_has "health\.service\(alpha\?ns=team\|passing\): Consul refuses the query \(HTTP 400: .*Enterprise"
bed_assert_ok tpl_log_has "1 query cannot be made, the first: query of 2000 bytes"
bed_assert_ok health_has "^refused health\.service\(alpha\?ns=team\|passing\): HTTP 400"
bed_assert_ok health_has "^refused .*out\.txt: 1 query cannot be made"
bed_assert_eq 1 "$(tpl_metric "$LISTEN" templater_consul_refused_dependencies)" \
    "refused dependencies"
bed_assert_fails tpl_log_has "template .*: .*query too long"
tpl_alive
rc=0
bed_stop "$TPL_PID" 20 || rc=$?
bed_assert_eq 0 "$rc" "templater exit status"
bed_assert_fails grep -qE 'Sanitizer|runtime error' "$TPL_LOG"
bed_pass "refused queries render as no data, the rest follows Consul"
