# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers shared by the crash_*.sh scenario tests (not a test: the runner
# only picks up *.sh).  They run the real registrator against a Consul dev
# agent, the Sentry stand-in (tests/sentry/standin.py) and real containers.
# The registrator follows the whole Docker host, where other runs crash
# containers too, so every assertion looks only at this run's containers:
# each is named crash-<run id>-<suffix>, and events are picked by their
# "container" tag.

. "$SOURCE_DIR/tests/bed/bed.sh"
. "$SOURCE_DIR/tests/sentry/standin.sh"

CRASH_BIN=$(bed_bin registrator) || exit 1
CRASH_IMAGE=$(bed_image) || exit 1
CRASH_HOST=$(docker info --format '{{.Name}}') || bed_fail "docker info failed"
CRASH_LOG=$BED_TMP/registrator.log

# crash_name <suffix>: this run's container name for <suffix>.
crash_name()
{
	printf 'crash-%s-%s\n' "$BED_RUN_ID" "$1"
}

# crash_start [registrator flags...]: the registrator at debug level with
# the stand-in's DSN (unless flags give another), sampling stats every
# 200 ms; sets CRASH_PID.
crash_start()
{
	bed_spawn registrator "$CRASH_BIN" -log-level debug \
	    -crash-stats-interval 200ms "$@" "consul://$BED_CONSUL_HTTP"
	CRASH_PID=$BED_PID
	bed_wait_until 20 grep -q 'docker: connected' "$CRASH_LOG"
}

# crash_run <suffix> [docker run args...] -- [command...]: a detached,
# labelled busybox container named crash_name <suffix>; prints its id.
crash_run()
{
	local suffix=$1 args=()
	shift
	while [[ $# -gt 0 && $1 != -- ]]; do
		args+=("$1")
		shift
	done
	[[ ${1:-} == -- ]] && shift
	bed_run --name "$(crash_name "$suffix")" "${args[@]}" "$CRASH_IMAGE" "$@"
}

# CRASH_GATE: a shell snippet for a container's command that waits until
# crash_go lets it go on.  A container that must be sampled while it runs
# waits there until crash_seen_running says the registrator knows it runs,
# instead of sleeping a few seconds and hoping the registrator, behind the
# events of every other test's containers, has caught up by then.
CRASH_GATE='until [ -e /tmp/go ]; do sleep 0.1; done'

# crash_go <id>: let the container's CRASH_GATE pass.
crash_go()
{
	docker exec "$1" touch /tmp/go || bed_fail "docker exec in $1 failed"
}

# crash_seen_running <id>: true once the registrator (-log-level trace)
# has logged an inspect of the container after its start event.  That
# inspect starts the resource samples, the first one at once.
crash_seen_running()
{
	awk -v s="docker: event start ${1:0:12}" \
	    -v i="docker: inspect ${1:0:12}: HTTP 200" '
	    index($0, s) { started = 1 }
	    started && index($0, i) { found = 1; exit }
	    END { exit !found }' "$CRASH_LOG"
}

# crash_events <suffix>: a JSON array of the stored events of that
# container, oldest first.
crash_events()
{
	local name
	name=$(crash_name "$1")
	find "$SENTRY_STORE" -maxdepth 1 -name '*.json' -print0 2>/dev/null |
	    xargs -0 -r cat | jq -s --arg n "$name" \
	    '[.[] | select(.tags.container == $n)] | sort_by(.timestamp)'
}

# crash_event_count <suffix>
crash_event_count()
{
	crash_events "$1" | jq length
}

# crash_has_events <suffix> <n>: true when exactly n events are stored.
crash_has_events()
{
	[[ $(crash_event_count "$1") == "$2" ]]
}

# crash_event_file <suffix>: the path of the (first) stored event.
crash_event_file()
{
	local name
	name=$(crash_name "$1")
	grep -l -F "\"container\": \"$name\"" "$SENTRY_STORE"/*.json | head -n 1
}

# crash_log_has <extended regex>
crash_log_has()
{
	grep -Eq -- "$1" "$CRASH_LOG"
}

# crash_exists <id>: true while Docker knows the container.
crash_exists()
{
	docker inspect "$1" >/dev/null 2>&1
}

# crash_exited <id>: true once the container has exited.
crash_exited()
{
	[[ $(docker inspect -f '{{.State.Status}}' "$1" 2>/dev/null) == exited ]]
}

# crash_gone <id>: true once Docker no longer knows the container.
crash_gone()
{
	! crash_exists "$1"
}

# crash_after <unix time> <seconds>: true once the clock is past time+seconds.
crash_after()
{
	awk -v t="$1" -v d="$2" -v now="$(date +%s.%N)" \
	    'BEGIN { exit !(now >= t + d) }'
}
