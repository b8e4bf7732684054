#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 8, churn stop: with the default -deregister always a container's
# services leave Consul when its die event arrives, without waiting for
# Docker to answer the inspect (a busy dockerd answers seconds late): here
# a proxy on the Docker socket holds every inspect of the dying container
# until its services are gone.  A --rm container that is removed at once
# goes too; a container that crashes and is restarted by its restart
# policy ends registered, at its new port; /metrics times both ways.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

proxy=$BED_TMP/docker-hold.sock
hold=$BED_TMP/hold # container IDs whose inspects the proxy holds
plog=$BED_TMP/proxy.log
mport=$(bed_free_port)

# A Docker socket proxy that forwards request by request (no pipelining:
# the registrator's curl waits for each answer) and holds requests for
# /containers/<id>/json while <id> is listed in the hold file.
cat >"$BED_TMP/hold_proxy.py" <<'EOF'
import os, socket, sys, threading, time

listen, upstream, hold, logf = sys.argv[1:5]

def log(msg):
    with open(logf, "a") as f:
        f.write(msg + "\n")

def held(path):
    try:
        ids = open(hold).read().split()
    except FileNotFoundError:
        return False
    return any("/containers/%s/json" % i in path for i in ids)

def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    close(src, dst)

def serve(c):
    u = socket.socket(socket.AF_UNIX)
    u.connect(upstream)
    threading.Thread(target=pump, args=(u, c), daemon=True).start()
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            head, _, rest = buf.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            clen = 0
            for h in lines[1:]:
                k, _, v = h.partition(b":")
                if k.strip().lower() == b"content-length":
                    clen = int(v)
            while len(rest) < clen:
                d = c.recv(65536)
                if not d:
                    return
                rest += d
            body, buf = rest[:clen], rest[clen:]
            req = lines[0].decode("latin-1")
            path = req.split(" ")[1] if req.count(" ") >= 2 else ""
            if held(path):
                log("held " + req)
                while held(path):
                    time.sleep(0.05)
                log("released " + req)
            u.sendall(head + b"\r\n\r\n" + body)
    except OSError:
        pass
    finally:
        close(c, u)

s = socket.socket(socket.AF_UNIX)
s.bind(listen)
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

bed_consul_start
bed_spawn hold-proxy "$BED_PYTHON" "$BED_TMP/hold_proxy.py" "$proxy" \
    "$BED_DOCKER_SOCK" "$hold" "$plog"
bed_wait_until 10 test -S "$proxy"
DOCKER_HOST=unix://$proxy reg_start -listen "127.0.0.1:$mport"

# Deregistered while Docker has not answered the die's inspect.
nh=$(reg_name held)
idh=$(bed_run --name "$nh" -p 127.0.0.1::80 -e SERVICE_NAME=held \
    "$REG_IMAGE" bed-httpd)
bed_wait_until 20 reg_has held 1
printf '%s\n' "$idh" >"$hold"
docker kill "$idh" >/dev/null
bed_wait_until 20 reg_has held 0
bed_wait_until 10 grep -q "held GET .*/containers/$idh/json" "$plog"
grep -q "released GET .*/containers/$idh/json" "$plog" &&
    bed_fail "the inspect was answered before the deregistration"
reg_log_has "container $nh: died, deregistering" ||
    bed_fail "no 'died, deregistering' line for $nh"
rm -f "$hold"
bed_wait_until 10 grep -q "released GET .*/containers/$idh/json" "$plog"

# A --rm container is removed before any inspect can be answered.
ne=$(reg_name ephemeral)
ide=$(bed_run --rm --name "$ne" -p 127.0.0.1::80 -e SERVICE_NAME=ephemeral \
    "$REG_IMAGE" bed-httpd)
bed_wait_until 20 reg_has ephemeral 1
docker kill "$ide" >/dev/null
bed_wait_until 20 reg_has ephemeral 0

# Crash, restart by policy: deregistered on the die, registered again
# after the start, and still registered after the passes that follow.
nr=$(reg_name phoenix)
idr=$(bed_run --name "$nr" --restart on-failure:3 -p 127.0.0.1::80 \
    -e SERVICE_NAME=phoenix "$REG_IMAGE" sh -c \
    'if [ -e /tmp/crashed ]; then exec bed-httpd; fi
     while [ ! -e /tmp/go ]; do sleep 1; done; touch /tmp/crashed; exit 1')
bed_wait_until 20 reg_has phoenix 1
docker exec "$idr" touch /tmp/go
bed_wait_until 20 reg_log_has "container $nr: died, deregistering"
_restarted()
{
	[[ $(docker inspect -f '{{.RestartCount}} {{.State.Running}}' \
	    "$idr") == "1 true" ]]
}
bed_wait_until 20 _restarted
# Registered after the die was handled (the log is in order).
_reregistered()
{
	awk -v d="container $nr: died, deregistering" \
	    -v r="registered $REG_HOST:$nr:80" '
	    index($0, d) { died = 1 }
	    died && index($0, r) && !index($0, "deregistered") { ok = 1 }
	    END { exit !ok }' "$REG_LOG"
}
bed_wait_until 20 _reregistered
_passes()
{
	grep -c 'reconcile: pass done' "$REG_LOG"
}
p0=$(_passes)
_two_more_passes()
{
	(($(_passes) >= p0 + 2))
}
bed_wait_until 20 _two_more_passes
bed_wait_until 10 reg_has phoenix 1
port=$(bed_container_port "$idr" 80)
bed_assert_eq "$port" "$(reg_catalog phoenix | jq '.[0].ServicePort')" \
    "registered port after the restart"

# /metrics: both latencies, the inspect time, the process figures.
metrics=$(curl -sf "http://127.0.0.1:$mport/metrics") ||
    bed_fail "/metrics did not answer"
_at_least()
{
	awk -v n="$1" -v min="$2" '$1 == n { found = 1; ok = $2 >= min }
	    END { exit !(found && ok) }' <<<"$metrics" ||
	    bed_fail "/metrics: $1 below $2"
}
# held, ephemeral, phoenix and its restart: 4 starts, 3 dies.
_at_least registrator_event_to_registration_seconds_count 4
_at_least registrator_event_to_deregistration_seconds_count 3
_at_least registrator_inspect_seconds_count 1
_at_least registrator_register_seconds_count 4
_at_least 'registrator_event_to_registration_seconds_bucket{le="0.0005"}' 0
_at_least process_resident_memory_bytes 100000
_at_least process_cpu_seconds_total 0
_at_least process_open_fds 3
_at_least registrator_loop_wakeups_total 1
bed_alive "$REG_PID" || bed_fail "registrator exited"

bed_pass
