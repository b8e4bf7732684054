#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 9, "Soak": the registrator and the templater (rendering the churned
# service) run against one Consul agent while this run's containers churn
# without pause: started, killed, removed (at most FAULT_MAX_ALIVE = 12
# running, 4 exited).  After a warm-up (SOAK_WARMUP, 60 s) VmRSS and the
# number of open fds of both daemons are sampled about every 10 s for
# SOAK_SECONDS (300 s, the issue's 5 minutes).  Asserted:
#
# - RSS: the median of the last 3 samples is less than 5 % above the median
#   of the first 3 after the warm-up.  A single sample is noisy: glibc
#   serves allocations of 128 kB and more with mmap and unmaps them when
#   freed, and trims the heap top only past its threshold, so one sample
#   can land on a transient peak (a large Consul or Docker answer being
#   parsed) or a trough.  A leak raises every later sample, and so the
#   median; a median of three ignores one outlier at either end.
# - fds: the highest of the last 3 samples is at most the highest of the
#   first 3 plus 8.  Both daemons hold a varying number of connections at
#   any moment (the registrator up to 8 concurrent Docker inspects, each
#   on its own connection, plus its Consul client's; the templater one per
#   blocking query in flight), so a sample catches between 0 and 8 of them
#   open; a leak of one fd per container would add well over 8 in the
#   hundreds of changes of a soak.
# - both daemons are still running;
# - once the churn stops: the catalog equals Docker's truth (0 ghosts, 0
#   missing, 0 duplicates) and the rendered file equals the catalog.
#
# Prints "result:" lines with the figures.
. "$SOURCE_DIR/tests/regress/fault_common.bash"

SOAK_SECONDS=${SOAK_SECONDS:-300}
SOAK_WARMUP=${SOAK_WARMUP:-60}
SOAK_INTERVAL=${SOAK_INTERVAL:-10}
RSS_LIMIT_PCT=5
FD_SLACK=8

bed_consul_start
# Info level: five minutes of debug lines would only fill the disk.
bed_spawn registrator "$REG_BIN" -log-level info "consul://$BED_CONSUL_HTTP"
REG_PID=$BED_PID
FAULT_TPL_LOG_LEVEL=info fault_templater_start

# _status_kb <pid> <field>: a kB field of /proc/<pid>/status.
_status_kb()
{
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# _fds <pid>: open file descriptors.
_fds()
{
	local fds=("/proc/$1/fd"/*)
	printf '%s\n' "${#fds[@]}"
}

# _median3 <a> <b> <c>
_median3()
{
	printf '%s\n' "$@" | sort -n | sed -n 2p
}

# _max <values...>
_max()
{
	printf '%s\n' "$@" | sort -n | tail -n 1
}

REG_RSS=() REG_ANON=() REG_FDS=() TPL_RSS=() TPL_ANON=() TPL_FDS=()
_sample()
{
	bed_alive "$REG_PID" || bed_fail "registrator exited during the soak"
	bed_alive "$TPL_PID" || bed_fail "templater exited during the soak"
	REG_RSS+=("$(_status_kb "$REG_PID" VmRSS)")
	REG_ANON+=("$(_status_kb "$REG_PID" RssAnon)")
	REG_FDS+=("$(_fds "$REG_PID")")
	TPL_RSS+=("$(_status_kb "$TPL_PID" VmRSS)")
	TPL_ANON+=("$(_status_kb "$TPL_PID" RssAnon)")
	TPL_FDS+=("$(_fds "$TPL_PID")")
	bed_log "sample ${#REG_RSS[@]}: registrator RSS ${REG_RSS[-1]} kB" \
	    "(anon ${REG_ANON[-1]}) fds ${REG_FDS[-1]}; templater RSS" \
	    "${TPL_RSS[-1]} kB (anon ${TPL_ANON[-1]}) fds ${TPL_FDS[-1]};" \
	    "${#FAULT_ALIVE[@]} running, $FAULT_STARTED started"
}

start=$SECONDS
bed_log "churn starts: ${SOAK_WARMUP} s warm-up, then ${SOAK_SECONDS} s sampled"
while ((SECONDS - start < SOAK_WARMUP)); do
	fault_churn_step
done
measured=$SECONDS
started_at_warmup=$FAULT_STARTED
_sample
next=$((SECONDS + SOAK_INTERVAL))
while ((SECONDS - measured < SOAK_SECONDS)); do
	fault_churn_step
	if ((SECONDS >= next)); then
		_sample
		next=$((SECONDS + SOAK_INTERVAL))
	fi
done
_sample
churned=$FAULT_STARTED
samples=${#REG_RSS[@]}
((samples >= 6)) || bed_fail "only $samples samples: too few to compare"
bed_log "churn stopped after $((SECONDS - start)) s: $churned containers" \
    "started, $samples samples"

stopped=$EPOCHREALTIME
bed_wait_until 120 fault_converged
took=$(fault_elapsed "$stopped")
counts=$(fault_diff_counts)
bed_assert_eq "ghosts 0, missing 0, duplicates 0, file = catalog" "$counts" \
    "after the churn"

# _check <name> <rss array> <anon array> <fds array>: assert and print.
_check()
{
	local -n rss=$2 anon=$3 fds=$4
	local n=${#rss[@]} r0 r1 a0 a1 f0 f1 pct
	r0=$(_median3 "${rss[@]:0:3}")
	r1=$(_median3 "${rss[@]:n-3:3}")
	a0=$(_median3 "${anon[@]:0:3}")
	a1=$(_median3 "${anon[@]:n-3:3}")
	f0=$(_max "${fds[@]:0:3}")
	f1=$(_max "${fds[@]:n-3:3}")
	pct=$(awk -v a="$r0" -v b="$r1" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }')
	RESULT+=", $1 RSS $r0 -> $r1 kB ($pct %, anon $a0 -> $a1 kB), fds $f0 -> $f1"
	awk -v a="$r0" -v b="$r1" -v l="$RSS_LIMIT_PCT" \
	    'BEGIN { exit !(b < a * (1 + l / 100)) }' ||
	    bed_fail "$1 RSS grew $pct % after the warm-up ($r0 -> $r1 kB," \
	    "samples: ${rss[*]})"
	((f1 <= f0 + FD_SLACK)) ||
	    bed_fail "$1 fds grew from $f0 to $f1 (samples: ${fds[*]})"
}

RESULT="soak $SOAK_SECONDS s after a $SOAK_WARMUP s warm-up, $churned containers churned ($((churned - started_at_warmup)) while sampled, at most $FAULT_MAX_ALIVE running)"
_check registrator REG_RSS REG_ANON REG_FDS
_check templater TPL_RSS TPL_ANON TPL_FDS
fault_stop_clean "$REG_PID" "$REG_LOG" registrator
fault_stop_clean "$TPL_PID" "$TPL_LOG" templater
printf 'result: %s\n' "$RESULT"
printf 'result: soak converged in %s s after the churn stopped: %s; load average %s\n' \
    "$took" "$counts" "$(cut -d' ' -f1-3 /proc/loadavg)"
bed_pass "$RESULT"
