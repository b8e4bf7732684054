#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 15, the last "done when": the hostile input classes reach the
# proxies only the way a container owner can send them, through env vars
# and labels on the real Docker Engine.  The real registrator (with
# -use-ip-from-label, the one per-container address override it has)
# registers them in a real Consul agent; one templater renders the
# shipped templates/nginx-upstreams.ctmpl and templates/haproxy-
# backends.ctmpl into the files real nginx and real haproxy (master-worker,
# reloaded through its master CLI) serve from, each candidate checked by
# its proxy first.  Beside them, the healthy service web is deployed: a
# new instance starts, the old one stops, and the change must reach both
# live files and both proxies' traffic.  The hostile entries are refused
# by the registrator (a log line naming the container and the key) or
# skipped by the templates (a comment in the file saying why); neither
# file ever holds a hostile byte, every line of both follows the
# templates' grammar, nginx -t and haproxy -c pass, nothing is held.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

STEP_S=${HOSTILE_STEP_S:-45} # generous: CI runs two tests at once, ASan

# Every service name is unique to this run: the registrator follows the
# whole Docker host, and other runs' containers land in our catalog too.
R=$BED_RUN_ID
WEB=web-$R
API=api-$R

bed_consul_start
reg_start -use-ip-from-label reg.ip

# nginx: / goes to upstream $WEB; a placeholder until the first render.
bed_nginx_init
UP=$BED_NGINX_DIR/upstreams.conf
cat >"$BED_NGINX_HTTP_CONF" <<EOF
include $UP;
server {
    listen 127.0.0.1:$BED_NGINX_PORT;
    location / { proxy_pass http://$WEB/; }
}
EOF
printf 'upstream %s { server 127.0.0.1:65535; }\n' "$WEB" >"$UP"
bed_nginx_start
NGINX_CHECK=$(bed_nginx_check_script "$UP")

# haproxy: master-worker with a master CLI socket, as Debian starts it.
bed_haproxy_init
BACKENDS=$BED_HAPROXY_DIR/backends.cfg
MASTER_SOCK=$BED_HAPROXY_MASTER_SOCK
cat >"$BED_HAPROXY_CFG" <<EOF
frontend fe
    bind 127.0.0.1:$BED_HAPROXY_PORT
    default_backend $WEB
EOF
printf 'backend %s\n' "$WEB" >"$BACKENDS"
BED_HAPROXY_CMD="$BED_HAPROXY_CMD -f $BACKENDS"
bed_haproxy_start

LISTEN=127.0.0.1:$(bed_free_port)
cat >"$BED_TMP/templater.ini" <<EOF
[templater]
max_stale = 0s
listen = $LISTEN

[template nginx]
source = $TPL_TEMPLATES/nginx-upstreams.ctmpl
destination = $UP
check = ["$NGINX_CHECK", "{{.}}"]
command = $BED_NGINX_CMD -s reload

[template haproxy]
source = $TPL_TEMPLATES/haproxy-backends.ctmpl
destination = $BACKENDS
check = haproxy -c -q -f $BED_HAPROXY_GLOBAL -f $BED_HAPROXY_CFG -f {}
command = ["$SOURCE_DIR/examples/haproxy/haproxy-reload.sh", "$MASTER_SOCK"]
EOF

# ng_servers <upstream>: the server lines of an upstream block.
ng_servers()
{
	awk -v h="upstream $1 {" '$0 == h { f = 1; next }
	    f && /^}/ { exit } f' "$UP"
}

# hp_servers <backend>: the server lines of a backend.
hp_servers()
{
	awk -v h="backend $1" '$0 == h { f = 1; next }
	    f && !/^    / { exit } f && /^    server /' "$BACKENDS"
}

# has_port <service> <host port>: both files send it to 127.0.0.1:port.
has_port()
{
	ng_servers "$1" | grep -qx "    server 127\.0\.0\.1:$2;" &&
	    hp_servers "$1" | grep -Eq "^    server [^ ]+ 127\.0\.0\.1:$2 check\$"
}

