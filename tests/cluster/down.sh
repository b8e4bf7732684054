#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/cluster/down.sh: tear down what up.sh made, from the state file
# $CLUSTER_STATE/made (lib.sh), last line first: processes (TERM, then KILL
# after 20 s), each Docker Engine with its containers, the veth ends and
# the bridge with its FORWARD rule, the namespaces (every process still inside one of ours is
# ended by its id first), the state directory.  Safe to run twice, after a
# failed up.sh, or with nothing up.  Exit 0 when nothing made is left.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[[ -e $CL_MADE ]] || exit 0
left=0
mapfile -t lines <"$CL_MADE"
for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
	read -r kind arg <<<"${lines[i]}"
	case $kind in
	pid)
		[[ -s $arg ]] || continue
		cl_stop "$(basename "$arg")"
		;;
	dockerd)
		sock=$CLUSTER_STATE/$arg/docker.sock
		if [[ -S $sock ]] && cl_alive "dockerd-$arg"; then
			ids=$(docker -H "unix://$sock" ps -aq 2>/dev/null)
			[[ -z $ids ]] || docker -H "unix://$sock" rm -f $ids >/dev/null 2>&1
		fi
		cl_stop "dockerd-$arg"
		;;
	iptables)
		# shellcheck disable=SC2086
		while iptables -D $arg 2>/dev/null; do :; done
		;;
	link)
		ip link show "$arg" >/dev/null 2>&1 && ip link del "$arg"
		;;
	netns)
		if ip netns list | grep -qw "^$arg"; then
			for p in $(ip netns pids "$arg" 2>/dev/null); do
				kill -KILL "$p" 2>/dev/null
			done
			ip netns del "$arg" || left=1
		fi
		;;
	dir)
		# Mounts the engines left (netns files, container roots).
		findmnt -rn -o TARGET | grep "^$arg/" | sort -r |
		    while read -r m; do umount -l "$m"; done
		[[ -n ${KEEP_LOGS:-} && -d $arg/log ]] &&
		    cp -r "$arg/log" "$KEEP_LOGS" 2>/dev/null
		rm -rf "$arg" || left=1
		;;
	esac
done
if ((left)); then
	echo "cluster: down.sh could not remove everything (see above)" >&2
	exit 1
fi
echo "cluster: down" >&2
