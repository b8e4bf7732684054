# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# bed.sh: the test bed every integration test stands on. Sourcing it gives a
# test its own run id, temp dir and EXIT trap, and helpers that drive the real
# parts: a Consul dev agent on free loopback ports, a busybox image made from
# nothing with `docker import`, labelled containers removed at the end, nginx
# and haproxy run as the current user from configs in the temp dir, busybox
# httpd backends, waits with deadlines and assertions. Everything a test
# starts is stopped by the EXIT trap, on success and on failure; nothing that
# another run started is ever touched.
#
# Use from a tests/regress/<name>.sh (ctest sets BUILD_DIR and SOURCE_DIR):
#	. "$SOURCE_DIR/tests/bed/bed.sh"
#	bed_consul_start
#	id=$(bed_run_httpd --label SERVICE_NAME=web)
#	bed_wait_until 20 bed_consul_has_service web
#	bed_pass
#
# Functions that start processes (bed_spawn, bed_consul_start, bed_*_start,
# bed_httpd_start) set global variables and must not be called inside $( ).

if [[ -n ${BED_LOADED:-} ]]; then
	return 0
fi
BED_LOADED=1

BED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BED_SOURCE_DIR=${SOURCE_DIR:-$(cd "$BED_DIR/../.." && pwd)}
BED_BUILD_DIR=${BUILD_DIR:-$BED_SOURCE_DIR/build}
BED_NAME=${BED_NAME:-$(basename "$0" .sh)}
BED_IMAGE=registrator-test/busybox:1
BED_LABEL=registrator.test
BED_POLL=${BED_POLL:-0.1}
# Debian's python3 (scripts/install.sh installs it): a pyenv shim earlier in
# PATH costs seconds per start on a loaded machine.
BED_PYTHON=${BED_PYTHON:-/usr/bin/python3}
[[ -x $BED_PYTHON ]] || BED_PYTHON=python3
BED_DOCKER_SOCK=${BED_DOCKER_SOCK:-/var/run/docker.sock}
BED_PORTS_DIR=${BED_PORTS_DIR:-/tmp/registrator-bed-ports}
BED_PIDS=()
BED_PID_NAMES=()
BED_LOGS=()
BED_ON_EXIT=()
BED_DONE=

# ---------------------------------------------------------------- logging

# bed_log <message...>: a timestamped line on stderr.
bed_log()
{
	printf '[%s %s] %s\n' "$(date -u +%H:%M:%S.%3N)" "$BED_NAME" "$*" >&2
}

# bed_add_log <file>: show the tail of <file> if the test fails.
bed_add_log()
{
	BED_LOGS+=("$1")
}

_bed_show_logs()
{
	local f lines=${BED_LOG_TAIL:-60}
	for f in "${BED_LOGS[@]}"; do
		[[ -s $f ]] || continue
		# Other tests' containers can fill the tail of a daemon that
		# follows the whole Docker host: show this run's lines too.
		printf '\n----- first %s lines of %s naming run %s -----\n' \
		    "$lines" "$f" "$BED_RUN_ID" >&2
		grep -m "$lines" -F -- "$BED_RUN_ID" "$f" >&2
		printf '\n----- last %s lines of %s -----\n' "$lines" "$f" >&2
		tail -n "$lines" "$f" >&2
	done
}

# bed_fail <message...>: the test fails: message, daemon logs, exit 1.
bed_fail()
{
	printf 'FAIL: %s: %s\n' "$BED_NAME" "$*" >&2
	exit 1
}

# bed_pass [message...]: the test passes, exit 0.
bed_pass()
{
	printf 'PASS: %s%s\n' "$BED_NAME" "${1:+: $*}"
	exit 0
}

# bed_skip <reason...>: the test cannot run here; exit 77 (ctest reports it
# as skipped when the test has SKIP_RETURN_CODE 77, as failed otherwise).
bed_skip()
{
	printf 'SKIP: %s: %s\n' "$BED_NAME" "$*" >&2
	BED_DONE=skip
	exit 77
}

# ------------------------------------------------------------- assertions

# bed_assert_eq <expected> <actual> [what]
bed_assert_eq()
{
	[[ $1 == "$2" ]] ||
	    bed_fail "${3:-value}: expected '$1', got '$2'"
}

# bed_assert_ne <unexpected> <actual> [what]
bed_assert_ne()
{
	[[ $1 != "$2" ]] || bed_fail "${3:-value}: did not expect '$1'"
}

