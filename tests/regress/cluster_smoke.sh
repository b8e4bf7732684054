#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# cluster_smoke: the cluster of tests/cluster/ (3 Consul servers with ACLs
# and TLS, two app hosts each with its own Docker Engine and registrator,
# an edge with the templater and nginx, a client host with the load
# generator, every host a network namespace) runs one rolling deploy and
# one crash under constant load with nginx's retries on: 0 failed requests,
# and after each, Consul and the edge's live file agree with Docker on every
# host (0 ghosts, 0 missing).  tests/cluster/run.sh --smoke does the work;
# this test gives it a cluster id no other run holds (an flock per id, so
# that scripts/test.sh's parallel pairs never share addresses or names),
# and tears down what a killed earlier run of that id left.
set -euo pipefail
. "${SOURCE_DIR:-$(dirname "$0")/../..}/tests/bed/bed.sh"

[[ $(id -u) == 0 ]] || bed_skip "needs root (network namespaces, Docker Engines)"
command -v nsenter >/dev/null || bed_skip "nsenter (util-linux) is missing"
"$BED_SOURCE_DIR/tests/bed/consul-path.sh" >/dev/null ||
    bed_skip "no Consul binary (scripts/install.sh)"
bed_image >/dev/null

id=
for try in 17 18 19; do
	exec 9>"/tmp/registrator-cluster-$try.lock"
	if flock -n 9; then
		id=$try
		break
	fi
	exec 9>&-
done
[[ -n $id ]] || bed_fail "clusters 17-19 are all in use"
export CLUSTER_ID=$id CLUSTER_STATE=/tmp/cluster-$id KEEP_LOGS=$BED_TMP/logs
mkdir -p "$KEEP_LOGS"
"$BED_SOURCE_DIR/tests/cluster/down.sh" ||
    bed_fail "a stale cluster $id could not be torn down"

rc=0
timeout 300 "$BED_SOURCE_DIR/tests/cluster/run.sh" --smoke \
    >"$BED_TMP/run.out" 2>"$BED_TMP/run.err" || rc=$?
bed_add_log "$BED_TMP/run.err"
cat "$BED_TMP/run.out"
bed_assert_eq 0 "$rc" "run.sh --smoke exit status"
out=$(<"$BED_TMP/run.out")
bed_assert_contains "$out" "| rolling deploy, retries on"
bed_assert_contains "$out" "| crash (kill -9), retries on"
# Nothing of the cluster is left: namespaces, bridge, state.
[[ -z $(ip netns list | grep "^c$id-") ]] || bed_fail "namespaces left: $(ip netns list)"
! ip link show "c${id}br" >/dev/null 2>&1 || bed_fail "bridge c${id}br left"
[[ ! -e $CLUSTER_STATE ]] || bed_fail "$CLUSTER_STATE left"
bed_pass
