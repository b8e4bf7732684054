#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 15, part 5: files the operator can trust, through the daemon
# itself (templater -once, a template without Consul dependencies).  A new
# destination gets 0666 less the umask, or perms; an existing one keeps its
# mode and, as root, its owner.  A destination that is a symbolic link is
# written through only when the link and its target belong to the owner of
# the destination's directory; otherwise nothing is written and the error
# says why.  Temporary files a killed run left beside the destination are
# removed at start, and only those.  Two templates with one destination,
# however spelled, are refused at load, naming both.  Ownership by another
# user needs root (the test bed runs as root).
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

[[ $(id -u) -eq 0 ]] || bed_skip "needs root to give files to another uid"
OTHER=4321
dir=$BED_TMP/out
mkdir -p "$dir"
TPL=$BED_TMP/v.ctmpl
printf 'value {{ env "V" }}\n' >"$TPL"

# render <destination> <value> [flags...]: one -once run, its log kept in
# $BED_TMP/run.log; returns the daemon's exit status.
render()
{
	local dst=$1 v=$2
	shift 2
	V=$v "$TPL_BIN" -once -once-timeout 10s -consul-addr 127.0.0.1:1 \
	    -template "$TPL:$dst" "$@" >"$BED_TMP/run.log" 2>&1
}

mode_owner()
{
	stat -c '%a %u:%g' "$1"
}

# Modes: umask for a new file, perms, an existing file's mode and owner.
(umask 027 && render "$dir/new.conf" 1) || bed_fail "render: $(cat "$BED_TMP/run.log")"
bed_assert_eq "640 0:0" "$(mode_owner "$dir/new.conf")" "new file, umask 027"
(umask 077 && render "$dir/new2.conf" 1) || bed_fail "render: $(cat "$BED_TMP/run.log")"
bed_assert_eq "600 0:0" "$(mode_owner "$dir/new2.conf")" "new file, umask 077"
cat >"$BED_TMP/perms.ini" <<EOF
[template p]
source = $TPL
destination = $dir/perms.conf
perms = 0604
EOF
V=1 "$TPL_BIN" -once -once-timeout 10s -consul-addr 127.0.0.1:1 \
    -config "$BED_TMP/perms.ini" >"$BED_TMP/run.log" 2>&1 ||
    bed_fail "perms: $(cat "$BED_TMP/run.log")"
bed_assert_eq "604 0:0" "$(mode_owner "$dir/perms.conf")" "perms = 0604"
printf 'old\n' >"$dir/kept.conf"
chmod 0640 "$dir/kept.conf"
chown "$OTHER:$OTHER" "$dir/kept.conf"
(umask 077 && render "$dir/kept.conf" 2) || bed_fail "render: $(cat "$BED_TMP/run.log")"
bed_assert_eq "value 2" "$(cat "$dir/kept.conf")" "existing file rewritten"
bed_assert_eq "640 $OTHER:$OTHER" "$(mode_owner "$dir/kept.conf")" \
    "existing file's mode and owner"
bed_log "modes: umask, perms, an existing file's mode and owner kept"

# Symbolic links: ours to our file is followed and stays a link.
printf 'target\n' >"$dir/target.conf"
ln -s target.conf "$dir/link.conf"
render "$dir/link.conf" 3 || bed_fail "link: $(cat "$BED_TMP/run.log")"
[[ -L $dir/link.conf ]] || bed_fail "the link was replaced by a file"
bed_assert_eq "value 3" "$(cat "$dir/target.conf")" "written through our link"

# Another user's link, or our link to another user's file: nothing
# written, exit 1, the reason in the log.
chown -h "$OTHER:$OTHER" "$dir/link.conf"
if render "$dir/link.conf" 4; then
	bed_fail "wrote through a link of uid $OTHER"
fi
bed_assert_file_contains "$BED_TMP/run.log" \
    "symbolic link .*link\.conf belongs to uid $OTHER, not to uid 0 who owns .*: not followed"
bed_assert_eq "value 3" "$(cat "$dir/target.conf")" "target after a refused link"
chown -h 0:0 "$dir/link.conf"
chown "$OTHER:$OTHER" "$dir/target.conf"
if render "$dir/link.conf" 5; then
	bed_fail "wrote through a link to a file of uid $OTHER"
fi
bed_assert_file_contains "$BED_TMP/run.log" \
    "which belongs to uid $OTHER, not to uid 0 who owns .*: not followed"
bed_assert_eq "value 3" "$(cat "$dir/target.conf")" "target of another user"
bed_log "links: ours followed; another user's link or target refused"

# The sweep: leftovers of a killed run go, look-alikes stay.
for f in .sweep.conf.new-Ab12Cd .sweep.conf.candidate-xY34zW \
    .sweep.conf.bak.new-000000 .sweep.conf.backup .sweep.conf.new-Ab12Cd.keep \
    .sweep.conf.new-Ab1 .other.conf.new-Ab12Cd; do
	printf 'stale\n' >"$dir/$f"
done
printf 'theirs\n' >"$dir/.sweep.conf.new-Uid123"
chown "$OTHER:$OTHER" "$dir/.sweep.conf.new-Uid123"
render "$dir/sweep.conf" 6 || bed_fail "sweep: $(cat "$BED_TMP/run.log")"
bed_assert_file_contains "$BED_TMP/run.log" \
    "removed 3 temporary files an earlier run left beside .*sweep\.conf"
left=$(cd "$dir" && printf '%s\n' .sweep* sweep* | LC_ALL=C sort | tr '\n' ' ')
bed_assert_eq ".sweep.conf.backup .sweep.conf.new-Ab1 .sweep.conf.new-Ab12Cd.keep .sweep.conf.new-Uid123 sweep.conf " \
    "$left" "files left beside sweep.conf"
bed_assert_ok test -f "$dir/.other.conf.new-Ab12Cd"
bed_log "sweep: 3 leftovers removed, 5 look-alikes kept"

# One destination, two spellings: refused at load, naming both.
mkdir -p "$dir/sub"
if out=$("$TPL_BIN" -once -consul-addr 127.0.0.1:1 \
    -template "$TPL:$dir/dup.conf" -template "$TPL:$dir/sub/../dup.conf" 2>&1); then
	bed_fail "two templates with one destination were accepted"
fi
bed_assert_contains "$out" "template $dir/dup.conf (destination $dir/dup.conf) and template $dir/sub/../dup.conf (destination $dir/sub/../dup.conf) write the same file $dir/dup.conf" \
    "the load error"
[[ ! -e $dir/dup.conf ]] || bed_fail "a refused configuration wrote a file"
bed_pass "modes, links, sweep and duplicate destinations as documented"
