#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue 9, "Consul down for 60 s": the registrator and the templater run
# against a Consul dev agent that is stopped for 60 s (FAULT_OUTAGE) while
# containers change: one of three is removed and a new one is started.
# Neither daemon may exit, the rendered file must stay as it was during
# the outage (never emptied), and once the agent is back (empty: dev mode)
# both must converge: the catalog holds exactly this run's running
# containers (0 ghosts, 0 missing, 0 duplicates) and the rendered file
# lists exactly them.  The time to converge is reported.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

OUTAGE=${FAULT_OUTAGE:-60}
TPL_BIN=$(bed_bin templater) || exit 1
SVC=fd-$BED_RUN_ID
OUT=$BED_TMP/upstreams.conf

bed_consul_start
reg_start
printf '{{range service "%s"}}{{.Address}}:{{.Port}}\n{{end}}' "$SVC" \
    >"$BED_TMP/svc.ctmpl"
bed_spawn templater "$TPL_BIN" -consul-addr "$BED_CONSUL_HTTP" \
    -log-level debug -max-stale 0s -template "$BED_TMP/svc.ctmpl:$OUT"
TPL_PID=$BED_PID

run_one()
{
	bed_run --name "$(reg_name "$1")" -p 127.0.0.1::80 \
	    -e SERVICE_NAME="$SVC" "$REG_IMAGE" bed-httpd >/dev/null
}

# truth: "127.0.0.1:<port>" of this run's running containers, sorted.
truth()
{
	local n
	for n in $(docker ps --filter "name=reg-$BED_RUN_ID-" \
	    --format '{{.Names}}'); do
		printf '127.0.0.1:%s\n' "$(bed_container_port "$n" 80)"
	done | sort
}

# catalog: the same from Consul's catalog (duplicates kept).
catalog()
{
	bed_consul_get "/v1/catalog/service/$SVC" |
	    jq -r '.[] | "\(.ServiceAddress):\(.ServicePort)"' | sort
}

# rendered: the same from the templater's file.
rendered()
{
	grep -v '^$' "$OUT" 2>/dev/null | sort
}

# converged: catalog and file both equal Docker's truth.
converged()
{
	local t c
	t=$(truth) || return 1
	c=$(catalog) || return 1
	[[ -n $t && $c == "$t" && $(rendered) == "$t" ]]
}

run_one a
run_one b
run_one c
bed_wait_until 60 converged
bed_log "3 containers registered and rendered"
cp "$OUT" "$BED_TMP/before"

bed_consul_stop
down=$SECONDS
docker rm -f "$(reg_name b)" >/dev/null || bed_fail "cannot remove b"
run_one d
while ((SECONDS - down < OUTAGE)); do
	bed_alive "$REG_PID" || bed_fail "registrator exited during the outage"
	bed_alive "$TPL_PID" || bed_fail "templater exited during the outage"
	cmp -s "$BED_TMP/before" "$OUT" ||
	    bed_fail "rendered file changed while Consul was down"
	sleep 1
done
bed_log "Consul down for $((SECONDS - down)) s: both daemons up, file kept"

bed_consul_start
up=$EPOCHREALTIME
bed_wait_until 120 converged
took=$(awk -v a="$up" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
bed_assert_eq 3 "$(catalog | wc -l)" "catalog entries"
bed_assert_eq 3 "$(catalog | sort -u | wc -l)" "distinct catalog entries"
bed_alive "$REG_PID" || bed_fail "registrator exited"
bed_alive "$TPL_PID" || bed_fail "templater exited"
printf 'result: Consul down %s s with churn: both daemons up, file kept;' \
    "$OUTAGE"
printf ' converged in %s s after it came back (catalog = Docker = file,' \
    "$took"
printf ' ghosts 0, missing 0, duplicates 0); load average %s\n' \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
bed_pass "Consul down ${OUTAGE} s with churn: converged in ${took} s after" \
    "it came back (catalog = Docker = rendered file, 0 ghosts, 0 missing," \
    "0 duplicates)"
