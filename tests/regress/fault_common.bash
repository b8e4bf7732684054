# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers shared by the fault_*.sh tests that run the registrator and the
# templater together over container churn (not a test: the runner only
# picks up *.sh).  One service name, unique to the run, is given to every
# container this run starts (named reg-<run id>-c<n>); the templater
# renders its instances, one "address:port" per line.  Docker, the catalog
# and the rendered file are compared as sorted lists with duplicates kept,
# so that equal lists mean 0 ghosts, 0 missing and 0 duplicates.
#
# Functions that start processes must not be called inside $( ).

. "$SOURCE_DIR/tests/regress/registrator_common.bash"

FAULT_TPL_BIN=$(bed_bin templater) || exit 1
FAULT_SVC=fault-$BED_RUN_ID
FAULT_OUT=$BED_TMP/upstreams.conf
FAULT_MAX_ALIVE=${FAULT_MAX_ALIVE:-12} # running containers, at most
FAULT_MAX_EXITED=4 # killed containers kept before they are removed
FAULT_ALIVE=() # names of running churn containers
FAULT_EXITED=() # names of killed, not yet removed, churn containers
FAULT_STARTED=0 # containers started by fault_churn_step

# fault_templater_start [flags...]: the templater rendering FAULT_SVC into
# FAULT_OUT; sets TPL_PID and TPL_LOG.
fault_templater_start()
{
	[[ -f $BED_TMP/svc.ctmpl ]] ||
	    printf '{{range service "%s"}}{{.Address}}:{{.Port}}\n{{end}}' \
	    "$FAULT_SVC" >"$BED_TMP/svc.ctmpl"
	bed_spawn templater "$FAULT_TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" \
	    -log-level "${FAULT_TPL_LOG_LEVEL:-debug}" -max-stale 0s \
	    -template "$BED_TMP/svc.ctmpl:$FAULT_OUT" "$@"
	TPL_PID=$BED_PID
	TPL_LOG=$BED_TMP/templater.log
}

# _fault_pick <n>: a random index below n.
_fault_pick()
{
	printf '%s\n' $((RANDOM % $1))
}

# fault_churn_step: one change to this run's containers, chosen at random
# within the bounds: start one (while fewer than FAULT_MAX_ALIVE run),
# kill one (it stays exited until removed), remove a running one with
# `rm -f`, or remove an exited one.  Starts are a little more likely than
# stops, so the count hovers near the cap rather than near zero.  Every
# container carries the bed's labels (registrator.test=1).  Docker errors
# fail the test.
fault_churn_step()
{
	local n=${#FAULT_ALIVE[@]} e=${#FAULT_EXITED[@]} r=$((RANDOM % 100)) i name
	if ((e >= FAULT_MAX_EXITED || (e > 0 && r < 15))); then
		i=$(_fault_pick "$e")
		docker rm -v "${FAULT_EXITED[i]}" >/dev/null ||
		    bed_fail "docker rm ${FAULT_EXITED[i]} failed"
		FAULT_EXITED=("${FAULT_EXITED[@]:0:i}" "${FAULT_EXITED[@]:i+1}")
	elif ((n < 3 || (n < FAULT_MAX_ALIVE && r < 62))); then
		FAULT_STARTED=$((FAULT_STARTED + 1))
		name=$(reg_name "c$FAULT_STARTED")
		bed_run --name "$name" -p 127.0.0.1::80 \
		    -e SERVICE_NAME="$FAULT_SVC" "$REG_IMAGE" bed-httpd >/dev/null
		FAULT_ALIVE+=("$name")
	elif ((r < 82)); then
		i=$(_fault_pick "$n")
		docker kill "${FAULT_ALIVE[i]}" >/dev/null ||
		    bed_fail "docker kill ${FAULT_ALIVE[i]} failed"
		FAULT_EXITED+=("${FAULT_ALIVE[i]}")
		FAULT_ALIVE=("${FAULT_ALIVE[@]:0:i}" "${FAULT_ALIVE[@]:i+1}")
	else
		i=$(_fault_pick "$n")
		docker rm -f -v "${FAULT_ALIVE[i]}" >/dev/null ||
		    bed_fail "docker rm -f ${FAULT_ALIVE[i]} failed"
		FAULT_ALIVE=("${FAULT_ALIVE[@]:0:i}" "${FAULT_ALIVE[@]:i+1}")
	fi
}

# fault_truth: "127.0.0.1:<port>" of this run's running containers, as
# Docker reports them, sorted.
fault_truth()
{
	docker ps --filter "label=$BED_LABEL.run=$BED_RUN_ID" \
	    --format '{{.Ports}}' |
	    grep -o '127\.0\.0\.1:[0-9]*->80/tcp' | sed 's/->80\/tcp$//' | sort
}

# fault_catalog: the same from Consul's catalog, duplicates kept.
fault_catalog()
{
	bed_consul_get "/v1/catalog/service/$FAULT_SVC" |
	    jq -r '.[] | "\(.ServiceAddress):\(.ServicePort)"' | sort
}

# fault_rendered: the same from the templater's file.
fault_rendered()
{
	[[ -f $FAULT_OUT ]] || return 1
	grep -v '^$' "$FAULT_OUT" | sort
}

# fault_converged: catalog and rendered file both equal Docker's truth.
fault_converged()
{
	local t c r
	t=$(fault_truth) || return 1
	c=$(fault_catalog) || return 1
	r=$(fault_rendered) || return 1
	[[ $c == "$t" && $r == "$t" ]]
}

# fault_diff_counts: "ghosts G, missing M, duplicates D" of the catalog
# against Docker's truth, and "file = catalog" or "file != catalog".
fault_diff_counts()
{
	local t c r ghosts missing dups
	t=$(fault_truth)
	c=$(fault_catalog)
	r=$(fault_rendered)
	ghosts=$(comm -13 <(sort -u <<<"$t") <(sort -u <<<"$c") | grep -c . || true)
	missing=$(comm -23 <(sort -u <<<"$t") <(sort -u <<<"$c") | grep -c . || true)
	dups=$(($(grep -c . <<<"$c" || true) - $(sort -u <<<"$c" | grep -c . || true)))
	printf 'ghosts %s, missing %s, duplicates %s, file %s catalog\n' \
	    "$ghosts" "$missing" "$dups" "$([[ $r == "$c" ]] && echo = || echo '!=')"
}

# fault_elapsed <start EPOCHREALTIME>: seconds since then, one decimal.
fault_elapsed()
{
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

# fault_stop_clean <pid> <log> <name>: SIGTERM; the daemon must exit 0 and
# its log must hold no sanitizer report (in an ASan build, LeakSanitizer
# reports what the churn leaked at this exit).
fault_stop_clean()
{
	local rc=0
	bed_stop "$1" 20 || rc=$?
	bed_assert_eq 0 "$rc" "$3 exit status after SIGTERM"
	bed_assert_fails grep -qE 'Sanitizer|runtime error' "$2"
}
