#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 9, "Secrets": with both daemons at trace level, a token-protected
# Consul (anonymous requests may neither read nor write services), the
# registrator reading its token from a file and reporting crashes to the
# Sentry stand-in, the templater taking the token from CONSUL_HTTP_TOKEN,
# containers with recognisable secret env values and a secret-looking
# label, and one of them crashing (exit 3) so an event is sent: the token,
# the DSN key, the env values and the label's value appear in no log line
# of either daemon and in no stored Sentry event or request journal.  The
# test first proves the secrets were used: the service is registered and
# rendered through the token, and the crash event was accepted with the
# key.
#
# Issue 16 item 4 adds: a URL password (the templater's -consul-addr
# user:password@host, and a registry URI the registrator refuses), the
# token and the DSN given as flags (templater) or read from
# CONSUL_HTTP_TOKEN_FILE and -sentry-dsn-file, and the same grep over
# both daemons' /metrics pages and /proc/PID/cmdline; the flags earn the
# warning that says why a file is better.
# crash_common.bash: bed.sh and the stand-in (tests/sentry/standin.sh).
. "$SOURCE_DIR/tests/regress/crash_common.bash"

REG_BIN=$(bed_bin registrator) || exit 1
TPL_BIN=$(bed_bin templater) || exit 1
IMAGE=$(bed_image) || exit 1

token=tok-$RANDOM$RANDOM-s3cr3t-$RANDOM
env_a=envA-$RANDOM$RANDOM-pa55word
env_b=envB-$RANDOM$RANDOM-apikey
env_c=envC-$RANDOM$RANDOM-crashing
urlpass=url-$RANDOM$RANDOM-pa55
label_secret="admin:\$apr1\$S3cr3t$RANDOM\$hashvalue"
name=sec-$BED_RUN_ID

bed_consul_start -hcl "acl { enabled = true
default_policy = \"allow\"
tokens { initial_management = \"$token\" } }"

# Anonymous requests are denied every service and key: the daemons only
# work through the token.
acl_api()
{
	curl -sSf --max-time 10 -H "X-Consul-Token: $token" -X PUT \
	    --data-binary "$2" "$BED_CONSUL_URL$1"
}
acl_api /v1/acl/policy '{"Name":"anon-deny","Rules":"service_prefix \"\" { policy = \"deny\" }\nkey_prefix \"\" { policy = \"deny\" }"}' \
    >/dev/null || bed_fail "cannot create the policy"
acl_api /v1/acl/token/00000000-0000-0000-0000-000000000002 \
    '{"Policies":[{"Name":"anon-deny"}]}' >/dev/null ||
    bed_fail "cannot restrict the anonymous token"
status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary \
    '{"Name":"probe","Port":1}' "$BED_CONSUL_URL/v1/agent/service/register")
bed_assert_eq 403 "$status" "anonymous registration"

sentry_standin_start
printf '%s\n' "$token" >"$BED_TMP/token"
printf '%s\n' "$SENTRY_DSN" >"$BED_TMP/dsn"
read -r reg_port tpl_port <<<"$(bed_free_ports 2)"
CONSUL_HTTP_TOKEN_FILE=$BED_TMP/token bed_spawn registrator "$REG_BIN" \
    -log-level trace -sentry-dsn "$SENTRY_DSN" \
    -listen "127.0.0.1:$reg_port" \
    -crash-stats-interval 200ms "consul://$BED_CONSUL_HTTP"
REG_PID=$BED_PID

cat >"$BED_TMP/svc.ctmpl" <<EOF
{{range service "$name"}}server {{.Address}}:{{.Port}};
{{end}}
EOF
OUT=$BED_TMP/svc.conf
bed_spawn templater "$TPL_BIN" -consul-token "$token" \
    -consul-addr "tpl:$urlpass@$BED_CONSUL_HTTP" -log-level trace \
    -sentry-dsn-file "$BED_TMP/dsn" -listen "127.0.0.1:$tpl_port" \
    -template "$BED_TMP/svc.ctmpl:$OUT"
TPL_PID=$BED_PID
# A registry URI with a password is refused, and the error masks it.
"$REG_BIN" "consul://reg:$urlpass@127.0.0.1:1" >"$BED_TMP/refused.log" 2>&1 &&
    bed_fail "a URI with userinfo was accepted"
