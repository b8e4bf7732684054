#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 15, part 1: catalog entries that pass a naive guard and are still
# invalid to the proxy must not freeze the shipped templates.  Real nginx
# and real HAProxy (master-worker, reloaded through its master CLI with
# examples/haproxy/haproxy-reload.sh) run templates/nginx-upstreams.ctmpl
# and templates/haproxy-backends.ctmpl from one templater, each candidate
# checked by the proxy before it goes live.  Each input class of the issue
# (and a few more) is registered alone through Consul's catalog API, on a
# node of its own; once the rendered files show the templater has seen it
# (skipped, a comment, a hashed name), the healthy service "web" moves to
# the other backend, and the move must reach both files and both proxies'
# traffic.  Then every class at once, and one more move.  The check never
# refuses a candidate: no bad entry ever made a file the proxy rejects.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

STEP_S=${POISON_STEP_S:-45} # generous: a step waits for two reloads

bed_consul_start
bed_httpd_start a backend-a
PORT_A=$BED_HTTPD_PORT
bed_httpd_start b backend-b
PORT_B=$BED_HTTPD_PORT
bed_httpd_start side side
PORT_SIDE=$BED_HTTPD_PORT

# nginx: /web/ goes to upstream web; a placeholder until the first render.
bed_nginx_init
UP=$BED_NGINX_DIR/upstreams.conf
cat >"$BED_NGINX_HTTP_CONF" <<EOF
include $UP;
server {
    listen 127.0.0.1:$BED_NGINX_PORT;
    location /web/ { proxy_pass http://web/; }
}
EOF
printf 'upstream web { server 127.0.0.1:65535; }\n' >"$UP"
bed_nginx_start
NGINX_CHECK=$(bed_nginx_check_script "$UP")

# HAProxy: master-worker with a master CLI socket, as Debian starts it.
bed_haproxy_init
BACKENDS=$BED_HAPROXY_DIR/backends.cfg
MASTER_SOCK=$BED_HAPROXY_MASTER_SOCK
cat >"$BED_HAPROXY_CFG" <<EOF
frontend fe
    bind 127.0.0.1:$BED_HAPROXY_PORT
    default_backend web
EOF
printf 'backend web\n' >"$BACKENDS"
BED_HAPROXY_CMD="$BED_HAPROXY_CMD -f $BACKENDS"
bed_haproxy_start

# cat_register <node> <node address> <service JSON>: a catalog entry on a
# node of its own (no checks: passing).
cat_register()
{
	bed_consul_api PUT /v1/catalog/register "$(jq -cn --arg n "$1" \
	    --arg a "$2" --argjson s "$3" '{Node: $n, Address: $a, Service: $s}')" \
	    >/dev/null || bed_fail "cannot register node $1"
}

# cat_deregister <node>
cat_deregister()
{
	bed_consul_api PUT /v1/catalog/deregister "$(jq -cn --arg n "$1" \
	    '{Node: $n}')" >/dev/null || bed_fail "cannot deregister node $1"
}

# ng_servers <upstream>: the server lines of an upstream block in $UP.
ng_servers()
{
	awk -v h="upstream $1 {" '$0 == h { f = 1; next }
	    f && /^}/ { exit } f' "$UP"
}

# hp_servers <backend>: the server lines of a backend in $BACKENDS.
hp_servers()
{
	awk -v h="backend $1" '$0 == h { f = 1; next }
	    f && !/^    / { exit } f && /^    server /' "$BACKENDS"
}

# skipped_everywhere <service>: its upstream falls back to the 502 server
# and its backend is there without servers: every instance was skipped.
skipped_everywhere()
{
	[[ $(ng_servers "$1") == "    server 127.0.0.1:65535; # force a 502" ]] &&
	    grep -qx "backend $1" "$BACKENDS" && [[ -z $(hp_servers "$1") ]]
}

# in_both <extended regex>: a line of both files matches.
in_both()
{
	grep -Eq -- "$1" "$UP" && grep -Eq -- "$1" "$BACKENDS"
}

# web_is <port>: web has exactly that server in both files.
web_is()
{
	[[ $(ng_servers web) == "    server 127.0.0.1:$1;" ]] &&
	    [[ $(hp_servers web) =~ ^\ {4}server\ [^\ ]+\ 127\.0\.0\.1:$1\ check$ ]]
}

# serves <body>: six requests in a row through each proxy answer body.
serves()
{
	tpl_curl_all "http://127.0.0.1:$BED_NGINX_PORT/web/" "$1" 6 &&
	    tpl_curl_all "http://127.0.0.1:$BED_HAPROXY_PORT/" "$1" 6
}

