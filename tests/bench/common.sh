# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers shared by the benchmark scenarios (tests/bench/*.sh, run all at
# once by scripts/bench.sh; not part of the test suite's pass/fail). Each
# scenario stands on the test bed (tests/bed/bed.sh: its own Consul dev
# agent on free loopback ports, labelled containers removed at the end),
# measures one figure and prints one table row:
#	| scenario | command | figure | goal | met? |
# Sizes come from the environment so that a script can be tried small
# first (e.g. BENCH_CONTAINERS=10 BENCH_SERVICES=50) and run at full size
# later; every row records the sizes and the load average it ran under.
#
# Environment: BUILD_DIR (default build/), BENCH_OUT (append the rows to
# this file too), BENCH_CONTAINERS, BENCH_SERVICES, BENCH_INSTANCES,
# BENCH_IDLE_S, BENCH_SAMPLES (see each script for its default).

SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}
export SOURCE_DIR BUILD_DIR
. "$SOURCE_DIR/tests/bed/bed.sh"

# bench_load: the 1-minute load average.
bench_load()
{
	cut -d' ' -f1 /proc/loadavg
}

# bench_row <scenario> <command> <figure> <goal> <met: yes|no|n/a> [note]:
# print the row (and append it to BENCH_OUT); the load average at the end
# of the measurement is added to the note.
bench_row()
{
	local row
	row=$(printf '| %s | `%s` | %s | %s | %s | load %s%s |' "$1" "$2" \
	    "$3" "$4" "$5" "$(bench_load)" "${6:+; $6}")
	printf '%s\n' "$row"
	if [[ -n ${BENCH_OUT:-} ]]; then
		printf '%s\n' "$row" >>"$BENCH_OUT"
	fi
}

# bench_le <a> <b>: true when the number a <= b.
bench_le()
{
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'
}

# bench_yesno <a> <b>: print yes when a <= b, else no.
bench_yesno()
{
	if bench_le "$1" "$2"; then echo yes; else echo no; fi
}