# only_port <service> <host port>: that server and no other, in both.
only_port()
{
	has_port "$1" "$2" && [[ $(ng_servers "$1" | wc -l) == 1 ]] &&
	    [[ $(hp_servers "$1" | wc -l) == 1 ]]
}

# skipped_everywhere <service>: the 502 server in nginx, a backend without
# servers in haproxy: none of its instances was written.
skipped_everywhere()
{
	[[ $(ng_servers "$1") == "    server 127.0.0.1:65535; # force a 502" ]] &&
	    grep -qx "backend $1" "$BACKENDS" && [[ -z $(hp_servers "$1") ]]
}

# in_both <fixed line>: both files hold exactly that line.
in_both()
{
	grep -qxF -- "$1" "$UP" && grep -qxF -- "$1" "$BACKENDS"
}

# serves <body>: six requests in a row through each proxy answer body.
serves()
{
	tpl_curl_all "http://127.0.0.1:$BED_NGINX_PORT/" "$1" 6 &&
	    tpl_curl_all "http://127.0.0.1:$BED_HAPROXY_PORT/" "$1" 6
}

# hostile <suffix> <docker run args...>: start a hostile container of
# this run in the background (docker run is slow on a loaded machine);
# hostile_wait waits for all of them.
HOSTILE=()
HOSTILE_PIDS=()
hostile()
{
	local n
	n=$(reg_name "$1")
	shift
	bed_run --name "$n" "$@" "$REG_IMAGE" bed-httpd >/dev/null &
	HOSTILE+=("$n")
	HOSTILE_PIDS+=("$!")
}
hostile_wait()
{
	local i
	for i in "${!HOSTILE_PIDS[@]}"; do
		wait "${HOSTILE_PIDS[i]}" ||
		    bed_fail "container ${HOSTILE[i]} did not start"
	done
}

# refused <suffix> <extended regex>: the registrator's log has the line
# "container <name>: <regex>" (its reason, naming the key).
refused()
{
	reg_log_has "container $(reg_name "$1"): $2"
}

# agent_has_name <service name>: the local agent registered that name.
agent_has_name()
{
	bed_consul_get /v1/agent/services |
	    jq -e --arg n "$1" 'any(.[]; .Service == $n)' >/dev/null
}

# ------------------------------------------------ the healthy services

n1=$(reg_name web1)
id1=$(bed_run --name "$n1" -p 127.0.0.1::80 -e "SERVICE_NAME=$WEB" \
    -e HTTPD_BODY=web-v1 "$REG_IMAGE" bed-httpd)
port1=$(bed_container_port "$id1" 80)
na=$(reg_name api1)
ida=$(bed_run --name "$na" -p 127.0.0.1::80 -e "SERVICE_NAME=$API" \
    -e "SERVICE_ID=${API}_1" "$REG_IMAGE" bed-httpd)
porta=$(bed_container_port "$ida" 80)
# The frontends name web: it is in the catalog before the first render,
# or the proxies would rightly refuse a file without it.
bed_wait_until "$STEP_S" reg_has "$WEB" 1
tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until "$STEP_S" only_port "$WEB" "$port1"
bed_wait_until "$STEP_S" serves web-v1
bed_wait_until "$STEP_S" only_port "$API" "$porta"
bed_log "web v1 served through nginx and haproxy"

# --------------------------------------------------- the hostile ones

# The raw hostile strings: none may appear in either live file.
TOKENS=()

# Names a proxy cannot tell apart from a healthy one: the upper-case
# twin of web through env, and through a port's own key in a label.
hostile upper -p 127.0.0.1::80 -e "SERVICE_NAME=${WEB^^}"
hostile upperport -p 127.0.0.1::80 -p 127.0.0.1::81 \
    -l "SERVICE_80_NAME=${WEB^^}" -l "SERVICE_81_NAME=up81-$R"
