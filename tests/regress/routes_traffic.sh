#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 20, "Done when": containers labelled as a Træfik user labels them
# (two host names, a path prefix on one, a rule using ||, one container
# with traefik.enable=false, one fabio urlprefix- tag) are registered by
# the registrator with their route-v1 meta; the templater renders
# templates/nginx-sites.ctmpl and haproxy-routes.ctmpl (with the
# upstreams and backends files) for a real nginx and a real HAProxy on
# loopback ports; curl -H 'Host: ...' through each proxy reaches the right
# container, and an unknown host, the host of the container that is not
# exposed, or that of the one whose rule cannot be translated (refused
# with a warning naming the container and label), answers 404.  Then a
# deploy moves a route to a new container (its router has a higher
# priority, and its Consul check, from its Træfik health-check labels,
# passes only once it serves) and the old container is stopped, while a
# bounded curl loop through both proxies counts failed requests: there
# must be none.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

TPL_BIN=$(bed_bin templater) || exit 1
TEMPLATES=$SOURCE_DIR/templates
R=traefik.http.routers

bed_consul_start
reg_start

# route_ctr <suffix> <service name> <body> [docker run args...]: a busybox
# httpd whose / says body, and /api/ too (for the path-prefix route).
route_ctr()
{
	local suffix=$1 name=$2 body=$3
	shift 3
	bed_run --name "$(reg_name "$suffix")" -p 127.0.0.1::80 \
	    -e SERVICE_NAME="$name" -e HTTPD_BODY="$body" "$@" "$REG_IMAGE" \
	    sh -c 'mkdir -p /www/api && echo "$HTTPD_BODY" >/www/api/index.html && exec bed-httpd'
}

hc=traefik.http.services.move.loadbalancer.healthcheck
route_ctr web rt-web web --label "$R.web.rule=Host(\`web.test\`)" >/dev/null
route_ctr api rt-api api \
    --label "$R.api.rule=Host(\`web.test\`) && PathPrefix(\`/api\`)" >/dev/null
route_ctr or rt-or or \
    --label "$R.either.rule=Host(\`a.test\`) || Host(\`b.test\`)" >/dev/null
route_ctr off rt-off off --label traefik.enable=false \
    --label "$R.off.rule=Host(\`off.test\`)" >/dev/null
route_ctr fabio rt-fabio fabio -e SERVICE_TAGS=urlprefix-fabio.test/ >/dev/null
# The labels of Træfik's basic docker-compose example, as they are there.
route_ctr whoami rt-whoami whoami --label traefik.enable=true \
    --label 'traefik.http.routers.whoami.rule=Host(`whoami.localhost`)' \
    --label traefik.http.routers.whoami.entrypoints=web >/dev/null
# Header and Method conditions.
route_ctr hdr rt-hdr hdr \
    --label "$R.hdr.rule=Host(\`hdr.test\`) && Header(\`X-Env\`, \`prod\`)" >/dev/null
route_ctr get rt-get get \
    --label "$R.get.rule=Host(\`get.test\`) && Method(\`GET\`)" >/dev/null
# A rule no proxy file can express: refused whole, one warning.
route_ctr bad rt-bad bad \
    --label "$R.bad.rule=Host(\`bad.test\`) && !PathPrefix(\`/admin\`)" >/dev/null
move1=$(route_ctr move1 rt-move1 move1 \
    --label "$R.move.rule=Host(\`move.test\`)" \
    --label "$hc.path=/health" --label "$hc.interval=1s")

