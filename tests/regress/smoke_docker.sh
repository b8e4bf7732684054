#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# smoke_docker: the bed's Docker is real, and the project's own HTTP stack
# (lib/http.c on lib/loop.c, driven by tests/tools/httpc) talks to it over
# /var/run/docker.sock: a labelled container started here is seen at
# /containers/{id}/json with its labels; its published port answers over
# TCP; the event stream replays its start through the streaming path; 20
# parallel requests under a cap of 2 connections share them; an error
# status and the body cap behave as documented.
set -euo pipefail
. "${SOURCE_DIR:-$(dirname "$0")/../..}/tests/bed/bed.sh"

HTTPC=$BED_BUILD_DIR/tests/httpc
[[ -x $HTTPC ]] || bed_fail "$HTTPC is not built"
docker info >/dev/null 2>&1 || bed_skip "no Docker Engine on $BED_DOCKER_SOCK"
sock=(--unix-socket "$BED_DOCKER_SOCK")
api=http://localhost/v1.41

t0=$(date +%s)
id=$(bed_run_httpd -e HTTPD_BODY=smoke-body --label smoke.name=web)
bed_log "container $id"

# The container, as the Engine describes it, through our client.
js=$("$HTTPC" -f "${sock[@]}" "$api/containers/$id/json")
bed_assert_jq_eq "$js" .Id "$id" "container id"
bed_assert_jq_eq "$js" .State.Running true "running"
bed_assert_jq_eq "$js" '.Config.Labels["registrator.test"]' 1 "bed label"
bed_assert_jq_eq "$js" '.Config.Labels["smoke.name"]' web "own label"

# Response headers come through; the final status is shown.
hdr=$("$HTTPC" -i "${sock[@]}" "$api/_ping")
bed_assert_contains "$hdr" "HTTP 200"
bed_assert_contains "$hdr" "Api-Version: "

# Its published port answers over TCP.
port=$(bed_container_port "$id" 80)
bed_wait_until 10 "$HTTPC" -f "http://127.0.0.1:$port/health"
bed_assert_eq smoke-body "$("$HTTPC" -f "http://127.0.0.1:$port/")" "httpd body"

# The event stream, replayed from t0 and closed at "until", streamed chunk
# by chunk through on_data.
filters=$(printf '{"container":["%s"],"type":["container"]}' "$id" | jq -sRr @uri)
ev=$("$HTTPC" -f --stream --max-time 30 "${sock[@]}" \
    "$api/events?since=$t0&until=$(($(date +%s) + 1))&filters=$filters")
start=$(jq -c --arg id "$id" 'select(.status == "start" and .id == $id)' <<<"$ev")
[[ -n $start ]] || bed_fail "no start event for $id in: $ev"

# 20 requests at once under a cap of 2 connections: all answered, and the
# most sockets open at any time was at most 2.  The cap is a maximum:
# libcurl may serve all 20 on one reused connection, so the exact count is
# the scheduler's, not ours.
out=$("$HTTPC" -n 20 --max-conns 2 "${sock[@]}" "$api/containers/$id/json" 2>"$BED_TMP/conns")
bed_assert_eq 20 "$(grep -c '^200 ' <<<"$out")" "answers with 200"
conns=$(sed -n 's/^connections: \([0-9][0-9]*\)$/\1/p' "$BED_TMP/conns")
[[ -n $conns ]] || bed_fail "httpc printed no connection count: $(cat "$BED_TMP/conns")"
((conns >= 1 && conns <= 2)) ||
    bed_fail "connection cap: $conns connections open at once, cap 2"

# An unknown container: 404 with Docker's message; -f makes it exit 22.
nf=$("$HTTPC" -i "${sock[@]}" "$api/containers/smoke-no-such-container/json")
bed_assert_contains "$nf" "HTTP 404"
bed_assert_contains "$nf" "No such container"
rc=0
"$HTTPC" -f "${sock[@]}" "$api/containers/smoke-no-such-container/json" \
    >/dev/null || rc=$?
bed_assert_eq 22 "$rc" "exit status with -f on 404"

# The body cap: an error that says so, exit 1.
rc=0
err=$("$HTTPC" --max-body 10 "${sock[@]}" "$api/containers/$id/json" 2>&1 >/dev/null) || rc=$?
bed_assert_eq 1 "$rc" "exit status over the body cap"
bed_assert_contains "$err" "response body larger than the 10-byte limit"

bed_pass