# Nothing from a bad entry may reach either file: its address, its
# port, its raw name.
FORBIDDEN='no-such-host|1\.2\.3\.4\.5|:::|127\.000|server localhost|:0;|:0 check|:-1|:65536|listen 6666|evil node|id;x'
clean()
{
	! grep -Eq -- "$FORBIDDEN" "$UP" && ! grep -Eq -- "$FORBIDDEN" "$BACKENDS"
}

# The healthy service, moved between backend-a and backend-b.
WEB_NODE=
WEB_MOVES=0
move_web()
{
	local port body node=web-$((WEB_MOVES + 1))
	if ((WEB_MOVES % 2 == 0)); then
		port=$PORT_B body=backend-b
	else
		port=$PORT_A body=backend-a
	fi
	cat_register "$node" 127.0.0.1 "$(jq -cn --argjson p "$port" \
	    '{ID: "web", Service: "web", Address: "127.0.0.1", Port: $p}')"
	[[ -z $WEB_NODE ]] || cat_deregister "$WEB_NODE"
	WEB_NODE=$node
	WEB_MOVES=$((WEB_MOVES + 1))
	bed_wait_until "$STEP_S" web_is "$port"
	bed_wait_until "$STEP_S" serves "$body"
}

# The input classes, one per line: what it is, its node and the node's
# address, its service (a JSON list: several instances on that node), and
# the condition that shows the rendered files were made with it in the
# catalog.
nul_name='side\u0000x'
long_name=$(printf 'n%.0s' {1..2000})
CLASSES=(
	"host name nginx cannot resolve|p-hostname|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"p-hostname\",\"Address\":\"no-such-host.invalid\",\"Port\":80}]|skipped_everywhere p-hostname"
	"host name that is not one (1.2.3.4.5)|p-dots|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"p-dots\",\"Address\":\"1.2.3.4.5\",\"Port\":80}]|skipped_everywhere p-dots"
	"IPv6-looking string (:::)|p-colons|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"p-colons\",\"Address\":\":::\",\"Port\":80}]|skipped_everywhere p-colons"
	"IPv4 with leading zeros|p-zeros|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"p-zeros\",\"Address\":\"127.000.000.001\",\"Port\":80}]|skipped_everywhere p-zeros"
	"host name that resolves, not opted in|p-localhost|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"p-localhost\",\"Address\":\"localhost\",\"Port\":80}]|skipped_everywhere p-localhost"
	"node address 1.2.3.4.5, no service address|p-node-addr|1.2.3.4.5|[{\"ID\":\"i\",\"Service\":\"p-node-addr\",\"Port\":80}]|skipped_everywhere p-node-addr"
	"port 0 (Consul's default)|p-port0|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"p-port0\",\"Address\":\"127.0.0.1\"}]|skipped_everywhere p-port0"
	"negative port|p-port-neg|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"p-port-neg\",\"Address\":\"127.0.0.1\",\"Port\":-1}]|skipped_everywhere p-port-neg"
	"port above 65535|p-port-big|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"p-port-big\",\"Address\":\"127.0.0.1\",\"Port\":65536}]|skipped_everywhere p-port-big"
	"name differing from another only in case (Side, side)|p-case|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"Side\",\"Address\":\"127.0.0.1\",\"Port\":$PORT_SIDE}]|in_both '^(upstream|backend) side\\.[0-9a-f]{16}( \\{)?\$'"
	"name with a NUL byte (side NUL x)|p-nul|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"$nul_name\",\"Address\":\"127.0.0.1\",\"Port\":$PORT_SIDE}]|in_both '^# skipped (a second service named side|service with an unsafe name: side_+x)\$'"
	"name of 2,000 bytes (its query would fail the render)|p-long|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"$long_name\",\"Address\":\"127.0.0.1\",\"Port\":80}]|in_both '^# skipped a service whose name is longer than 255 bytes\$'"
	"name that would inject directives|p-inject|127.0.0.1|[{\"ID\":\"i\",\"Service\":\"x { } server { listen 6666; } upstream y\",\"Address\":\"127.0.0.1\",\"Port\":80}]|in_both '^# skipped service with an unsafe name: x_____server___listen_6666____upstream_y\$'"
	"instance IDs web:a and web_a (one haproxy server name before)|p-ids|127.0.0.1|[{\"ID\":\"web:a\",\"Service\":\"p-ids\",\"Address\":\"127.0.0.1\",\"Port\":81},{\"ID\":\"web_a\",\"Service\":\"p-ids\",\"Address\":\"127.0.0.1\",\"Port\":82}]|[[ \$(hp_servers p-ids | wc -l) == 2 && \$(ng_servers p-ids | wc -l) == 2 ]]"
	"node and ID outside haproxy's name characters, IPv6 address|evil node|127.0.0.1|[{\"ID\":\"id;x\",\"Service\":\"p-evil-node\",\"Address\":\"::1\",\"Port\":83}]|[[ \$(hp_servers p-evil-node) =~ server\\ evil_node_id_x\\.[0-9a-f]{16}\\ \\[::1\\]:83\\ check ]] && ng_servers p-evil-node | grep -qx '    server \\[::1\\]:83;'"
)

