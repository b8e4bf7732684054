#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 5: a dying container is deregistered promptly; with
# -deregister on-success a container that exits 3, or whose process was
# OOM-killed (even if it then exits 0), keeps its registration, one that
# exits 0 loses it, and removing the kept container removes it too.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
reg_start

# A container that waits for /tmp/go, then runs $1 (a shell snippet).
_waiter()
{
	printf 'while [ ! -e /tmp/go ]; do sleep 1; done; %s' "$1"
}

# Default mode (always): die -> gone within a few seconds.
n0=$(reg_name always)
id0=$(bed_run --name "$n0" -p 127.0.0.1::80 -e SERVICE_NAME=dies \
    "$REG_IMAGE" sh -c "$(_waiter 'exit 3')")
bed_wait_until 20 reg_has dies 1
docker exec "$id0" touch /tmp/go
bed_wait_until 10 reg_has dies 0
bed_stop "$REG_PID"

# on-success.
reg_start -deregister on-success
n3=$(reg_name exit3)
id3=$(bed_run --name "$n3" -p 127.0.0.1::80 -e SERVICE_NAME=exitthree \
    "$REG_IMAGE" sh -c "$(_waiter 'exit 3')")
noom=$(reg_name oom)
idoom=$(bed_run --name "$noom" -m 8m --memory-swap 8m -p 127.0.0.1::80 \
    -e SERVICE_NAME=oomed "$REG_IMAGE" \
    sh -c "$(_waiter 'head -c 200m /dev/zero | tail; exit 0')")
n0=$(reg_name exit0)
id0=$(bed_run --name "$n0" -p 127.0.0.1::80 -e SERVICE_NAME=exitzero \
    "$REG_IMAGE" sh -c "$(_waiter 'exit 0')")
bed_wait_until 20 reg_has exitthree 1
bed_wait_until 20 reg_has oomed 1
bed_wait_until 20 reg_has exitzero 1

docker exec "$id3" touch /tmp/go
docker exec "$idoom" touch /tmp/go
bed_assert_eq 3 "$(docker wait "$id3")" "exit code of $n3"
docker wait "$idoom" >/dev/null
oom=$(docker inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' "$idoom")
bed_assert_eq "true 0" "$oom" "OOMKilled and exit code of $noom"
bed_wait_until 10 reg_log_has "container $n3: stopped \\(exit 3\\), registration kept"
bed_wait_until 10 reg_log_has "container $noom: stopped \\(exit 0, OOM killed\\), registration kept"

# The clean exit goes; the pass that removes it leaves the kept ones.
docker exec "$id0" touch /tmp/go
bed_wait_until 10 reg_has exitzero 0
bed_assert_eq 1 "$(reg_count exitthree)" "kept after exit 3"
bed_assert_eq 1 "$(reg_count oomed)" "kept after the OOM kill"

# Removing the kept container removes its registration.
docker rm "$id3" >/dev/null
bed_wait_until 10 reg_has exitthree 0
bed_assert_eq 1 "$(reg_count oomed)" "other kept registration"

bed_pass