# _meta <service> <jq filter>: true when an instance's meta matches.
_meta()
{
	bed_consul_get "/v1/catalog/service/$1" | jq -e "any(.[]; $2)" >/dev/null
}
bed_wait_until 30 _meta rt-web '.ServiceMeta["route-v1-00"] == "16,web,h,web.test,,,,,,"'
bed_wait_until 30 _meta rt-api '.ServiceMeta["route-v1-00"] == "38,api,h,web.test,p,/api,,,,"'
bed_wait_until 30 _meta rt-or '.ServiceMeta["route-v1-01"] == "32,either,h,b.test,,,,,,"'
bed_wait_until 30 _meta rt-fabio '.ServiceTags == ["urlprefix-fabio.test/"]'
bed_wait_until 30 _meta rt-whoami '.ServiceMeta["route-v1-00"] == "24,whoami,h,whoami.localhost,,,,,,web"'
bed_wait_until 30 _meta rt-move1 '.ServiceMeta["route-v1-00"] == "17,move,h,move.test,,,,,,"'
# traefik.enable=false: registered, with no route.
bed_wait_until 30 _meta rt-off '(.ServiceMeta | keys | any(startswith("route-"))) | not'
bed_wait_until 30 _meta rt-bad '(.ServiceMeta | keys | any(startswith("route-"))) | not'
bed_wait_until 10 reg_log_has "container $(reg_name bad): label traefik\.http\.routers\.bad\.rule: .* refused: !PathPrefix cannot be expressed"
bed_log "step 1: the registrator wrote the route-v1 meta, and refused the rule it cannot translate"

# The proxies, on loopback ports.
bed_nginx_init
UP=$BED_NGINX_DIR/upstreams.conf
SITES=$BED_NGINX_DIR/sites.conf
printf 'include %s;\ninclude %s;\n' "$UP" "$SITES" >"$BED_NGINX_HTTP_CONF"
bed_haproxy_init
BACKENDS=$BED_HAPROXY_DIR/backends.cfg
ROUTES=$BED_HAPROXY_DIR/routes.cfg
MASTER_SOCK=$BED_HAPROXY_MASTER_SOCK
BED_HAPROXY_CMD="$BED_HAPROXY_CMD -f $BACKENDS -f $ROUTES"
export TEMPLATER_NGINX_LISTEN=127.0.0.1:$BED_NGINX_PORT
export TEMPLATER_HAPROXY_BIND=127.0.0.1:$BED_HAPROXY_PORT

# The first files come from a one-shot run: the proxies start on them.
bed_assert_ok "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once \
    -once-timeout 30s \
    -template "$TEMPLATES/nginx-upstreams.ctmpl:$UP" \
    -template "$TEMPLATES/nginx-sites.ctmpl:$SITES" \
    -template "$TEMPLATES/haproxy-backends.ctmpl:$BACKENDS" \
    -template "$TEMPLATES/haproxy-routes.ctmpl:$ROUTES"
bed_assert_file_contains "$SITES" "server_name web\.test;"
bed_assert_file_contains "$ROUTES" "use_backend rt-api\.route if .* \{ path_beg '/api' \}"
bed_nginx_start
bed_haproxy_start

# Checks: the whole configuration with the candidate in place of the live
# file (arguments: candidate, live file).
NGINX_CHECK=$BED_TMP/nginx-check.sh
cat >"$NGINX_CHECK" <<EOF
#!/bin/sh
set -e
sed "s|include \$2;|include \$1;|" "$BED_NGINX_HTTP_CONF" >"\$1.http"
sed "s|include $BED_NGINX_HTTP_CONF;|include \$1.http;|" "$BED_NGINX_CONF" >"\$1.main"
rc=0
$BED_NGINX_CMD -q -t -c "\$1.main" || rc=\$?
rm -f "\$1.http" "\$1.main"
exit \$rc
EOF
HAPROXY_CHECK=$BED_TMP/haproxy-check.sh
cat >"$HAPROXY_CHECK" <<EOF
#!/bin/sh
b=$BACKENDS r=$ROUTES
[ "\$2" = "\$b" ] && b=\$1
[ "\$2" = "\$r" ] && r=\$1
exec haproxy -c -q -f $BED_HAPROXY_GLOBAL -f $BED_HAPROXY_CFG -f "\$b" -f "\$r"
EOF
chmod 755 "$NGINX_CHECK" "$HAPROXY_CHECK"
HAPROXY_RELOAD=$SOURCE_DIR/examples/haproxy/haproxy-reload.sh
{
	printf '[templater]\nmax_stale = 0s\nwait = 500ms:2s\n'
	for t in "nginx-upstreams $UP nginx" "nginx-sites $SITES nginx" \
	    "haproxy-backends $BACKENDS haproxy" "haproxy-routes $ROUTES haproxy"; do
		read -r src dst kind <<<"$t"
		printf '\n[template %s]\nsource = %s\ndestination = %s\n' \
		    "$src" "$TEMPLATES/$src.ctmpl" "$dst"
		if [[ $kind == nginx ]]; then
			printf 'check = ["%s", "{{.}}", "%s"]\n' "$NGINX_CHECK" "$dst"
			printf 'command = %s -s reload\n' "$BED_NGINX_CMD"
		else
			printf 'check = ["%s", "{{.}}", "%s"]\n' "$HAPROXY_CHECK" "$dst"
			printf 'command = ["%s", "%s"]\n' "$HAPROXY_RELOAD" "$MASTER_SOCK"
		fi
	done
} >"$BED_TMP/templater.ini"
bed_spawn templater "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" \
    -log-level debug -config "$BED_TMP/templater.ini"