# class_register <index>: its instances, one catalog write each.
class_register()
{
	local node addr svc s
	IFS='|' read -r _ node addr svc _ <<<"${CLASSES[$1]}"
	while read -r s; do
		cat_register "$node" "$addr" "$s"
	done < <(jq -c '.[]' <<<"$svc")
}

# class_deregister <index>
class_deregister()
{
	local node
	IFS='|' read -r _ node _ <<<"${CLASSES[$1]}"
	cat_deregister "$node"
}

# class_seen <index>: for bed_wait_until.
class_seen()
{
	local seen
	IFS='|' read -r _ _ _ _ seen <<<"${CLASSES[$1]}"
	eval "$seen"
}

# The static service the name classes collide with.
cat_register side 127.0.0.1 "$(jq -cn --argjson p "$PORT_SIDE" \
    '{ID: "side", Service: "side", Address: "127.0.0.1", Port: $p}')"
move_web_first()
{
	cat_register web-0 127.0.0.1 "$(jq -cn --argjson p "$PORT_A" \
	    '{ID: "web", Service: "web", Address: "127.0.0.1", Port: $p}')"
	WEB_NODE=web-0
}
move_web_first

cat >"$BED_TMP/templater.ini" <<EOF
[templater]
max_stale = 0s

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
tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until "$STEP_S" web_is "$PORT_A"
bed_wait_until "$STEP_S" serves backend-a
bed_log "start: web on backend-a through nginx and haproxy"

declare -A step_ms
for i in "${!CLASSES[@]}"; do
	IFS='|' read -r name _ <<<"${CLASSES[$i]}"
	class_register "$i"
	bed_wait_until "$STEP_S" class_seen "$i"
	t0=$(tpl_now_ms)
	move_web
	step_ms[$i]=$(($(tpl_now_ms) - t0))
	clean || bed_fail "$name: reached a file: $(grep -Eh -- "$FORBIDDEN" "$UP" "$BACKENDS")"
	bed_assert_ok bed_nginx_test
	bed_assert_ok bed_haproxy_check
	class_deregister "$i"
	bed_log "class $i, $name: skipped; web moved in ${step_ms[$i]} ms"
done

# Every class at once.
for i in "${!CLASSES[@]}"; do
	class_register "$i"
done
for i in "${!CLASSES[@]}"; do
	bed_wait_until "$STEP_S" class_seen "$i"
done
t0=$(tpl_now_ms)
move_web
all_ms=$(($(tpl_now_ms) - t0))
clean || bed_fail "a bad entry reached a file"
bed_assert_ok bed_nginx_test
bed_assert_ok bed_haproxy_check
bed_log "all ${#CLASSES[@]} classes at once: web moved in $all_ms ms"

# Host names are written only when the operator opts in.
out=$(TEMPLATER_ALLOW_HOSTNAMES=1 "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" \
    -once -dry -template "$TPL_TEMPLATES/nginx-upstreams.ctmpl:$BED_TMP/dry.conf" \
    2>/dev/null) || bed_fail "-once -dry with TEMPLATER_ALLOW_HOSTNAMES=1 failed"
bed_assert_contains "$out" "server localhost:80;" "opted-in host name"
bed_assert_contains "$out" "server no-such-host.invalid:80;" "opted-in host name"
bed_assert_not_contains "$out" "1.2.3.4.5" "a host name that is not one"

tpl_alive
bed_assert_fails tpl_log_has "rejected|restoring|failed|not written"
max=0
for i in "${!step_ms[@]}"; do
	((step_ms[$i] > max)) && max=${step_ms[$i]}
done
bed_pass "${#CLASSES[@]} input classes, alone and together: never a file" \
    "the proxies refused; web moved through nginx and haproxy every time" \
    "(at most $max ms per move alone, $all_ms ms with every class)"
