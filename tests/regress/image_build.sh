#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The shipped Dockerfile builds offline and the registrator runs as a
# container: there is no image registry here, so the base image is made
# from Debian's packages (debootstrap --variant=minbase, cached outside the
# repository) and tagged debian:bookworm-slim, unless a real one is
# already there; the Dockerfile is then built with --pull=false, and the
# containerised registrator, on the host's Docker socket and host network,
# registers a demo container in the Consul dev agent.
. "$SOURCE_DIR/tests/bed/bed.sh"

cache=${XDG_CACHE_HOME:-$HOME/.cache}/registrator-testbed
base_tar=$cache/debian-bookworm-minbase.tar
base=debian:bookworm-slim
image=registrator-test/registrator:dev

command -v debootstrap >/dev/null ||
    bed_fail "debootstrap is not installed: run scripts/install.sh"

# One base image, made once, whatever runs concurrently: the lock also
# covers the tag, so a half-imported image is never used.
mkdir -p "$cache"
exec 9>"$cache/debian-base.lock"
flock 9
if ! docker image inspect "$base" >/dev/null 2>&1; then
	if [[ ! -s $base_tar ]]; then
		root=$BED_TMP/rootfs
		bed_log "debootstrap bookworm into $root (cached as $base_tar)"
		debootstrap --variant=minbase bookworm "$root" \
		    http://deb.debian.org/debian >"$BED_TMP/debootstrap.log" 2>&1 || {
			tail -n 30 "$BED_TMP/debootstrap.log" >&2
			bed_fail "debootstrap failed"
		}
		rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
		tar -C "$root" -cf "$base_tar.tmp" . && mv "$base_tar.tmp" "$base_tar"
		rm -rf "$root"
	fi
	docker import "$base_tar" "$base" >/dev/null ||
	    bed_fail "docker import of $base_tar failed"
fi
flock -u 9

# --force-rm: a failed step must not leave its container behind.
bed_log "docker build --target registrator (offline base)"
docker build --pull=false --force-rm --target registrator -t "$image" \
    -f "$SOURCE_DIR/Dockerfile" "$SOURCE_DIR" >"$BED_TMP/build.log" 2>&1 || {
	tail -n 40 "$BED_TMP/build.log" >&2
	bed_fail "docker build failed"
}
size=$(docker image inspect -f '{{.Size}}' "$image")
bed_log "registrator image: $((size / 1024 / 1024)) MiB"
user=$(docker image inspect -f '{{.Config.User}}' "$image")
bed_assert_eq 10001 "$user" "image user"

bed_consul_start
sock_gid=$(stat -c %g "$BED_DOCKER_SOCK")
bed_run --name "bed-$BED_RUN_ID-registrator" --network host \
    --group-add "$sock_gid" \
    -v "$(dirname "$BED_DOCKER_SOCK"):/host/run:ro" \
    -e DOCKER_HOST="unix:///host/run/$(basename "$BED_DOCKER_SOCK")" \
    "$image" -ip 127.0.0.1 -log-level debug "consul://$BED_CONSUL_HTTP" >/dev/null
bed_on_exit "docker logs bed-$BED_RUN_ID-registrator >$BED_TMP/registrator.log 2>&1"
bed_add_log "$BED_TMP/registrator.log"

name=imgdemo-$BED_RUN_ID
bed_run_httpd -e "SERVICE_NAME=$name" -e SERVICE_TAGS=img,e2e >/dev/null
if ! bed_poll_until 60 bed_consul_has_service "$name"; then
	docker logs "bed-$BED_RUN_ID-registrator" >"$BED_TMP/registrator.log" 2>&1
	bed_fail "the containerised registrator did not register $name"
fi
bed_assert_jq_eq "$(bed_consul_get "/v1/catalog/service/$name")" \
    '.[0].ServiceTags | join(",")' "img,e2e"
bed_pass
