#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 19: writeToFile as consul-template has it, through the daemon and
# a real Consul.  -once writes the side file (directories made, mode set,
# "append,newline" appends a line) beside the destination; -dry writes
# neither and says so; the running daemon rewrites the side file when
# the key changes.  A bad mode fails the render naming the function.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

bed_consul_start
dir=$BED_TMP/out
T=$BED_TMP/w.ctmpl
cat >"$T" <<TPL
{{ key "app/v" | writeToFile "$dir/side/v.txt" "" "" "0640" }}{{ key "app/v" | writeToFile "$dir/log.txt" "" "" "0600" "append,newline" }}main={{ key "app/v" }}
TPL
tpl_kv_put app/v one

# -dry: nothing written, the log says which side file was skipped.
"$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -dry -once-timeout 60s \
    -template "$T:$dir/main.conf" >"$BED_TMP/dry.out" 2>"$BED_TMP/dry.log" ||
    bed_fail "-dry exited $?: $(cat "$BED_TMP/dry.log")"
bed_assert_file_contains "$BED_TMP/dry.log" "writeToFile $dir/side/v.txt not written \(-dry\)"
[[ ! -e $dir ]] || bed_fail "-dry wrote under $dir"

# -once: the side file, its mode, the appended line.
"$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -once-timeout 60s \
    -template "$T:$dir/main.conf" >"$BED_TMP/once.log" 2>&1 ||
    bed_fail "-once exited $?: $(cat "$BED_TMP/once.log")"
bed_assert_eq "main=one" "$(cat "$dir/main.conf")" "destination"
bed_assert_eq "one" "$(cat "$dir/side/v.txt")" "side file"
bed_assert_eq "640" "$(stat -c %a "$dir/side/v.txt")" "side file's mode"
bed_assert_eq "600" "$(stat -c %a "$dir/log.txt")" "appended file's mode"
bed_assert_eq "one" "$(cat "$dir/log.txt")" "appended line"
bed_log "-dry writes nothing; -once writes the side files"

# The daemon: a new value rewrites the side file and appends a line.
tpl_start daemon -template "$T:$dir/main.conf"
bed_wait_until 60 tpl_file_has "$dir/log.txt" '^one$'
tpl_kv_put app/v two
bed_wait_until 60 tpl_file_has "$dir/side/v.txt" '^two$'
bed_wait_until 60 tpl_file_has "$dir/main.conf" '^main=two$'
bed_wait_until 60 tpl_file_has "$dir/log.txt" '^two$'
bed_assert_eq "one" "$(head -n 1 "$dir/log.txt")" "first line kept"
ls -a "$dir/side" >"$BED_TMP/side.ls"
bed_assert_eq "$(printf '.\n..\nv.txt')" "$(cat "$BED_TMP/side.ls")" \
    "nothing but v.txt beside the side file"
bed_stop "$TPL_PID" || bed_fail "templater exited with status $?"

# A mode Go cannot parse: the render fails naming writeToFile.
printf '{{ writeToFile "%s/x" "" "" "0x1" "c" }}\n' "$dir" >"$BED_TMP/bad.ctmpl"
if "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" -once -once-timeout 20s \
    -template "$BED_TMP/bad.ctmpl:$dir/bad.conf" >"$BED_TMP/bad.log" 2>&1; then
	bed_fail "a bad mode rendered"
fi
bed_assert_file_contains "$BED_TMP/bad.log" \
    'error calling writeToFile: strconv.ParseUint: parsing "0x1": invalid syntax'
[[ ! -e $dir/x ]] || bed_fail "a failed render wrote its side file"
bed_pass "writeToFile: side files written once the render is complete, never with -dry"