# bed_assert_contains <haystack> <needle> [what]
bed_assert_contains()
{
	[[ $1 == *"$2"* ]] ||
	    bed_fail "${3:-text}: '$2' not found in: $1"
}

# bed_assert_not_contains <haystack> <needle> [what]
bed_assert_not_contains()
{
	[[ $1 != *"$2"* ]] ||
	    bed_fail "${3:-text}: '$2' found in: $1"
}

# bed_assert_file_contains <file> <extended-regex> [what]
bed_assert_file_contains()
{
	grep -Eq -- "$2" "$1" 2>/dev/null ||
	    bed_fail "${3:-$1}: no line matches /$2/"
}

# bed_assert_ok <command...>: the command must succeed.
bed_assert_ok()
{
	"$@" || bed_fail "command failed (exit $?): $*"
}

# bed_assert_fails <command...>: the command must fail.
bed_assert_fails()
{
	! "$@" || bed_fail "command succeeded, expected a failure: $*"
}

# bed_jq <json> <filter>: print jq -r's answer (fails the test on bad JSON).
bed_jq()
{
	jq -r "$2" <<<"$1" 2>/dev/null ||
	    bed_fail "jq '$2' failed on: ${1:0:500}"
}

# bed_assert_jq <json> <filter> [what]: the filter must be true (jq -e).
bed_assert_jq()
{
	jq -e "$2" <<<"$1" >/dev/null 2>&1 ||
	    bed_fail "${3:-json}: '$2' is not true for: ${1:0:1000}"
}

# bed_assert_jq_eq <json> <filter> <expected> [what]
bed_assert_jq_eq()
{
	local got
	got=$(bed_jq "$1" "$2") || exit 1
	bed_assert_eq "$3" "$got" "${4:-jq $2}"
}

# ------------------------------------------------------------------ waits

