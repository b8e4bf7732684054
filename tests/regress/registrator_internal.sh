#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 3: with -internal, a container on a user-defined network is
# registered with its IP on that network and its exposed (container) port,
# never its published host port.  Issue 15 item 7: a container on
# --network none (no address anywhere) is not registered, with a warning
# naming it; one on --net=host is registered at the host's address (-ip
# here) and its port, where it answers.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
# -ip only matters to --net=host containers: the others use their own IP.
reg_start -internal -ip 127.0.0.1

net=$(bed_network_create inner)
n1=$(reg_name inner)
id1=$(bed_run --name "$n1" --network "$net" -p 127.0.0.1::80 \
    -e SERVICE_NAME=innerweb "$REG_IMAGE" bed-httpd)
ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$id1")
[[ -n $ip ]] || bed_fail "container has no IP on $net"

bed_wait_until 20 reg_has innerweb 1
svc=$(reg_catalog innerweb)
bed_assert_jq_eq "$svc" '.[0].ServiceAddress' "$ip" "internal address"
bed_assert_jq_eq "$svc" '.[0].ServicePort' 80 "internal port"
bed_assert_jq_eq "$svc" '.[0].ServiceID' "$REG_HOST:$n1:80" "internal ID"

# An exposed but unpublished port is registered too with -internal.
n2=$(reg_name exposed)
id2=$(bed_run --name "$n2" --network "$net" --expose 8080 \
    -e SERVICE_NAME=exposedonly "$REG_IMAGE" bed-httpd)
ip2=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$id2")
bed_wait_until 20 reg_has exposedonly 1
svc=$(reg_catalog exposedonly)
bed_assert_jq_eq "$svc" '.[0].ServiceAddress' "$ip2" "exposed-only address"
bed_assert_jq_eq "$svc" '.[0].ServicePort' 8080 "exposed-only port"

# A network connect event re-derives the container: SERVICE_NETWORK names
# a network it joins later; the address moves there when it does.
net2=$(bed_network_create second)
n3=$(reg_name moves)
id3=$(bed_run --name "$n3" --network "$net" -e SERVICE_NAME=mover \
    -e "SERVICE_NETWORK=$net2" --expose 80 "$REG_IMAGE" bed-httpd)
ip3=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$id3")
_address()
{
	[[ $(reg_catalog mover | jq -r '.[0].ServiceAddress') == "$1" ]]
}
bed_wait_until 20 _address "$ip3"
docker network connect "$net2" "$id3" || bed_fail "network connect failed"
ip4=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net2\").IPAddress}}" "$id3")
[[ -n $ip4 && $ip4 != "$ip3" ]] || bed_fail "no new address on $net2"
bed_wait_until 20 _address "$ip4"
bed_assert_eq 1 "$(reg_count mover)" "instances after the move"

# --network none: nothing to reach it at; gliderlabs registered an empty
# address (Consul then uses the node's, where nothing listens).
n5=$(reg_name nonet)
bed_run --name "$n5" --network none --expose 80 -e SERVICE_NAME=nonet \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_log_has "container $n5: port 80/tcp: no address to register \(the container has no IP\); not registered"
bed_assert_eq 0 "$(reg_count nonet)" "--network none instances"

# --net=host: the host's address (-ip) and the port the process listens
# on, served through it; gliderlabs registered an empty address.
hport=$(bed_free_port)
n6=$(reg_name hostnet)
bed_run --name "$n6" --net=host --expose "$hport" -e "HTTPD_PORT=$hport" \
    -e SERVICE_NAME=hostnet "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has hostnet 1
svc=$(reg_catalog hostnet)
bed_assert_jq_eq "$svc" '.[0].ServiceAddress' 127.0.0.1 "--net=host address"
bed_assert_jq_eq "$svc" '.[0].ServicePort' "$hport" "--net=host port"
bed_assert_ok curl -fsS -o /dev/null "http://127.0.0.1:$hport/health"

bed_pass
