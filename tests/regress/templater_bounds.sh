#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 16, items 1 and 2: no template can stall or exhaust the templater.
# One daemon renders four templates from Consul data: a back-reference
# pattern, a nested counted repetition (each of which hung glibc's regex
# for an hour or took 1.8 GB), a loop past the step budget, and a healthy
# one. The first three fail fast, each with an error naming it and what
# was wrong (Go's regexp texts, the step budget); the healthy one keeps
# rendering changes, also while the hog runs; the daemon stays under
# 64 MiB. A second daemon runs a render that would take about a minute:
# /health answers during it, and SIGTERM ends it and the daemon (exit 0,
# "render interrupted" in the log) long before a 5 s deadline. With -once
# and a 300 ms time budget, the same render fails on the time budget.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

LISTEN=127.0.0.1:$(bed_free_port)
LISTEN2=127.0.0.1:$(bed_free_port)
ZEROS=$(printf '0%.0s' {1..200})

bed_consul_start
tpl_kv_put bounds/zeros "$ZEROS"
tpl_kv_put bounds/v one
tpl_kv_put bounds/hog 1

cat >"$BED_TMP/backref.ctmpl" <<'EOF'
{{ regexMatch "(0*)*(0*)*(0*)*\\1\\2\\3x" (key "bounds/zeros") }}
EOF
cat >"$BED_TMP/nested.ctmpl" <<'EOF'
{{ regexMatch "(((0{1,100}){1,100}){1,100})" (key "bounds/zeros") }}
EOF
cat >"$BED_TMP/hog.ctmpl" <<'EOF'
hog {{ key "bounds/hog" }}
{{ range 1000000000 }}{{ end }}
EOF
cat >"$BED_TMP/healthy.ctmpl" <<'EOF'
value {{ key "bounds/v" }} {{ regexReplaceAll "(?P<d>0)0*" "${d}s" (key "bounds/zeros") }}
EOF
cat >"$BED_TMP/templater.ini" <<EOF
[templater]
consul_addr = $BED_CONSUL_HTTP
listen = $LISTEN
render_max_steps = 5000000

[template backref]
source = $BED_TMP/backref.ctmpl
destination = $BED_TMP/backref.out

[template nested]
source = $BED_TMP/nested.ctmpl
destination = $BED_TMP/nested.out

[template hog]
source = $BED_TMP/hog.ctmpl
destination = $BED_TMP/hog.out

[template healthy]
source = $BED_TMP/healthy.ctmpl
destination = $BED_TMP/healthy.out
EOF

tpl_start templater -config "$BED_TMP/templater.ini"
bed_wait_until 30 tpl_file_has "$BED_TMP/healthy.out" '^value one 0s$'
# Go's refusals, at compile time, naming the template and the line (the
# log doubles a backslash).
bed_wait_until 10 tpl_log_has \
    'template backref: .*backref\.ctmpl:1:[0-9]+: .*error parsing regexp: invalid escape sequence: `(\\)+1`'
bed_wait_until 10 tpl_log_has \
    'template nested: .*nested\.ctmpl:1:[0-9]+: .*error parsing regexp: invalid repeat count: `\{1,100\}`'
# The loop runs out of steps, and says which budget and where.
bed_wait_until 30 tpl_log_has \
    'template hog: .*hog\.ctmpl:2:[0-9]+: .*step budget exceeded: template execution exceeded 5000000 steps'
for f in backref nested hog; do
	[[ ! -e $BED_TMP/$f.out ]] || bed_fail "$f.out was written"
done
bed_log "back-reference, nested repetition and hog templates failed with their errors"

# The hog runs again on its change; the healthy template renders the next
# change anyway, and the daemon answers meanwhile.
tpl_kv_put bounds/hog 2
tpl_kv_put bounds/v two
bed_assert_eq 200 "$(tpl_curl_status "http://$LISTEN/health")" "/health"
bed_wait_until 30 tpl_file_has "$BED_TMP/healthy.out" '^value two 0s$'
bed_wait_until 30 tpl_log_has 'hog\.ctmpl:2:[0-9]+: .*step budget exceeded.*keeping'
tpl_alive
hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$TPL_PID/status")
rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$TPL_PID/status")
((hwm < 64 * 1024)) || bed_fail "peak RSS ${hwm} kB, over 64 MiB"
bed_log "healthy template rendered the change; RSS ${rss} kB, peak ${hwm} kB"
bed_stop "$TPL_PID" || bed_fail "templater exited with status $?"

# A render of about a minute (no step or time budget): /health answers
# during it, and SIGTERM ends it.
cat >"$BED_TMP/long.ctmpl" <<'EOF'
{{ range 1000000000 }}{{ end }}done
EOF
cat >"$BED_TMP/long.ini" <<EOF
[templater]
consul_addr = $BED_CONSUL_HTTP
listen = $LISTEN2
render_max_steps = 1000000000000
render_max_time = 0

[template long]
source = $BED_TMP/long.ctmpl
destination = $BED_TMP/long.out
EOF
tpl_start long -config "$BED_TMP/long.ini"
bed_wait_until 30 tpl_log_has 'started: 1 templates'
for i in 1 2 3; do
	sleep 0.5
	status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	    "http://$LISTEN2/health")
	bed_assert_eq 200 "$status" "/health during the render (probe $i)"
done
[[ ! -e $BED_TMP/long.out ]] || bed_fail "the long render ended already"
t0=$(tpl_now_ms)
kill -TERM "$TPL_PID"
bed_poll_until 5 _bed_dead "$TPL_PID" ||
    bed_fail "templater still running 5 s after SIGTERM"
took=$(($(tpl_now_ms) - t0))
rc=0
bed_stop "$TPL_PID" || rc=$?
bed_assert_eq 0 "$rc" "exit status after SIGTERM"
bed_assert_ok tpl_log_has 'template long: render interrupted: the templater is stopping'
[[ ! -e $BED_TMP/long.out ]] || bed_fail "the interrupted render was written"
bed_log "/health answered during the long render; SIGTERM ended it (${took} ms)"

# The time budget: the same render with -once fails after 300 ms of it.
rc=0
"$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -render-max-steps \
    1000000000000 -render-max-time 300ms \
    -template "$BED_TMP/long.ctmpl:$BED_TMP/long.out" \
    >"$BED_TMP/once.log" 2>&1 || rc=$?
bed_add_log "$BED_TMP/once.log"
bed_assert_eq 1 "$rc" "-once exit status over the time budget"
bed_assert_ok grep -Eq 'long\.ctmpl:1:[0-9]+: .*time budget exceeded: the render took more than 300 ms' \
    "$BED_TMP/once.log"
bed_pass "refused patterns and the step and time budgets fail their" \
    "templates alone; /health answers and SIGTERM exits (${took} ms)" \
    "during a long render"
