#!/bin/sh
# SPDX-License-Identifier: MIT
#
# haproxy-reload.sh MASTER_SOCKET [TIMEOUT_SECONDS]
#
# Reloads HAProxy through its master CLI and returns only when the reload
# is over: 0 when the master runs the new configuration, 1 when HAProxy
# refused it (the old workers keep serving) or when it did not finish
# within TIMEOUT_SECONDS (20 by default).
#
# The templater never runs a command twice at once, and runs it once more
# for a change that came during a run; that is only safe when the command
# lasts as long as the reload.  HAProxy's master answers a SIGUSR2, or
# the master CLI's "reload" in HAProxy 2.6 (Debian 12), at once, and loses
# a reload asked for while it is still reloading (two writes 150 ms apart
# left the old backends live).  So this script reads the master's reload
# counter from "show proc", asks for the reload, and waits until the
# counter has moved; "failed" then tells whether it took.  HAProxy 2.7
# and later answer "reload" with the result themselves.
#
# HAProxy must run in master-worker mode with a master CLI socket, as
# Debian's haproxy.service starts it:
#   haproxy -Ws -S /run/haproxy-master.sock -f /etc/haproxy/haproxy.cfg ...
# Needs socat.
set -eu

sock=${1:?usage: haproxy-reload.sh MASTER_SOCKET [TIMEOUT_SECONDS]}
timeout=${2:-20}

# master_state: "RELOADS FAILED" from the master's line of "show proc"
# ("PID master RELOADS [failed: N] UPTIME VERSION"); nothing while the
# master is re-executing itself and does not answer.
master_state()
{
	printf 'show proc\n' | socat -t 2 - "UNIX-CONNECT:$sock" 2>/dev/null |
	    awk '$2 == "master" { sub(/]$/, "", $5); print $3, $5; exit }'
}

# A master busy with a reload someone else asked for answers, and takes
# a new one, once that reload is over.
deadline=$(($(date +%s) + timeout))
while :; do
	before=$(master_state)
	if [ -n "$before" ] && printf 'reload\n' |
	    socat -t 2 - "UNIX-CONNECT:$sock" >/dev/null 2>&1; then
		break
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "haproxy-reload: no answer from the master CLI at $sock" \
		    "within ${timeout}s" >&2
		exit 1
	fi
	sleep 0.1
done
while :; do
	now=$(master_state)
	if [ -n "$now" ] && [ "${now% *}" -gt "${before% *}" ]; then
		break
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "haproxy-reload: the reload did not finish within" \
		    "${timeout}s" >&2
		exit 1
	fi
	sleep 0.1
done
if [ "${now#* }" != 0 ]; then
	echo "haproxy-reload: haproxy refused the new configuration; the" \
	    "previous one keeps serving" >&2
	exit 1
fi