_bed_now_ms()
{
	local t=${EPOCHREALTIME//[!0-9]/}
	printf '%s\n' $((10#$t / 1000))
}

# bed_poll_until <timeout_s> <command...>: run the command every BED_POLL
# seconds until it succeeds (return 0) or the deadline passes (return 1).
bed_poll_until()
{
	local timeout=$1 deadline
	shift
	deadline=$(($(_bed_now_ms) + timeout * 1000))
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if (($(_bed_now_ms) >= deadline)); then
			return 1
		fi
		sleep "$BED_POLL"
	done
}

# bed_wait_until <timeout_s> <command...>: like bed_poll_until, but the test
# fails with the command and the timeout in the message.
bed_wait_until()
{
	local timeout=$1
	shift
	bed_poll_until "$timeout" "$@" ||
	    bed_fail "timed out after ${timeout}s waiting for: $*"
}

# ------------------------------------------------------------------ ports

# bed_free_ports <n>: print n distinct ports free for TCP and UDP on
# 127.0.0.1, below the kernel's ephemeral range. Each is reserved in
# BED_PORTS_DIR/<port> (owner: this test's shell pid) so that concurrent
# tests are not handed the same port; the EXIT trap releases them, and a
# reservation whose owner is gone or that is older than an hour is stale.
bed_free_ports()
{
	"$BED_PYTHON" -I - "$1" "$BED_PORTS_DIR" "$$" <<'PY' || bed_fail "could not find $1 free ports"
import os, random, shutil, socket, sys, time
n, rdir, owner = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(rdir, exist_ok=True)

def stale(path):
	try:
		if time.time() - os.stat(path).st_mtime > 3600:
			return True
		with open(os.path.join(path, "owner")) as f:
			pid = int(f.read())
		os.kill(pid, 0)
		return False
	except ProcessLookupError:
		return True
	except (OSError, ValueError):
		# owner file not written yet, or unreadable: leave it
		return False

def reserve(port):
	path = os.path.join(rdir, str(port))
	try:
		os.mkdir(path)
	except FileExistsError:
		if not stale(path):
			return None
		shutil.rmtree(path, ignore_errors=True)
		try:
			os.mkdir(path)
		except FileExistsError:
			return None
	with open(os.path.join(path, "owner"), "w") as f:
		f.write(owner)
	return path

def free(port):
	for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
		s = socket.socket(socket.AF_INET, kind)
		try:
			s.bind(("127.0.0.1", port))
		except OSError:
			return False
		finally:
			s.close()
	return True

got = []
for _ in range(5000):
	if len(got) == n:
		break
	port = random.randrange(20000, 32000)
	if port in got:
		continue
	path = reserve(port)
	if path is None:
		continue
	if free(port):
		got.append(port)
	else:
		shutil.rmtree(path, ignore_errors=True)
if len(got) != n:
	sys.exit("bed_free_ports: no free port found")
print(" ".join(map(str, got)))
PY
}

# bed_free_port: print one free port (see bed_free_ports).
bed_free_port()
{
	bed_free_ports 1
}

# ------------------------------------------------------------ processes

# bed_spawn <name> <command...>: start a daemon in the background, its
# stdout and stderr in $BED_TMP/<name>.log (shown on failure); sets
# BED_PID. It gets SIGTERM if the test shell dies (even by SIGKILL), and
# bed_stop or the EXIT trap stops it.
bed_spawn()
{
	local name=$1 log
	shift
	[[ $BASHPID == "$$" ]] ||
	    bed_fail "bed_spawn $name: called in a subshell; call it directly"
	log=$BED_TMP/$name.log
	setpriv --pdeathsig TERM -- "$@" >>"$log" 2>&1 </dev/null &
	BED_PID=$!
	BED_PIDS+=("$BED_PID")
	BED_PID_NAMES+=("$name")
	bed_add_log "$log"
}

# bed_alive <pid>: true while the process runs.
bed_alive()
{
	kill -0 "$1" 2>/dev/null
}

# bed_stop <pid> [timeout_s]: SIGTERM, SIGKILL after the timeout (10 s);
# returns the process's exit status when it was our child.
bed_stop()
{
	local pid=$1 timeout=${2:-10} i rc=0
	if bed_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		bed_poll_until "$timeout" _bed_dead "$pid" || {
			bed_log "pid $pid ignored SIGTERM for ${timeout}s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
		}
	fi
	wait "$pid" 2>/dev/null || rc=$?
	for i in "${!BED_PIDS[@]}"; do
		if [[ ${BED_PIDS[i]} == "$pid" ]]; then
			unset 'BED_PIDS[i]' 'BED_PID_NAMES[i]'
		fi
	done
	return "$rc"
}

# _bed_dead <pid>: gone, or a zombie waiting for our wait.
_bed_dead()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[[ $stat == Z* ]]
}

# bed_on_exit <command...>: run the command (as one string, eval'd) at exit,
# before the bed's own cleanup; last registered runs first.
bed_on_exit()
{
	BED_ON_EXIT=("$*" "${BED_ON_EXIT[@]}")
}

# ------------------------------------------------------------ binaries

# bed_bin <registrator|templater>: print the path of a built daemon, or fail.
bed_bin()
{
	local b=$BED_BUILD_DIR/$1/$1
	[[ -x $b ]] || bed_fail "$b is not built (BUILD_DIR=$BED_BUILD_DIR)"
	printf '%s\n' "$b"
}

# ---------------------------------------------------------------- consul

# bed_consul_bin: print the Consul binary (see tests/bed/consul-path.sh).
bed_consul_bin()
{
	"$BED_DIR/consul-path.sh" ||
	    bed_fail "no Consul >= 1.10 found: run scripts/install.sh"
}

# bed_consul_start [extra agent flags...]: a Consul dev agent (server,
# in-memory state) on free loopback ports, its data dir and log in the temp
# dir; returns once it is leader and its node is in the catalog. Exports
# BED_CONSUL_BIN, BED_CONSUL_PID, BED_CONSUL_HTTP_PORT, BED_CONSUL_HTTP
# (127.0.0.1:port), BED_CONSUL_URL (http://127.0.0.1:port), CONSUL_HTTP_ADDR,
# BED_CONSUL_DNS_PORT, BED_CONSUL_DNS (127.0.0.1:port), BED_CONSUL_NODE.
# A second call after bed_consul_stop reuses the same ports.
bed_consul_start()
{
	local ports dir
	BED_CONSUL_BIN=${BED_CONSUL_BIN:-$(bed_consul_bin)} || exit 1
	dir=$BED_TMP/consul
	if [[ -z ${_bed_consul_ports:-} ]]; then
		ports=$(bed_free_ports 5) || exit 1
		_bed_consul_ports=$ports
		read -r BED_CONSUL_HTTP_PORT BED_CONSUL_DNS_PORT \
		    BED_CONSUL_SERF_LAN_PORT BED_CONSUL_SERF_WAN_PORT \
		    BED_CONSUL_SERVER_PORT <<<"$ports"
		BED_CONSUL_NODE=bed-$BED_RUN_ID
		BED_CONSUL_EXTRA=("$@")
		mkdir -p "$dir"
		cat >"$dir/bed.json" <<-EOF
		{
		  "node_name": "$BED_CONSUL_NODE",
		  "bind_addr": "127.0.0.1",
		  "client_addr": "127.0.0.1",
		  "advertise_addr": "127.0.0.1",
		  "disable_update_check": true,
		  "log_level": "${BED_CONSUL_LOG_LEVEL:-info}",
		  "ports": {
		    "http": $BED_CONSUL_HTTP_PORT,
		    "dns": $BED_CONSUL_DNS_PORT,
		    "serf_lan": $BED_CONSUL_SERF_LAN_PORT,
		    "serf_wan": $BED_CONSUL_SERF_WAN_PORT,
		    "server": $BED_CONSUL_SERVER_PORT,
		    "grpc": -1,
		    "grpc_tls": -1,
		    "https": -1
		  }
		}
		EOF
	fi
	export BED_CONSUL_BIN BED_CONSUL_HTTP_PORT BED_CONSUL_DNS_PORT BED_CONSUL_NODE
	export BED_CONSUL_HTTP=127.0.0.1:$BED_CONSUL_HTTP_PORT
	export BED_CONSUL_URL=http://$BED_CONSUL_HTTP
	export BED_CONSUL_DNS=127.0.0.1:$BED_CONSUL_DNS_PORT
	export CONSUL_HTTP_ADDR=$BED_CONSUL_HTTP
	rm -rf "$dir/data"
	mkdir -p "$dir/data"
	printf '\n===== consul start %s =====\n' "$(date -u +%T)" >>"$BED_TMP/consul.log"
	bed_spawn consul "$BED_CONSUL_BIN" agent -dev -config-file "$dir/bed.json" \
	    -data-dir "$dir/data" "${BED_CONSUL_EXTRA[@]}"
	BED_CONSUL_PID=$BED_PID
	export BED_CONSUL_PID
	bed_poll_until "${BED_CONSUL_TIMEOUT:-60}" _bed_consul_ready || {
		bed_alive "$BED_CONSUL_PID" ||
		    bed_fail "consul agent exited at start (see consul.log)"
		bed_fail "consul agent not ready after ${BED_CONSUL_TIMEOUT:-60}s"
	}
	bed_log "consul up: http $BED_CONSUL_HTTP dns $BED_CONSUL_DNS pid $BED_CONSUL_PID"
}

_bed_consul_ready()
{
	local leader nodes
	bed_alive "$BED_CONSUL_PID" || return 1
	leader=$(curl -sf --max-time 2 "$BED_CONSUL_URL/v1/status/leader") ||
	    return 1
	[[ $leader == '"127.0.0.1:'* ]] || return 1
	nodes=$(curl -sf --max-time 2 "$BED_CONSUL_URL/v1/catalog/nodes") ||
	    return 1
	jq -e --arg n "$BED_CONSUL_NODE" 'any(.[]; .Node == $n)' \
	    <<<"$nodes" >/dev/null
}

# bed_consul_stop: stop the agent (its state is gone: dev mode).
bed_consul_stop()
{
	[[ -n ${BED_CONSUL_PID:-} ]] || return 0
	bed_stop "$BED_CONSUL_PID" 20 || true
	BED_CONSUL_PID=
	bed_log "consul stopped"
}

# bed_consul_restart: stop and start again on the same ports; every service,
# check and key registered before is lost, as after a dev agent restart.
bed_consul_restart()
{
	bed_consul_stop
	bed_consul_start
}

# bed_consul <args...>: the consul CLI against the test's agent.
bed_consul()
{
	CONSUL_HTTP_ADDR=$BED_CONSUL_HTTP "$BED_CONSUL_BIN" "$@"
}

# bed_consul_api <METHOD> <path> [body]: print the answer's body; returns
# non-zero on a transport error or an HTTP status >= 400.
bed_consul_api()
{
	local method=$1 path=$2
	if (($# > 2)); then
		curl -sSf --max-time 10 -X "$method" --data-binary "$3" \
		    "$BED_CONSUL_URL$path"
	else
		curl -sSf --max-time 10 -X "$method" "$BED_CONSUL_URL$path"
	fi
}

# bed_consul_get <path>: GET from the agent, print the body.
bed_consul_get()
{
	bed_consul_api GET "$1"
}

# bed_consul_has_service <name>: true when the catalog lists the service.
bed_consul_has_service()
{
	local json
	json=$(bed_consul_get /v1/catalog/services) || return 1
	jq -e --arg s "$1" 'has($s)' <<<"$json" >/dev/null
}

# bed_consul_service_count <name>: print how many instances the catalog has.
bed_consul_service_count()
{
	local json
	json=$(bed_consul_get "/v1/catalog/service/$1") || return 1
	jq 'length' <<<"$json"
}

# ---------------------------------------------------------------- docker

# bed_docker_api <path> [curl args...]: the Engine API over the unix socket.
bed_docker_api()
{
	local path=$1
	shift
	curl -sSf --max-time 30 --unix-socket "$BED_DOCKER_SOCK" "$@" \
	    "http://localhost$path"
}

# bed_image: make sure the busybox image exists (built once per machine,
# from /bin/busybox of busybox-static, with `docker import`), print its tag.
# Safe when several tests call it at once.
bed_image()
{
	if docker image inspect "$BED_IMAGE" >/dev/null 2>&1; then
		printf '%s\n' "$BED_IMAGE"
		return 0
	fi
	(
		exec 8>/tmp/registrator-bed-image.lock
		flock 8
		docker image inspect "$BED_IMAGE" >/dev/null 2>&1 && exit 0
		_bed_image_build
	) || bed_fail "could not build $BED_IMAGE"
	printf '%s\n' "$BED_IMAGE"
}

_bed_image_build()
{
	local root bb applet start=$SECONDS
	bb=$(command -v busybox) || { echo "busybox missing" >&2; return 1; }
	! ldd "$bb" >/dev/null 2>&1 || {
		echo "$bb is not static: install busybox-static" >&2
		return 1
	}
	root=$(mktemp -d "${TMPDIR:-/tmp}/bed-image.XXXXXX") || return 1
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,www,proc,sys,dev,root,var/run}
	chmod 1777 "$root/tmp"
	cp "$bb" "$root/bin/busybox"
	for applet in $("$bb" --list); do
		[[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
	    >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	echo busybox >"$root/www/index.html"
	echo ok >"$root/www/health"
	# bed-httpd: serve /www on HTTPD_PORT (80), index.html says HTTPD_BODY
	# (default: the hostname), /health answers "ok" until it is removed.
	cat >"$root/bin/bed-httpd" <<-'EOF'
	#!/bin/sh
	echo "${HTTPD_BODY:-$(hostname)}" >/www/index.html
	echo ok >/www/health
	exec httpd -f -v -p "${HTTPD_PORT:-80}" -h /www
	EOF
	chmod 755 "$root/bin/bed-httpd"
	tar -C "$root" -c . | docker import \
	    --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
	    --change 'WORKDIR /' \
	    --change 'CMD ["/bin/sh"]' \
	    - "$BED_IMAGE" >/dev/null
	local rc=$?
	rm -rf "$root"
	((rc == 0)) && echo "bed: built $BED_IMAGE in $((SECONDS - start))s" >&2
	return "$rc"
}

# BED_LABELS: the labels every container and network of this run carries;
# use "${BED_LABELS[@]}" when calling docker create/run by hand.
# bed_run [docker run args...] image [command...]: `docker run -d` with the
# run's labels; prints the container id.
bed_run()
{
	docker run -d "${BED_LABELS[@]}" "$@" ||
	    bed_fail "docker run failed: $*"
}

# bed_run_fg [docker run args...] image [command...]: a labelled one-shot
# container in the foreground (--rm); its output on stdout, its status back.
bed_run_fg()
{
	docker run --rm "${BED_LABELS[@]}" "$@"
}

# bed_run_httpd [docker run args...]: a busybox httpd container on port 80,
# published on 127.0.0.1 at a random port (bed_container_port <id> 80),
# /health answers "ok", / answers HTTPD_BODY (-e HTTPD_BODY=...) or the
# hostname. Prints the container id.
bed_run_httpd()
{
	local img
	img=$(bed_image) || exit 1
	bed_run -p 127.0.0.1::80 "$@" "$img" bed-httpd
}

# bed_container_port <id> <port>[/proto]: print the host port it is
# published at on 127.0.0.1.
bed_container_port()
{
	local spec=$2 out
	[[ $spec == */* ]] || spec=$spec/tcp
	out=$(docker port "$1" "$spec" 2>/dev/null | grep -m1 '^127\.0\.0\.1:') ||
	    bed_fail "container $1 does not publish $spec on 127.0.0.1"
	printf '%s\n' "${out##*:}"
}

# bed_network_create <suffix>: a labelled bridge network named
# bed-<run id>-<suffix>; prints its name. Removed by the cleanup.
bed_network_create()
{
	local name=bed-$BED_RUN_ID-$1
	docker network create "${BED_LABELS[@]}" "$name" >/dev/null ||
	    bed_fail "docker network create $name failed"
	printf '%s\n' "$name"
}

# bed_containers: print the ids of this run's containers.
bed_containers()
{
	docker ps -aq --filter "label=$BED_LABEL.run=$BED_RUN_ID"
}

# bed_cleanup: remove this run's containers and networks (only those).
bed_cleanup()
{
	local ids
	ids=$(docker ps -aq --filter "label=$BED_LABEL.run=$BED_RUN_ID" 2>/dev/null)
	if [[ -n $ids ]]; then
		# shellcheck disable=SC2086
		docker rm -f -v $ids >/dev/null 2>&1 ||
		    bed_log "warning: could not remove containers $ids"
	fi
	ids=$(docker network ls -q --filter "label=$BED_LABEL.run=$BED_RUN_ID" 2>/dev/null)
	if [[ -n $ids ]]; then
		# shellcheck disable=SC2086
		docker network rm $ids >/dev/null 2>&1 ||
		    bed_log "warning: could not remove networks $ids"
	fi
}

# bed_sweep_stale: remove containers and networks left by test runs that
# were killed before their trap ran (their shell pid is gone and they are
# older than 10 minutes). Runs of other live shells are never touched.
bed_sweep_stale()
{
	local id pid created now
	now=$(date +%s)
	while IFS='|' read -r id pid created; do
		[[ -n $id && $pid =~ ^[0-9]+$ ]] || continue
		bed_alive "$pid" && continue
		created=$(date -d "${created% *}" +%s 2>/dev/null) || continue
		((now - created > 600)) || continue
		docker rm -f -v "$id" >/dev/null 2>&1 || true
	done < <(docker ps -a --filter "label=$BED_LABEL=1" --format \
	    "{{.ID}}|{{.Label \"$BED_LABEL.pid\"}}|{{.CreatedAt}}" 2>/dev/null)
	docker network prune -f --filter "label=$BED_LABEL=1" \
	    --filter until=10m >/dev/null 2>&1 || true
}

# ------------------------------------------------------------ busybox httpd

# bed_httpd_start <name> [body]: busybox httpd on the host, on a free
# loopback port, serving $BED_TMP/httpd-<name>/ ("/" says body, default
# <name>; "/health" says ok). Sets BED_HTTPD_PORT, BED_HTTPD_DIR,
# BED_HTTPD_PID.
bed_httpd_start()
{
	local name=$1 body=${2:-$1}
	BED_HTTPD_DIR=$BED_TMP/httpd-$name
	mkdir -p "$BED_HTTPD_DIR"
	printf '%s\n' "$body" >"$BED_HTTPD_DIR/index.html"
	echo ok >"$BED_HTTPD_DIR/health"
	BED_HTTPD_PORT=$(bed_free_port) || exit 1
	bed_spawn "httpd-$name" busybox httpd -f -v -p "127.0.0.1:$BED_HTTPD_PORT" \
	    -h "$BED_HTTPD_DIR"
	BED_HTTPD_PID=$BED_PID
	bed_wait_until 10 curl -sf --max-time 1 \
	    "http://127.0.0.1:$BED_HTTPD_PORT/health"
}

# bed_httpd_health <dir> <up|down>: make /health of a host httpd answer
# 200 "ok" or 404.
bed_httpd_health()
{
	case $2 in
	up) echo ok >"$1/health" ;;
	down) rm -f "$1/health" ;;
	*) bed_fail "bed_httpd_health: up or down, not '$2'" ;;
	esac
}

# ----------------------------------------------------------------- nginx

# bed_nginx_init: prepare an nginx prefix in the temp dir with a free port.
# Sets BED_NGINX_DIR, BED_NGINX_PORT, BED_NGINX_CONF (the main file, which
# the bed writes) and BED_NGINX_HTTP_CONF (the test writes it: the body of
# the http {} block, e.g. an upstream and a server listening on
# 127.0.0.1:$BED_NGINX_PORT), and BED_NGINX_CMD ("nginx -p DIR -c CONF", for
# check and reload commands: "$BED_NGINX_CMD -t", "$BED_NGINX_CMD -s reload").
bed_nginx_init()
{
	local d
	BED_NGINX_DIR=$BED_TMP/nginx
	BED_NGINX_PORT=$(bed_free_port) || exit 1
	BED_NGINX_CONF=$BED_NGINX_DIR/nginx.conf
	BED_NGINX_HTTP_CONF=$BED_NGINX_DIR/http.conf
	BED_NGINX_CMD="nginx -p $BED_NGINX_DIR -c $BED_NGINX_CONF"
	mkdir -p "$BED_NGINX_DIR/logs"
	for d in body proxy fastcgi uwsgi scgi; do
		mkdir -p "$BED_NGINX_DIR/tmp/$d"
	done
	{
		[[ $(id -u) -eq 0 ]] && echo "user root;"
		cat <<-EOF
		worker_processes 1;
		pid $BED_NGINX_DIR/nginx.pid;
		error_log $BED_NGINX_DIR/logs/error.log info;
		events { worker_connections 128; }
		http {
		    access_log $BED_NGINX_DIR/logs/access.log;
		    client_body_temp_path $BED_NGINX_DIR/tmp/body;
		    proxy_temp_path $BED_NGINX_DIR/tmp/proxy;
		    fastcgi_temp_path $BED_NGINX_DIR/tmp/fastcgi;
		    uwsgi_temp_path $BED_NGINX_DIR/tmp/uwsgi;
		    scgi_temp_path $BED_NGINX_DIR/tmp/scgi;
		    include $BED_NGINX_HTTP_CONF;
		}
		EOF
	} >"$BED_NGINX_CONF"
	: >>"$BED_NGINX_HTTP_CONF"
	bed_add_log "$BED_NGINX_DIR/logs/error.log"
}

# bed_nginx_test: nginx -t on the configuration (returns its status).
bed_nginx_test()
{
	$BED_NGINX_CMD -t -q
}

# bed_nginx_start: start nginx (master in the foreground, under bed_spawn)
# and wait until it listens on BED_NGINX_PORT. Sets BED_NGINX_PID.
bed_nginx_start()
{
	bed_nginx_test || bed_fail "nginx -t failed on $BED_NGINX_CONF"
	bed_spawn nginx $BED_NGINX_CMD -g 'daemon off;'
	BED_NGINX_PID=$BED_PID
	bed_wait_until 10 _bed_listening "$BED_NGINX_PORT"
}

# bed_nginx_reload: nginx -t, SIGHUP, and wait until the master has logged
# that it re-read the configuration.
bed_nginx_reload()
{
	local n
	bed_nginx_test || bed_fail "nginx -t failed on $BED_NGINX_CONF"
	n=$(grep -c reconfiguring "$BED_NGINX_DIR/logs/error.log" || true)
	kill -HUP "$BED_NGINX_PID" || bed_fail "nginx is not running"
	bed_wait_until 10 _bed_count_above "$BED_NGINX_DIR/logs/error.log" \
	    reconfiguring "$n"
}

# bed_nginx_check_script <live file>: writes a check command for the
# templater (prints its path): nginx -t on the whole configuration with the
# candidate given as $1 included in place of <live file>.
bed_nginx_check_script()
{
	local check=$BED_TMP/nginx-check.sh
	cat >"$check" <<-EOF
	#!/bin/sh
	set -e
	sed "s|include $1;|include \$1;|" "$BED_NGINX_HTTP_CONF" >"$BED_TMP/check-http.conf"
	sed "s|include $BED_NGINX_HTTP_CONF;|include $BED_TMP/check-http.conf;|" \
	    "$BED_NGINX_CONF" >"$BED_TMP/check-nginx.conf"
	exec $BED_NGINX_CMD -q -t -c "$BED_TMP/check-nginx.conf"
	EOF
	chmod 755 "$check"
	printf '%s\n' "$check"
}

_bed_count_above()
{
	local n
	n=$(grep -c -- "$2" "$1" 2>/dev/null) || return 1
	((n > $3))
}

# bed_nginx_stop
bed_nginx_stop()
{
	[[ -n ${BED_NGINX_PID:-} ]] || return 0
	bed_stop "$BED_NGINX_PID" || true
	BED_NGINX_PID=
}

_bed_listening()
{
	[[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]
}

# ---------------------------------------------------------------- haproxy

# bed_haproxy_init: prepare haproxy files in the temp dir with a free port.
# Sets BED_HAPROXY_DIR, BED_HAPROXY_PORT, BED_HAPROXY_GLOBAL (global and
# defaults sections, written by the bed), BED_HAPROXY_CFG (the test writes
# frontends/backends there, binding 127.0.0.1:$BED_HAPROXY_PORT),
# BED_HAPROXY_CMD ("haproxy -f GLOBAL -f CFG", e.g. "$BED_HAPROXY_CMD -c";
# a test adds its own "-f FILE"s to it before bed_haproxy_start), and
# BED_HAPROXY_MASTER_SOCK (the master CLI socket, for reload scripts).
bed_haproxy_init()
{
	BED_HAPROXY_DIR=$BED_TMP/haproxy
	BED_HAPROXY_MASTER_SOCK=$BED_HAPROXY_DIR/master.sock
	BED_HAPROXY_PORT=$(bed_free_port) || exit 1
	BED_HAPROXY_GLOBAL=$BED_HAPROXY_DIR/global.cfg
	BED_HAPROXY_CFG=$BED_HAPROXY_DIR/haproxy.cfg
	BED_HAPROXY_CMD="haproxy -f $BED_HAPROXY_GLOBAL -f $BED_HAPROXY_CFG"
	mkdir -p "$BED_HAPROXY_DIR"
	cat >"$BED_HAPROXY_GLOBAL" <<-EOF
	global
	    pidfile $BED_HAPROXY_DIR/haproxy.pid
	    stats socket $BED_HAPROXY_DIR/admin.sock mode 600 level admin
	defaults
	    mode http
	    timeout connect 2s
	    timeout client 10s
	    timeout server 10s
	EOF
	: >>"$BED_HAPROXY_CFG"
}

# bed_haproxy_check: haproxy -c on the configuration (returns its status).
bed_haproxy_check()
{
	$BED_HAPROXY_CMD -c
}

# bed_haproxy_start: haproxy in master-worker mode in the foreground (-W
# -db) with a master CLI socket, as Debian starts it, under bed_spawn;
# waits until it listens. Sets BED_HAPROXY_PID.
bed_haproxy_start()
{
	bed_haproxy_check >/dev/null ||
	    bed_fail "haproxy -c failed on the files of: $BED_HAPROXY_CMD"
	bed_spawn haproxy $BED_HAPROXY_CMD -W -db -S "$BED_HAPROXY_MASTER_SOCK"
	BED_HAPROXY_PID=$BED_PID
	bed_wait_until 10 _bed_listening "$BED_HAPROXY_PORT"
}

# bed_haproxy_reload: SIGUSR2 to the master (it re-reads the files).
bed_haproxy_reload()
{
	bed_haproxy_check >/dev/null || bed_fail "haproxy -c failed on $BED_HAPROXY_CFG"
	kill -USR2 "$BED_HAPROXY_PID" || bed_fail "haproxy is not running"
}

# bed_haproxy_stop
bed_haproxy_stop()
{
	[[ -n ${BED_HAPROXY_PID:-} ]] || return 0
	bed_stop "$BED_HAPROXY_PID" || true
	BED_HAPROXY_PID=
}

# ------------------------------------------------------------ init, exit

_bed_exit()
{
	local rc=$? i cmd p
	set +e
	trap - EXIT INT TERM
	# Logs as they were when the test failed, before shutdown noise.
	if ((rc != 0)) && [[ $BED_DONE != skip ]]; then
		_bed_show_logs
	fi
	for cmd in "${BED_ON_EXIT[@]}"; do
		eval "$cmd" || true
	done
	for i in "${!BED_PIDS[@]}"; do
		bed_alive "${BED_PIDS[i]}" && kill -TERM "${BED_PIDS[i]}" 2>/dev/null
	done
	for i in "${!BED_PIDS[@]}"; do
		bed_poll_until 10 _bed_dead "${BED_PIDS[i]}" ||
		    kill -KILL "${BED_PIDS[i]}" 2>/dev/null
		wait "${BED_PIDS[i]}" 2>/dev/null
	done
	bed_cleanup
	for p in "$BED_PORTS_DIR"/*/owner; do
		[[ $(cat "$p" 2>/dev/null) == "$$" ]] && rm -rf "${p%/owner}"
	done
	if ((rc != 0)) && [[ $BED_DONE != skip ]]; then
		printf 'FAIL: %s (exit %s); files kept in %s\n' "$BED_NAME" "$rc" \
		    "$BED_TMP" >&2
	elif [[ -z ${BED_KEEP:-} ]]; then
		rm -rf "$BED_TMP"
	fi
	exit "$rc"
}

BED_RUN_ID=$BED_NAME-$$-$RANDOM
BED_LABELS=(--label "$BED_LABEL=1" --label "$BED_LABEL.run=$BED_RUN_ID"
	--label "$BED_LABEL.pid=$$")
BED_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bed.$BED_NAME.XXXXXX") ||
    { echo "bed: mktemp failed" >&2; exit 1; }
chmod 755 "$BED_TMP"
export BED_TMP BED_RUN_ID BED_IMAGE
trap _bed_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