# The ID api_1 holds, spelt with ':' (a label) and '@' (env).
hostile colon -p 127.0.0.1::80 -e "SERVICE_NAME=$API" -l "SERVICE_ID=$API:1"
hostile at -p 127.0.0.1::80 -e "SERVICE_NAME=$API" -e "SERVICE_ID=$API@1"

# Names over the registrator's 128 bytes, one of 2,000 (a Consul query
# for it would fail the render), and one of exactly 128 that is written.
long129=$(printf 'l%.0s' {1..129})
long2000=$(printf 'm%.0s' {1..2000})
long128=$R-$(printf 'k%.0s' {1..128})
long128=${long128:0:128}
hostile long129 -p 127.0.0.1::80 -e "SERVICE_NAME=$long129"
hostile long2000 -p 127.0.0.1::80 -l "SERVICE_NAME=$long2000"
hostile long128 -p 127.0.0.1::80 -e "SERVICE_NAME=$long128"

# Unsafe bytes in names, one port each, half through env, half labels.
UNSAFE=(
	"81|env|semi;colon$R"
	"82|label|brace}$R{"
	"83|label|new
line$R"
	"84|env|dq\"uote$R"
	"85|env|dollar\$HOME$R"
	"86|label|sp ace$R"
	"87|label|sq'uote$R"
)
args=(-p 127.0.0.1::80 -e "SERVICE_80_IGNORE=true")
for u in "${UNSAFE[@]}"; do
	IFS='|' read -r -d '' p how v <<<"$u"
	v=${v%$'\n'}
	args+=(-p "127.0.0.1::$p")
	if [[ $how == env ]]; then
		args+=(-e "SERVICE_${p}_NAME=$v")
	else
		args+=(-l "SERVICE_${p}_NAME=$v")
	fi
	TOKENS+=("$v")
done
hostile unsafe "${args[@]}"

# A name the registrator takes ('.' is a Docker name character) and the
# templates do not: skipped with a comment.
hostile dot -p 127.0.0.1::80 -e "SERVICE_NAME=dot.$R"

# Upper case with no lower-case twin: written under a hashed name.
hostile solo -p 127.0.0.1::80 -l "SERVICE_NAME=Solo-$R"

# Tags and meta: the bad items are refused, the service and '$(id)' (a
# tag the templates never write) go through.
hostile tags -p 127.0.0.1::80 -e "SERVICE_NAME=tags-$R" \
    -e 'SERVICE_TAGS=ok,a;b,c}d,$(id),sp ace,"q"' \
    -l 'SERVICE_NOTE=x;y{z}' -l 'SERVICE_LEVEL=$(reboot)'
TOKENS+=('a;b' 'c}d' '$(id)' 'x;y{z}' '$(reboot)')

# The per-container address override: a host name that is not one, an
# injection attempt, and '::' (Consul's agent refuses the unspecified
# address, which made it refuse the whole registration): each refused,
# the default address is used.
hostile ipdots -p 127.0.0.1::80 -e "SERVICE_NAME=ipdots-$R" -l reg.ip=1.2.3.4.5
hostile ipinject -p 127.0.0.1::80 -e "SERVICE_NAME=ipinject-$R" \
    -l 'reg.ip=127.0.0.1; listen 6666'
hostile ipany -p 127.0.0.1::80 -e "SERVICE_NAME=ipany-$R" -l 'reg.ip=::'
# An address the registrator takes and the templates do not (an IPv6
# literal with an embedded IPv4): its only instance is skipped.
hostile ipmapped -p 127.0.0.1::80 -e "SERVICE_NAME=ipmapped-$R" \
    -l 'reg.ip=::ffff:127.0.0.1'
TOKENS+=('1.2.3.4.5' 'listen 6666')

# Port edges: container port 65535 is registered at its host port; a
# probe port of 65536 and a server.port of 0 are refused.
hostile edge -p 127.0.0.1::65535 -e HTTPD_PORT=65535 \
    -e "SERVICE_NAME=edge-$R" \
    -l traefik.http.services.edge.loadbalancer.healthcheck.path=/health \
    -l traefik.http.services.edge.loadbalancer.healthcheck.port=65536
