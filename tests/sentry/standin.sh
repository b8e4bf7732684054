# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# standin.sh: start the Sentry stand-in (standin.py) from a test that has
# sourced tests/bed/bed.sh.  After sentry_standin_start:
#	SENTRY_PORT     the loopback port it listens on
#	SENTRY_KEY      the DSN public key it accepts
#	SENTRY_DSN      http://KEY@127.0.0.1:PORT/42
#	SENTRY_STORE    directory of accepted events, one <event_id>.json each
#	SENTRY_JOURNAL  JSON lines, one per request: t, status, event_id, reason
#	SENTRY_PID      its pid (bed's EXIT trap stops it)
# Helpers: sentry_events (count), sentry_control <path> [json],
# sentry_standin_stop.

SENTRY_STANDIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# sentry_standin_start [key]: must not run inside $( ).  The deadline for
# the port file fits a loaded test machine, where the Python interpreter
# alone can take more than 10 s to start.
sentry_standin_start()
{
	SENTRY_KEY=${1:-5e1f0a77c0de4b7d9a61e2b3c4d5e6f7}
	SENTRY_STORE=$BED_TMP/sentry-events
	SENTRY_JOURNAL=$BED_TMP/sentry-journal.jsonl
	local portfile=$BED_TMP/sentry.port
	rm -f "$portfile"
	bed_spawn sentry-standin python3 "$SENTRY_STANDIN_DIR/standin.py" \
	    --key "$SENTRY_KEY" --project 42 --store "$SENTRY_STORE" \
	    --journal "$SENTRY_JOURNAL" --port-file "$portfile"
	SENTRY_PID=$BED_PID
	bed_wait_until 90 test -s "$portfile"
	SENTRY_PORT=$(cat "$portfile")
	SENTRY_DSN=http://$SENTRY_KEY@127.0.0.1:$SENTRY_PORT/42
	export SENTRY_PORT SENTRY_KEY SENTRY_DSN SENTRY_STORE SENTRY_JOURNAL
}

sentry_standin_stop()
{
	bed_stop "$SENTRY_PID" || true
}

# sentry_events: the number of events stored so far.
sentry_events()
{
	find "$SENTRY_STORE" -maxdepth 1 -name '*.json' | wc -l
}

# sentry_control <path> [json]: POST to the control endpoint, e.g.
#	sentry_control ratelimit '{"count":1,"retry_after":2}'
sentry_control()
{
	local body='{}'
	[[ $# -lt 2 ]] || body=$2
	curl -sf -X POST --data-binary "$body" \
	    "http://127.0.0.1:$SENTRY_PORT/_control/$1" >/dev/null
}