# _get <port> <host> <path>: "<status> <body>" of a GET through a proxy.
_get()
{
	curl -s --max-time 5 -H "Host: $2" -w ' %{http_code}' \
	    "http://127.0.0.1:$1$3" | tr '\n' ' ' | awk '{ print $NF, $1 }'
}
# _is <port> <host> <path> <status> [body]: for bed_wait_until.
_is()
{
	[[ $(_get "$1" "$2" "$3") == "$4${5:+ $5}"* ]]
}
for port in "$BED_NGINX_PORT" "$BED_HAPROXY_PORT"; do
	bed_wait_until 20 _is "$port" web.test / 200 web
	bed_assert_eq "200 api" "$(_get "$port" web.test /api/)" "web.test/api/ via $port"
	bed_assert_eq "200 web" "$(_get "$port" WEB.test:80 /)" "WEB.test:80 via $port"
	bed_assert_eq "200 or" "$(_get "$port" a.test /)" "a.test via $port"
	bed_assert_eq "200 or" "$(_get "$port" b.test /)" "b.test via $port"
	bed_assert_eq "200 fabio" "$(_get "$port" fabio.test /)" "fabio.test via $port"
	bed_assert_eq "200 whoami" "$(_get "$port" whoami.localhost /)" "whoami.localhost via $port"
	bed_wait_until 20 _is "$port" move.test / 200 move1
	_is "$port" off.test / 404 || bed_fail "off.test via $port: $(_get "$port" off.test /)"
	_is "$port" bad.test / 404 || bed_fail "bad.test via $port: $(_get "$port" bad.test /)"
	_is "$port" unknown.test / 404 || bed_fail "unknown.test via $port: $(_get "$port" unknown.test /)"
	# rt-api's prefix is web.test's only.
	bed_assert_eq "200 or" "$(_get "$port" a.test /api/)" "a.test/api/ via $port"
done
# _hdr <port>: what hdr.test answers with X-Env: prod.
_hdr()
{
	curl -s --max-time 5 -H 'Host: hdr.test' -H 'X-Env: prod' \
	    -w ' %{http_code}' "http://127.0.0.1:$1/" | tr '\n' ' ' |
	    awk '{ print $NF, $1 }'
}
for port in "$BED_NGINX_PORT" "$BED_HAPROXY_PORT"; do
	bed_assert_eq "200 hdr" "$(_hdr "$port")" "hdr.test with X-Env: prod via $port"
	_is "$port" hdr.test / 404 || bed_fail "hdr.test without the header via $port"
	bed_assert_eq "200 get" "$(_get "$port" get.test /)" "GET get.test via $port"
	bed_assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	    -X DELETE -H 'Host: get.test' "http://127.0.0.1:$port/")" \
	    "DELETE get.test via $port"