hostile edge0 -p 127.0.0.1::80 -e "SERVICE_NAME=edge0-$R" \
    -l traefik.http.services.e0.loadbalancer.healthcheck.path=/health \
    -l traefik.http.services.e0.loadbalancer.server.port=0

# Health-check paths: an absolute URL (a probe of someone else's host)
# and a quote are refused, the service registers without the check; a
# path that is a 404 makes the only instance critical: the 502 fallback.
hostile chkssrf -p 127.0.0.1::80 -e "SERVICE_NAME=chkssrf-$R" \
    -l 'SERVICE_CHECK_HTTP=http://169.254.169.254/latest'
hostile chkquote -p 127.0.0.1::80 -e "SERVICE_NAME=chkquote-$R" \
    -e 'SERVICE_CHECK_HTTP=/health" onerror="x'
hostile chk404 -p 127.0.0.1::80 -e "SERVICE_NAME=chk404-$R" \
    -e 'SERVICE_CHECK_HTTP=/$(id)' -e SERVICE_CHECK_INTERVAL=1s
TOKENS+=('169.254.169.254' 'onerror')
hostile_wait
bed_log "${#HOSTILE[@]} hostile containers started"

# Each refusal, with its reason, in the registrator's log.
nref=0
expect_refused()
{
	bed_wait_until "$STEP_S" refused "$@"
	nref=$((nref + 1))
}
expect_refused upper "SERVICE_NAME: service name \"${WEB^^}\" refused: .*differ only in case"
expect_refused upperport "SERVICE_80_NAME: service name \"${WEB^^}\" refused: .*differ only in case"
expect_refused colon "SERVICE_ID: service ID \"$API:1\" refused: .*mapped to '_'"
expect_refused at "SERVICE_ID: service ID \"$API@1\" refused: .*mapped to '_'"
expect_refused long129 "SERVICE_NAME: service name \"l+(\.\.\.)?\" refused: too long"
expect_refused long2000 "SERVICE_NAME: service name \"m+\.\.\.\" refused: too long"
for p in 81 82 83 84 85 86 87; do
	expect_refused unsafe "SERVICE_${p}_NAME: service name \".*\" refused: (contains|.*character).*; port $p not registered"
done
expect_refused tags 'SERVICE_TAGS: tag "a;b" refused'
expect_refused tags 'SERVICE_TAGS: tag "c}d" refused'
expect_refused tags 'SERVICE_TAGS: tag "sp ace" refused'
# The log escapes '"' as \x22, then its backslash again.
expect_refused tags 'SERVICE_TAGS: tag "[^ ]*x22q[^ ]*x22" refused'
expect_refused tags 'SERVICE_NOTE: meta value "x;y\{z\}" refused'
expect_refused ipdots 'label reg\.ip: "1\.2\.3\.4\.5" is not an IP address; using the default address'
expect_refused ipinject 'label reg\.ip: "127\.0\.0\.1; listen 6666" is not an IP address'
expect_refused ipany 'label reg\.ip: "::" is the unspecified address, which Consul refuses; using the default address'
expect_refused edge 'label traefik\.http\.services\.edge\.loadbalancer\.healthcheck\.port: "65536" is not a port number; check not registered'
expect_refused edge0 'label traefik\.http\.services\.e0\.loadbalancer\.server\.port: "0" is not a port number; check not registered'
expect_refused chkssrf 'SERVICE_CHECK_HTTP: "http://169\.254\.169\.254/latest" must be a relative URL; check not registered'
expect_refused chkquote 'SERVICE_CHECK_HTTP: "/health[^ ]*x22 onerror=[^ ]*x22x" contains one of'