# bench_rss_kb <pid>: resident set size in kB (VmRSS).
bench_rss_kb()
{
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

# bench_hwm_kb <pid>: peak resident set size in kB (VmHWM).
bench_hwm_kb()
{
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"
}

# bench_cpu_ticks <pid>: utime + stime in clock ticks.
bench_cpu_ticks()
{
	local stat
	stat=$(cat "/proc/$1/stat") || return 1
	stat=${stat##*) }
	# Fields after the command: state is 3, utime 14, stime 15.
	awk '{ print $12 + $13 }' <<<"$stat"
}

# bench_wakeups <pid>: voluntary + involuntary context switches of every
# thread of the process, i.e. how often it was scheduled in.
bench_wakeups()
{
	local t n=0 v
	for t in /proc/"$1"/task/*/status; do
		v=$(awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 }
		    END { print s + 0 }' "$t")
		n=$((n + v))
	done
	printf '%s\n' "$n"
}

# bench_metrics <listen>: the daemon's /metrics page.
bench_metrics()
{
	curl -sf --max-time 5 "http://$1/metrics"
}

# bench_metric <listen> <series>: the value of one series (exact name and
# labels as printed), or fail.
bench_metric()
{
	bench_metrics "$1" |
	    awk -v n="$2" '$1 == n { print $2; f = 1 } END { exit !f }'
}

# bench_hist_quantile <before file> <after file> <histogram> <q>: the upper
# bound of the bucket holding quantile q (0 < q <= 1) of the observations
# a Prometheus histogram made between two /metrics pages, in the
# histogram's unit; "+Inf" when it is in the last bucket.
bench_hist_quantile()
{
	awk -v h="$3_bucket" -v q="$4" '
	index($1, h "{le=\"") == 1 {
		le = substr($1, length(h) + 6)
		sub(/"}$/, "", le)
		if (FNR == NR) { was[le] = $2; next }
		n++; les[n] = le; cum[n] = $2 - was[le]
	}
	END {
		if (n == 0 || cum[n] == 0) { print "none"; exit 1 }
		want = q * cum[n]
		for (i = 1; i <= n; i++)
			if (cum[i] >= want) { print les[i]; exit 0 }
	}' "$1" "$2"
}

# bench_hist_delta <before file> <after file> <series>: how much a series
# (e.g. NAME_count, NAME_sum) grew between two /metrics pages.
bench_hist_delta()
{
	awk -v n="$3" '$1 == n { if (FNR == NR) a = $2; else b = $2 }
	    END { print b - a }' "$1" "$2"
}

# bench_pctl <file> <q>: the q quantile (nearest rank) of the numbers in
# file, one per line.
bench_pctl()
{
	sort -g "$1" | awk -v q="$2" '{ v[NR] = $1 }
	END {
		if (NR == 0) { print "none"; exit 1 }
		r = int(q * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR
		print v[r]
	}'
}

# bench_register_catalog <services> <instances> [prefix]: load the
# catalog with <services> services named <prefix>NNNN (default svc), each
# with <instances> instances on nodes bench-node-0..instances-1, through
# /v1/txn (64 operations per transaction: the agent's limit), in a bounded
# loop. Fails the run on any refused transaction.
bench_register_catalog()
{
	python3 - "$BED_CONSUL_URL" "$1" "$2" "${3:-svc}" <<'PY' ||
import http.client, json, sys, urllib.parse
url, nsvc, ninst, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
ops = []
for n in range(ninst):
    ops.append({"Node": {"Verb": "set", "Node": {
        "Node": "bench-node-%d" % n, "Address": "10.1.%d.%d" % (n // 250, n % 250 + 1)}}})
for s in range(nsvc):
    for n in range(ninst):
        ops.append({"Service": {"Verb": "set", "Node": "bench-node-%d" % n,
            "Service": {"ID": "%s%04d-%d" % (prefix, s, n),
                "Service": "%s%04d" % (prefix, s),
                "Address": "10.2.%d.%d" % (n // 250, n % 250 + 1),
                "Port": 8000 + n}}})
for i in range(0, len(ops), 64):
    body = json.dumps(ops[i:i + 64])
    conn.request("PUT", "/v1/txn", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit("txn %d: HTTP %d: %s" % (i // 64, r.status, data[:300]))
PY
	    bed_fail "could not load the catalog"
}

# bench_have_consul_template: true when consul-template is on PATH (it is
# never built or downloaded for the benchmarks).
bench_have_consul_template()
{
	command -v consul-template >/dev/null 2>&1
}

# ------------------------------------------------------------ registrator

# bench_reg_start [registrator flags...]: the registrator against the
# test's agent, -internal (the bench containers only expose a port: no
# docker-proxy per container), /metrics on a free port; returns once
# /health answers. Sets REG_PID, REG_LISTEN, REG_LOG, REG_HOST.
bench_reg_start()
{
	local bin
	bin=$(bed_bin registrator) || exit 1
	REG_HOST=$(docker info --format '{{.Name}}') || bed_fail "docker info"
	REG_LISTEN=127.0.0.1:$(bed_free_port)
	bed_spawn registrator "$bin" -internal -listen "$REG_LISTEN" "$@" \
	    "consul://$BED_CONSUL_HTTP"
	REG_PID=$BED_PID
	REG_LOG=$BED_TMP/registrator.log
	bed_wait_until 60 curl -sf --max-time 2 "http://$REG_LISTEN/health"
}

# bench_mem_bound <wanted> <MB per container>: print how many containers
# the machine can take (at most wanted), keeping 4 GB available.
bench_mem_bound()
{
	local avail n
	avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	n=$(((avail - 4096) / $2))
	((n > $1)) && n=$1
	((n < 0)) && n=0
	printf '%s\n' "$n"
}

# bench_ctr_name <i>: this run's name for bench container i.
bench_ctr_name()
{
	printf 'bench-%s-%s\n' "$BED_RUN_ID" "$1"
}

# bench_ctrs_start <n> <parallel> <service name>: n labelled busybox
# containers sleeping (at most an hour), exposing port 80, SERVICE_NAME set,
# started by <parallel> docker clients at a time.
bench_ctrs_start()
{
	local img
	img=$(bed_image) || exit 1
	seq 1 "$1" | xargs -P "$2" -I{} docker run -d \
	    --name "bench-$BED_RUN_ID-{}" "${BED_LABELS[@]}" \
	    --label "SERVICE_NAME=$3" --expose 80 --log-driver none \
	    "$img" sleep 3600 >/dev/null ||
	    bed_fail "could not start $1 containers"
}

# bench_ctrs_kill <parallel>: SIGKILL this run's containers, <parallel>
# docker clients at a time, 10 containers each.
bench_ctrs_kill()
{
	bed_containers | xargs -r -P "$1" -n 10 docker kill >/dev/null ||
	    bed_fail "could not kill the containers"
}

# bench_ctrs_times <field>: the latest State.<field> (StartedAt or
# FinishedAt) of this run's containers, in Unix seconds with nanoseconds.
bench_ctrs_times()
{
	bed_containers | xargs -r -n 100 docker inspect \
	    --format "{{.State.$1}}" | python3 -c '
import sys, datetime
best = 0.0
for line in sys.stdin:
    s = line.strip()
    if not s or s.startswith("0001-"):
        continue
    head, _, frac = s.rstrip("Z").partition(".")
    t = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S")
    t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    t += float("0." + (frac or "0"))
    best = max(best, t)
print("%.6f" % best)'
}

# bench_catalog_watch <service> <out file> <timeout_s>: in the background,
# follow the catalog with blocking queries and append "<unix time>
# <instances of service>" to the file each time that count changes. The
# blocking query is on /v1/catalog/services: one on the service itself is
# not woken when its last instance goes (it then waits its full wait).
# Sets BENCH_WATCH_PID (stopped by the EXIT trap, or by the timeout).
bench_catalog_watch()
{
	bed_spawn catalog-watch python3 -c '
import http.client, json, sys, time, urllib.parse
url, svc, out, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
def get(path):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("%s: HTTP %d" % (path, r.status))
    return r, body
index, last, end = 0, -1, time.monotonic() + limit
with open(out, "a", buffering=1) as f:
    while time.monotonic() < end:
        r, _ = get("/v1/catalog/services?index=%d&wait=5s" % index)
        now = time.time()
        idx = int(r.getheader("X-Consul-Index", "0"))
        index = idx if idx >= index else 0
        _, body = get("/v1/catalog/service/%s" % svc)
        n = len(json.loads(body))
        if n != last:
            f.write("%.6f %d\n" % (now, n))
            last = n
' "$BED_CONSUL_URL" "$1" "$2" "$3"
	BENCH_WATCH_PID=$BED_PID
}

# bench_watch_first <file> <count> [after]: the first time (Unix seconds)
# the watch saw exactly <count> instances, after time <after>.
bench_watch_first()
{
	awk -v n="$2" -v a="${3:-0}" '$2 == n && $1 + 0 > a + 0 { print $1; f = 1; exit }
	    END { exit !f }' "$1"
}

# bench_watch_has <file> <count>: the last answer had <count> instances.
bench_watch_has()
{
	[[ $(tail -n 1 "$1" 2>/dev/null | cut -d' ' -f2) == "$2" ]]
}

# bench_events_follow: in the background, record this run's container
# events (start, die) as "<event> <name> <unix s.ns>" in
# $BED_TMP/events.txt; Docker keeps only its last 256 events, so they are
# followed live rather than asked for afterwards. Returns once the stream
# is open.
bench_events_follow()
{
	bed_spawn docker-events docker events --filter type=container \
	    --filter event=start --filter event=die \
	    --filter "label=$BED_LABEL.run=$BED_RUN_ID" \
	    --format '{{.Action}} {{.Actor.Attributes.name}} {{.TimeNano}}'
	BENCH_EVENTS_LOG=$BED_TMP/docker-events.log
	# The stream is open once the client has connected to the daemon.
	bed_wait_until 20 eval "ss -xp 2>/dev/null | grep -q 'pid=$BED_PID,'"
}

# bench_events <event>: "<name> <unix s.ns>" for each recorded event of
# that kind (start, die).
bench_events()
{
	awk -v e="$1" '$1 == e { n = length($3)
		print $2, substr($3, 1, n - 9) "." substr($3, n - 8) }' \
	    "$BENCH_EVENTS_LOG"
}

# bench_event_last <event>: the time of the latest recorded one.
bench_event_last()
{
	bench_events "$1" | sort -k2 -g | tail -n 1 | cut -d' ' -f2
}

# bench_ms <t1> <t0>: (t1 - t0) in whole milliseconds, times in seconds.
bench_ms()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%d\n", (a - b) * 1000 }'
}

# bench_rss_split <pid>: "anon A MB, file F MB" from /proc/PID/status: the
# private heap and stacks versus mapped files (mostly shared libraries,
# libcurl and OpenSSL's code, counted in every process that maps them).
bench_rss_split()
{
	awk '$1 == "RssAnon:" { a = $2 } $1 == "RssFile:" { f = $2 }
	    END { printf "anon %.1f MB, file %.1f MB\n", a / 1024, f / 1024 }' \
	    "/proc/$1/status"
}

# bench_cpu_ns <pid>: CPU time of every thread of the process in
# nanoseconds (first field of /proc/PID/task/TID/schedstat).
bench_cpu_ns()
{
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
	    awk '{ s += $1 } END { printf "%.0f\n", s }'
}
