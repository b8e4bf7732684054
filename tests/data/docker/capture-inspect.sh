#!/bin/bash
# Captures the real inspect answers (inspect-*.json) used by the unit tests
# of container.c, derive.c and check.c, on a busybox-static image made with
# docker import when missing.  Every container is labelled
# registrator.test=1 and removed on exit.  Re-capturing changes IDs and
# may change the container addresses some tests assert (172.18.0.2).
set -eu
IMG=registrator-test/derive-busybox:1
OUT=$(cd "$(dirname "$0")" && pwd)
L="--label registrator.test=1"
NET=derive-fx-net
cleanup() {
	docker ps -aq --filter label=registrator.test=1 --filter name=derive-fx- | xargs -r docker rm -f >/dev/null
	docker network rm $NET >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
if ! docker image inspect $IMG >/dev/null 2>&1; then
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/www"
	cp "$(command -v busybox)" "$root/bin/busybox"
	for a in sh httpd sleep echo cat ls true false nc dd; do
		ln -s busybox "$root/bin/$a"
	done
	echo ok >"$root/www/health"
	tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' \
	    -c 'CMD ["sh"]' - $IMG >/dev/null
	rm -rf "$root"
fi
docker network create $L $NET >/dev/null
cap() { curl -sf --unix-socket /var/run/docker.sock "http://localhost/containers/$1/json" | python3 -m json.tool --indent 1 > "$OUT/inspect-$2.json"; }

docker run -d $L --name derive-fx-web -p 127.0.0.1:18080:80 -e SERVICE_NAME=web -e SERVICE_TAGS=b,a $IMG httpd -f -p 80 -h /www >/dev/null
docker run -d $L --name derive-fx-multi -p 127.0.0.1:18443:443 -p 127.0.0.1:18081:80 -p 127.0.0.1:18053:53/udp --expose 9000 \
	-e SERVICE_NAME=nginx -e SERVICE_443_NAME=https -e SERVICE_443_ID=https.12345 -e SERVICE_443_SNI=enabled \
	-e SERVICE_TAGS='www,a\,b , ,c' -e SERVICE_REGION=us2 --label SERVICE_REGION=eu1 -e SERVICE_53_IGNORE=false \
	--label 'SERVICE_80_CHECK_HTTP=/health' --label SERVICE_CHECK_INTERVAL=15s \
	$IMG httpd -f -p 80 -h /www >/dev/null
docker run -d $L --name derive-fx-internal --network $NET --expose 8080 --expose 8081 \
	--label SERVICE_8081_IGNORE=yes --label SERVICE_NAME=api \
	--label traefik.http.services.api.loadbalancer.server.port=8080 \
	--label traefik.http.services.api.loadBalancer.healthCheck.path=/health \
	--label traefik.http.services.api.loadbalancer.healthcheck.interval=2s \
	--label traefik.http.services.api.loadbalancer.healthcheck.timeout=1s \
	--label traefik.http.services.api.loadbalancer.healthcheck.hostname=api.example.com \
	--label traefik.http.services.api.loadbalancer.healthcheck.headers.X-Probe=consul \
	$IMG httpd -f -p 8080 -h /www >/dev/null
docker run -d $L --name derive-fx-traefik -p 127.0.0.1:18082:80 -p 127.0.0.1:18083:8081 \
	--label traefik.http.services.web.loadbalancer.healthcheck.path=/health \
	--label traefik.http.services.web.loadbalancer.healthcheck.port=8081 \
	--label traefik.http.services.web.loadbalancer.healthcheck.followredirects=false \
	$IMG httpd -f -p 80 -h /www >/dev/null
ID=$(docker image inspect -f '{{.Id}}' $IMG)
docker run -d $L --name derive-fx-byid -p 127.0.0.1:18084:80 \
	--label com.docker.compose.project=shop --label com.docker.compose.service=cart $ID httpd -f -p 80 -h /www >/dev/null
docker run -d $L --name derive-fx-health -p 127.0.0.1:18085:80 --health-cmd 'true' --health-interval 1s $IMG httpd -f -p 80 -h /www >/dev/null
docker run -d $L --name derive-fx-host --network host --expose 18099 -e SERVICE_NAME=hostsvc $IMG sleep 600 >/dev/null
docker run -d $L --name derive-fx-exit3 --restart on-failure:2 $IMG sh -c 'exit 3' >/dev/null
docker run -d $L --name derive-fx-oom -m 16m --memory-swap 16m $IMG sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1' >/dev/null
docker network connect $NET derive-fx-web
for i in $(seq 1 50); do
	s=$(docker inspect -f '{{.State.Health.Status}}' derive-fx-health)
	o=$(docker inspect -f '{{.State.Status}}' derive-fx-oom)
	e=$(docker inspect -f '{{.State.Restarting}} {{.RestartCount}} {{.State.Status}}' derive-fx-exit3)
	[ "$s" = healthy ] && [ "$o" = exited ] && [ "$e" = "false 2 exited" ] && break
	sleep 0.2
done
for n in web multi internal traefik byid health host exit3 oom; do cap derive-fx-$n $n; done