# What the templates do with what went through: each seen in both files.
port_of()
{
	bed_container_port "$(reg_name "$1")" "${2:-80}"
}
bed_wait_until "$STEP_S" only_port "$long128" "$(port_of long128)"
bed_wait_until "$STEP_S" only_port "up81-$R" "$(port_of upperport 81)"
bed_wait_until "$STEP_S" in_both "# skipped service with an unsafe name: dot_$R"
bed_wait_until "$STEP_S" only_port "tags-$R" "$(port_of tags)"
_solo()
{
	local n p
	n=$(grep -Eom1 "^upstream solo-$R\.[0-9a-f]{16}" "$UP") || return 1
	n=${n#upstream }
	p=$(port_of solo) || return 1
	only_port "$n" "$p"
}
bed_wait_until "$STEP_S" _solo
bed_wait_until "$STEP_S" only_port "ipdots-$R" "$(port_of ipdots)"
bed_wait_until "$STEP_S" only_port "ipinject-$R" "$(port_of ipinject)"
bed_wait_until "$STEP_S" only_port "ipany-$R" "$(port_of ipany)"
bed_wait_until "$STEP_S" only_port "edge-$R" "$(port_of edge 65535)"
bed_wait_until "$STEP_S" only_port "edge0-$R" "$(port_of edge0)"
bed_wait_until "$STEP_S" only_port "chkssrf-$R" "$(port_of chkssrf)"
bed_wait_until "$STEP_S" only_port "chkquote-$R" "$(port_of chkquote)"
bed_wait_until "$STEP_S" skipped_everywhere "chk404-$R"
bed_wait_until "$STEP_S" skipped_everywhere "ipmapped-$R"
# chk404's reason is its check, as the agent shows it: critical, the
# probe's 404 (the catalog copy's output is synced only every 5 minutes
# while the status stays the same).
_chk404_critical()
{
	bed_consul_get /v1/agent/checks | jq -e --arg n "chk404-$R" \
	    'any(.[]; .ServiceName == $n and .Status == "critical" and
	    (.Output | test("404")))' >/dev/null
}
bed_wait_until "$STEP_S" _chk404_critical
bed_assert_ok only_port "$API" "$porta"

# Consul holds the tags and meta that went through, and none refused.
svc=$(reg_catalog "tags-$R") || bed_fail "catalog query for tags-$R failed"
bed_assert_jq_eq "$svc" '.[0].ServiceTags | join(",")' 'ok,$(id)' "tags"
bed_assert_jq_eq "$svc" '.[0].ServiceMeta.level' '$(reboot)' "meta level"
bed_assert_jq "$svc" '.[0].ServiceMeta | has("note") | not' "meta note"
for n in "${WEB^^}" "$long129" "$long2000"; do
	bed_assert_fails agent_has_name "$n"
done
ids=$(reg_agent_ids)
bed_assert_not_contains "$ids" "$API:1" "agent service IDs"
bed_assert_not_contains "$ids" "$API@1" "agent service IDs"
bed_log "every hostile entry refused or skipped, with its reason"

# ------------------------------------------------------------ the deploy

# Both files hold only what the templates write, whatever the catalog
# holds (other runs' containers too): comments that say why, names of
# the safe characters, literal addresses, ports; never a hostile byte.
ADDR='([0-9]{1,3}(\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:]+\])'
NAME='[a-z0-9_-]+(\.[0-9a-f]{16})?'
COMMENT='# (Generated by templater from Consul; edits will be overwritten\.|skipped service with an unsafe name: [A-Za-z0-9_-]+|skipped a service whose name is longer than 255 bytes|skipped a second service named [a-z0-9_.-]+)'
NG_LINE="^(|$COMMENT|upstream $NAME \\{|    server $ADDR:[0-9]{1,5};|    server 127\\.0\\.0\\.1:65535; # force a 502|\\})\$"
HP_LINE="^(|$COMMENT|backend $NAME|    balance roundrobin|    server [A-Za-z0-9_.:-]+ $ADDR:[0-9]{1,5} check)\$"
files_clean()
{
	local t bad ng hp
	bad=$(grep -Ev -- "$NG_LINE" "$UP")
	[[ -z $bad ]] || bed_fail "nginx file, a line outside the grammar: $bad"
	bad=$(grep -Ev -- "$HP_LINE" "$BACKENDS")
	[[ -z $bad ]] || bed_fail "haproxy file, a line outside the grammar: $bad"
	# Whole files, as one string each: a token may hold a newline.
	ng=$(<"$UP") hp=$(<"$BACKENDS")
	for t in "${TOKENS[@]}" "${WEB^^}" "$long129" "$API:1" "$API@1"; do
		[[ $ng != *"$t"* && $hp != *"$t"* ]] ||
		    bed_fail "the hostile string '$t' reached a live file"
	done
	bed_assert_ok bed_nginx_test
	bed_assert_ok bed_haproxy_check >/dev/null
}
files_clean