bed_add_log "$BED_TMP/refused.log"
bed_assert_ok grep -qF "consul://[redacted]@127.0.0.1:1" "$BED_TMP/refused.log"

bed_run --name "$name-web" -p 127.0.0.1::80 -e SERVICE_NAME="$name" \
    -e "DB_PASSWORD=$env_a" -e "API_KEY=$env_b" \
    --label "traefik.http.middlewares.auth.basicauth.users=$label_secret" \
    "$IMAGE" bed-httpd >/dev/null
port=$(bed_container_port "$name-web" 80)

# one_crash: exactly one stored event for the crashing container.
one_crash()
{
	local n
	n=$(find "$SENTRY_STORE" -maxdepth 1 -name '*.json' -print0 \
	    2>/dev/null | xargs -0 -r cat | jq -s --arg n "$name-boom" \
	    '[.[] | select(.tags.container == $n)] | length')
	[[ $n == 1 ]]
}
bed_wait_until 30 grep -q "server 127.0.0.1:$port;" "$OUT"
bed_log "registered and rendered through the token"
bed_run --name "$name-boom" -e "SESSION_SECRET=$env_c" \
    --label "traefik.http.middlewares.auth.basicauth.users=$label_secret" \
    "$IMAGE" sh -c 'echo boom; sleep 2; exit 3' >/dev/null
bed_wait_until 40 one_crash
bed_log "crash event accepted by the stand-in"
bed_alive "$REG_PID" || bed_fail "registrator exited"
bed_alive "$TPL_PID" || bed_fail "templater exited"
# What every local user can read while the daemons run.
for d in registrator:$REG_PID:$reg_port templater:$TPL_PID:$tpl_port; do
	IFS=: read -r n pid port <<<"$d"
	tr '\0' ' ' <"/proc/$pid/cmdline" >"$BED_TMP/$n.cmdline"
	curl -sSf --max-time 10 "http://127.0.0.1:$port/metrics" \
	    >"$BED_TMP/$n.metrics" || bed_fail "$n: no /metrics"
done
# The cmdline files are not empty and show the flags (else the grep
# below could not fail).
bed_assert_ok grep -q -- "-sentry-dsn x" "$BED_TMP/registrator.cmdline"
bed_assert_ok grep -q -- "-consul-token x" "$BED_TMP/templater.cmdline"
bed_assert_ok grep -q "_total" "$BED_TMP/templater.metrics"
bed_assert_ok grep -q "registrator_" "$BED_TMP/registrator.metrics"
bed_stop "$REG_PID"
bed_stop "$TPL_PID"

# Both logs hold trace lines about Consul requests (else this test could
# not fail).
for f in registrator templater; do
	grep -q "trace $f: " "$BED_TMP/$f.log" ||
	    bed_fail "$f.log has no trace line"
done
# The flags were warned about.
bed_assert_ok grep -q "sentry-dsn on the command line" \
    "$BED_TMP/registrator.log"
bed_assert_ok grep -q "consul-token or -sentry-dsn on the command line" \
    "$BED_TMP/templater.log"
key=${SENTRY_DSN#http://}
key=${key%%@*}
bed_assert_eq "$SENTRY_KEY" "$key" "DSN key"
files=("$BED_TMP/registrator.log" "$BED_TMP/templater.log" "$SENTRY_JOURNAL"
    "$SENTRY_STORE"/*.json "$BED_TMP/refused.log"
    "$BED_TMP"/*.cmdline "$BED_TMP"/*.metrics)
leaks=0
for s in "$token" "$key" "$urlpass" "$env_a" "$env_b" "$env_c" "$label_secret"; do
	if grep -lF -- "$s" "${files[@]}" >"$BED_TMP/hits"; then
		bed_log "secret $s found in: $(tr '\n' ' ' <"$BED_TMP/hits")"
		grep -nF -- "$s" "${files[@]}" | head -3 >&2
		leaks=$((leaks + 1))
	fi
done
((leaks == 0)) || bed_fail "$leaks secrets leaked"
bed_pass "token, DSN key, URL password, env values and secret label in no" \
    "log, event, /metrics page or command line"