done
bed_log "step 2: every route answers through nginx and haproxy; unknown and disabled hosts get 404"

# Hostile values registered straight into Consul (anyone who may
# register a service writes them): skipped with a comment, while the good
# route of the same service is rendered and both proxies keep passing
# their checks.
web_port=$(bed_container_port "$(reg_name web)" 80)
bed_consul_api PUT /v1/agent/service/register "$(jq -cn --argjson p "$web_port" '{
    ID: "rt-evil-1", Name: "rt-evil", Address: "127.0.0.1", Port: $p,
    Tags: ["urlprefix-evil.test/x;return", "urlprefix-evil.test/\n}"],
    Meta: {"route-v1-00": "1,x,h,evil.test;},,,,,,",
           "route-v1-01": "50,x,h,evil.test,p,/a b,,,,",
           "route-v1-02": "50,x,r,a{1}\\n,,,,,,",
           "route-v1-03": "20,good,h,evil-ok.test,,,,,,"}}')" >/dev/null ||
    bed_fail "cannot register rt-evil"
for port in "$BED_NGINX_PORT" "$BED_HAPROXY_PORT"; do
	bed_wait_until 20 _is "$port" evil-ok.test / 200 web
	_is "$port" evil.test /x 404 || bed_fail "evil.test via $port: $(_get "$port" evil.test /x)"
done
for f in "$SITES" "$ROUTES"; do
	grep -q 'evil\.test' "$f" && bed_fail "$f: a hostile route was rendered"
	bed_assert_file_contains "$f" "^# skipped route-v1-00 of service rt-evil: not a route-v1 value"
done
bed_assert_eq "200 web" "$(_get "$BED_NGINX_PORT" web.test /)" "web.test after rt-evil"
bed_log "step 2b: hostile routes skipped with a comment, the rest served"

# The deploy: a bounded loop through both proxies while move.test moves.
LOOP=$BED_TMP/loop.log STOP=$BED_TMP/loop.stop
: >"$LOOP"
# At most 3000 rounds and 180 s: the test ends even if nothing answers.
(
	end=$((SECONDS + 180))
	for ((i = 0; i < 3000 && SECONDS < end; i++)); do
		[[ -e $STOP ]] && break
		for port in "$BED_NGINX_PORT" "$BED_HAPROXY_PORT"; do
			printf '%s %s\n' "$port" "$(_get "$port" move.test /)" >>"$LOOP"
		done
	done
) &
LOOP_PID=$!
_has() { grep -Eq -- "$2" "$1"; }
bed_wait_until 10 _has "$LOOP" " 200 move1$"
route_ctr move2 rt-move2 move2 --label "$R.move.rule=Host(\`move.test\`)" \
    --label "$R.move.priority=100" \
    --label "$hc.path=/health" --label "$hc.interval=1s" >/dev/null
for port in "$BED_NGINX_PORT" "$BED_HAPROXY_PORT"; do
	bed_wait_until 40 _is "$port" move.test / 200 move2
done
docker stop -t 5 "$move1" >/dev/null || bed_fail "docker stop move1 failed"
_gone() { ! grep -q rt-move1 "$SITES" && ! grep -q rt-move1 "$ROUTES"; }
bed_wait_until 30 _gone
: >"$STOP"
wait "$LOOP_PID"
total=$(wc -l <"$LOOP")
bad=$(grep -cv ' 200 move[12]$' "$LOOP" || true)
grep -v ' 200 move[12]$' "$LOOP" | head -5 >&2
((total >= 20)) || bed_fail "the loop made only $total requests"
bed_assert_eq 0 "$bad" "failed requests out of $total during the deploy"
for port in "$BED_NGINX_PORT" "$BED_HAPROXY_PORT"; do
	bed_assert_eq "200 move2" "$(_get "$port" move.test /)" "move.test via $port"
done
bed_log "step 3: the route moved to move2 with $total requests, none failed"
bed_pass