# A new instance starts, then the old one stops.
n2=$(reg_name web2)
# Timed from docker run's return: docker's own start time varies most
# under load, and the registrator acts on its start event anyway.
t0=$(tpl_now_ms)
id2=$(bed_run --name "$n2" -p 127.0.0.1::80 -e "SERVICE_NAME=$WEB" \
    -e HTTPD_BODY=web-v2 "$REG_IMAGE" bed-httpd)
t1=$(tpl_now_ms)
run_ms=$((t1 - t0))
port2=$(bed_container_port "$id2" 80)
bed_wait_until "$STEP_S" has_port "$WEB" "$port2"
up_ms=$(($(tpl_now_ms) - t1))
bed_assert_ok has_port "$WEB" "$port1"
t0=$(tpl_now_ms)
docker rm -f "$n1" >/dev/null || bed_fail "docker rm -f $n1 failed"
bed_wait_until "$STEP_S" only_port "$WEB" "$port2"
down_ms=$(($(tpl_now_ms) - t0))
bed_wait_until "$STEP_S" serves web-v2
serve_ms=$(($(tpl_now_ms) - t0))
bed_log "deploy: docker run took $run_ms ms; v2 in both files $up_ms ms after it, v1 out after $down_ms ms, only v2 served after $serve_ms ms"

# Still refused after the deploy: the upper-case twin did not take the
# name while web changed hands.
bed_assert_fails agent_has_name "${WEB^^}"
files_clean

# Nothing was held or refused by a check: the templates never made a
# file the proxies reject.
health=$(curl -sf --max-time 5 "http://$LISTEN/health") ||
    bed_fail "templater /health did not answer"
bed_assert_contains "$health" "ok" "/health"
bed_assert_not_contains "$health" "held " "/health"
for t in nginx haproxy; do
	bed_assert_eq 0 "$(curl -sf --max-time 5 "http://$LISTEN/metrics" |
	    awk -v s="templater_held_dependencies{template=\"$t\"}" \
	    '$1 == s { print $2 }')" "templater_held_dependencies of $t"
done
bed_assert_fails tpl_log_has "rejected|restoring|not written"
tpl_alive
bed_alive "$REG_PID" || bed_fail "registrator exited"

# Both daemons end cleanly (in the ASan build: no leak, no error report).
rc=0
bed_stop "$TPL_PID" 20 || rc=$?
bed_assert_eq 0 "$rc" "templater exit status"
rc=0
bed_stop "$REG_PID" 20 || rc=$?
bed_assert_eq 0 "$rc" "registrator exit status"
bed_assert_fails grep -qE 'Sanitizer|runtime error' "$REG_LOG" "$TPL_LOG"

bed_pass "${#HOSTILE[@]} hostile containers, $nref refusals logged, 0" \
    "hostile bytes in the live files; web's deploy reached both files" \
    "(new instance $up_ms ms after docker run returned in $run_ms ms, old" \
    "one out $down_ms ms after docker rm -f) and both proxies' traffic" \
    "($serve_ms ms); load average $(cut -d' ' -f1 /proc/loadavg)"
