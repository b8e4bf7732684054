#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 15, part 6: a change that arrives while HAProxy reloads is applied
# by the next reload, never lost.  HAProxy runs in master-worker mode and
# is reloaded through its master CLI by examples/haproxy/haproxy-reload.sh,
# which returns only once the reload is over; here it is wrapped in a
# command made slow on purpose (a pause after the file is in place, before
# the reload is asked for).  The service moves from backend-a to backend-b,
# and, while the command for that move runs, to backend-c: traffic must end
# on backend-c.  A second template writing another file HAProxy loads runs
# the same command, and changes at the same moment: the command's runs,
# logged by the wrapper, never overlap.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

PAUSE_S=${RACE_PAUSE_S:-2}

bed_consul_start
for b in a b c; do
	bed_httpd_start "$b" "backend-$b"
	declare "PORT_${b^^}=$BED_HTTPD_PORT"
done

bed_haproxy_init
BACKENDS=$BED_HAPROXY_DIR/backends.cfg
EXTRA=$BED_HAPROXY_DIR/extra.cfg
MASTER_SOCK=$BED_HAPROXY_MASTER_SOCK
cat >"$BED_HAPROXY_CFG" <<EOF
frontend fe
    bind 127.0.0.1:$BED_HAPROXY_PORT
    default_backend web
EOF
printf 'backend web\n' >"$BACKENDS"
printf '# extra\n' >"$EXTRA"
BED_HAPROXY_CMD="$BED_HAPROXY_CMD -f $BACKENDS -f $EXTRA"
bed_haproxy_start

# The slow reload: "start" and "end" lines with nanosecond stamps.
RUNS=$BED_TMP/runs.log
RELOAD=$BED_TMP/slow-reload.sh
cat >"$RELOAD" <<EOF
#!/bin/sh
echo "start \$(date +%s%N)" >>"$RUNS"
sleep $PAUSE_S
rc=0
"$SOURCE_DIR/examples/haproxy/haproxy-reload.sh" "$MASTER_SOCK" || rc=\$?
echo "end \$(date +%s%N) \$rc" >>"$RUNS"
exit \$rc
EOF
chmod 755 "$RELOAD"
: >"$RUNS"

cat >"$BED_TMP/extra.ctmpl" <<'EOF'
# extra: {{ keyOrDefault "race/extra" "none" | regexReplaceAll "[^a-z0-9]" "_" }}
EOF
# inih's 200-byte lines: the check is a script.
CHECK=$BED_TMP/check.sh
cat >"$CHECK" <<EOF
#!/bin/sh
exec haproxy -c -q -f $BED_HAPROXY_GLOBAL -f $BED_HAPROXY_CFG -f "\$1" -f $EXTRA
EOF
chmod 755 "$CHECK"
cat >"$BED_TMP/templater.ini" <<EOF
[templater]
max_stale = 0s

[template backends]
source = $TPL_TEMPLATES/haproxy-backends.ctmpl
destination = $BACKENDS
check = ["$CHECK", "{}"]
command = ["$RELOAD"]

[template extra]
source = $BED_TMP/extra.ctmpl
destination = $EXTRA
command = ["$RELOAD"]
EOF

# cat_register <node> <port>: web on its own catalog node.
cat_register()
{
	bed_consul_api PUT /v1/catalog/register "$(jq -cn --arg n "$1" \
	    --argjson p "$2" '{Node: $n, Address: "127.0.0.1",
	    Service: {ID: "web", Service: "web", Address: "127.0.0.1", Port: $p}}')" \
	    >/dev/null || bed_fail "cannot register node $1"
}

cat_deregister()
{
	bed_consul_api PUT /v1/catalog/deregister "$(jq -cn --arg n "$1" \
	    '{Node: $n}')" >/dev/null || bed_fail "cannot deregister node $1"
}

# web_only <port>: backend web has exactly that server.
web_only()
{
	local s
	s=$(awk '$0 == "backend web" { f = 1; next } f && !/^    / { exit }
	    f && /^    server /' "$BACKENDS")
	[[ $s =~ ^\ {4}server\ [^\ ]+\ 127\.0\.0\.1:$1\ check$ ]]
}

# running: the last line of the runs log is a start: the command runs.
running()
{
	[[ $(tail -n 1 "$RUNS") == start* ]]
}

# idle: the last run has ended.
idle()
{
	[[ $(tail -n 1 "$RUNS") == end* ]]
}

# serves <body>: six requests in a row answer body.
serves()
{
	tpl_curl_all "http://127.0.0.1:$BED_HAPROXY_PORT/" "$1" 6
}

cat_register race-a "$PORT_A"
tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until 60 serves backend-a
bed_wait_until 60 idle
bed_log "step 1: backend-a through haproxy"

# Move to b, and while the command for that move runs, to c; the other
# template changes at the same moment.
cat_register race-b "$PORT_B"
cat_deregister race-a
bed_wait_until 30 web_only "$PORT_B"
bed_wait_until 30 running
changed_ns=$(date +%s%N)
cat_register race-c "$PORT_C"
cat_deregister race-b
tpl_kv_put race/extra changed
bed_log "step 2: moved to backend-c while the command for backend-b runs"

bed_wait_until 60 serves backend-c
bed_wait_until 60 tpl_file_has "$EXTRA" "^# extra: changed$"
bed_wait_until 60 idle
cp "$RUNS" "$BED_TMP/runs.seen"
RUNS=$BED_TMP/runs.seen
bed_assert_eq "" "$(grep -v '^\(start\|end\) ' "$RUNS")" "malformed runs log"

# The runs alternate, start then end, each end after its start; every
# reload took (status 0); one run started after the change to c.
awk '
	$1 == "start" { if (open) bad = "two starts in a row at line " NR
		open = 1; t = $2 }
	$1 == "end" { if (!open) bad = "an end without a start at line " NR
		if ($2 < t) bad = "an end before its start at line " NR
		if ($3 != 0) bad = "a reload failed at line " NR
		open = 0 }
	END { if (bad != "") { print bad; exit 1 } }' "$RUNS" ||
	bed_fail "command runs overlap or failed: $(cat "$RUNS")"
after=$(awk -v c="$changed_ns" '$1 == "start" && $2 > c' "$RUNS" | wc -l)
((after >= 1)) || bed_fail "no run started after the change to backend-c: $(cat "$RUNS")"
for _ in 1 2 3 4 5; do
	bed_assert_eq backend-c "$(tpl_curl_body "http://127.0.0.1:$BED_HAPROXY_PORT/")" \
	    "traffic after the change made during the reload"
done
tpl_alive
bed_assert_fails tpl_log_has "rejected|restoring|failed"
runs=$(grep -c '^start' "$RUNS")
bed_pass "a change made during a ${PAUSE_S} s reload was applied by the" \
    "next one; $runs runs of the shared command, never two at once," \
    "$after started after the change"
