#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 1 and 2: what gliderlabs users see in the catalog.
#  1. -p <port>:80 -e SERVICE_NAME=web -e SERVICE_TAGS=b,a -> service web,
#     the published port, tags [b, a] in that order, ID <host>:<name>:80.
#  2. two published ports -> web-80/web-443; per-port names; per-port
#     ignore; a label beats an env var; SERVICE_IGNORE=false does not
#     ignore; an image given by ID is named after the compose service label
#     or the container name, never "sha256".
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
reg_start

# 1: the basic case.
n1=$(reg_name web)
id1=$(bed_run --name "$n1" -p 127.0.0.1::80 -e SERVICE_NAME=web \
    -e SERVICE_TAGS=b,a "$REG_IMAGE" bed-httpd)
port1=$(bed_container_port "$id1" 80)
bed_wait_until 20 reg_has web 1
web=$(reg_catalog web)
bed_assert_jq_eq "$web" '.[0].ServiceID' "$REG_HOST:$n1:80" "web ID"
bed_assert_jq_eq "$web" '.[0].ServicePort' "$port1" "web port"
bed_assert_jq_eq "$web" '.[0].ServiceTags | join(",")' "b,a" "web tags"
bed_assert_jq_eq "$web" '.[0].ServiceAddress' "127.0.0.1" "web address"
bed_assert_jq_eq "$web" ".[0].ServiceMeta[\"registrator-host\"]" "$REG_HOST" \
    "ownership meta"

# 2a: two published ports and a generic name -> suffixed names.
n2=$(reg_name two)
bed_run --name "$n2" -p 127.0.0.1::80 -p 127.0.0.1::443 \
    -e SERVICE_NAME=twoports "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has twoports-80 1
bed_wait_until 20 reg_has twoports-443 1
bed_assert_eq 0 "$(reg_count twoports)" "unsuffixed twoports"

# 2b: per-port names are used as they are.
n3=$(reg_name perport)
bed_run --name "$n3" -p 127.0.0.1::80 -p 127.0.0.1::443 \
    -e SERVICE_80_NAME=pp-http -e SERVICE_443_NAME=pp-https \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has pp-http 1
bed_wait_until 20 reg_has pp-https 1

# 2c: per-port ignore drops that port only.
n4=$(reg_name ign)
bed_run --name "$n4" -p 127.0.0.1::80 -p 127.0.0.1::443 \
    -e SERVICE_NAME=ignpart -e SERVICE_443_IGNORE=true \
    "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has ignpart-80 1
bed_assert_eq 0 "$(reg_count ignpart-443)" "ignored port 443"

# 2d: a label beats an env var with the same key.
n5=$(reg_name label)
bed_run --name "$n5" -p 127.0.0.1::80 -e SERVICE_NAME=fromenv \
    --label SERVICE_NAME=fromlabel "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has fromlabel 1
bed_assert_eq 0 "$(reg_count fromenv)" "env name under a label"

# 2e: SERVICE_IGNORE=false does not ignore; SERVICE_IGNORE=true does.
n6=$(reg_name notign)
bed_run --name "$n6" -p 127.0.0.1::80 -e SERVICE_NAME=notignored \
    -e SERVICE_IGNORE=false "$REG_IMAGE" bed-httpd >/dev/null
n7=$(reg_name isign)
bed_run --name "$n7" -p 127.0.0.1::80 -e SERVICE_NAME=ignored \
    -e SERVICE_IGNORE=true "$REG_IMAGE" bed-httpd >/dev/null
bed_wait_until 20 reg_has notignored 1

# 2f: image given by ID: compose service label, else the container name.
image_id=$(docker image inspect -f '{{.Id}}' "$REG_IMAGE")
n8=$(reg_name byid)
bed_run --name "$n8" -p 127.0.0.1::80 \
    --label com.docker.compose.service=composed "$image_id" bed-httpd >/dev/null
n9=$(reg_name byidnolabel)
bed_run --name "$n9" -p 127.0.0.1::80 "$image_id" bed-httpd >/dev/null
bed_wait_until 20 reg_has composed 1
bed_wait_until 20 reg_has "$n9" 1
bed_assert_eq 0 "$(reg_count sha256)" "services named sha256"

# Everything of this run is in the agent exactly once; the ignored
# container is not.
ids=$(reg_agent_ids)
bed_assert_not_contains "$ids" "$n7" "agent services"
bed_assert_eq 10 "$(wc -l <<<"$ids")" "this run's services"

# A rename changes the ID (<host>:<name>:<port>): the new one replaces the
# old one, which gliderlabs never noticed.
docker rename "$n1" "$n1-renamed"
_renamed()
{
	[[ $(reg_catalog web | jq -r '[.[].ServiceID] | join(" ")') == \
	    "$REG_HOST:$n1-renamed:80" ]]
}
bed_wait_until 20 _renamed

bed_pass
