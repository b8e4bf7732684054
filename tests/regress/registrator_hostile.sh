#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Done-when 9: hostile values (white space, ';', '{', a newline, a quote, a
# literal \x00 in names, a 100 kB name, a dotted meta key, a 10 kB tag, a
# 100 kB meta value, a label overwriting event attributes) are
# refused item by item with a log line naming the container; the rest of
# the container, and other containers, register; nothing crashes.
. "$SOURCE_DIR/tests/regress/registrator_common.bash"

bed_consul_start
reg_start

nsp=$(reg_name space)
bed_run --name "$nsp" -p 127.0.0.1::80 -e "SERVICE_NAME=bad name" \
    "$REG_IMAGE" bed-httpd >/dev/null
nsemi=$(reg_name semi)
bed_run --name "$nsemi" -p 127.0.0.1::80 -e "SERVICE_NAME=bad;name" \
    "$REG_IMAGE" bed-httpd >/dev/null
nbrace=$(reg_name brace)
bed_run --name "$nbrace" -p 127.0.0.1::80 --label "SERVICE_NAME=bad{name}" \
    "$REG_IMAGE" bed-httpd >/dev/null
nnl=$(reg_name newline)
bed_run --name "$nnl" -p 127.0.0.1::80 --label "SERVICE_NAME=bad
name" "$REG_IMAGE" bed-httpd >/dev/null

nquote=$(reg_name quote)
bed_run --name "$nquote" -p 127.0.0.1::80 --label 'SERVICE_NAME=bad"name' \
    "$REG_IMAGE" bed-httpd >/dev/null
# Text that a careless printf or JSON writer would turn into a NUL.
nnul=$(reg_name nul)
bed_run --name "$nnul" -p 127.0.0.1::80 --label 'SERVICE_NAME=bad\x00name' \
    "$REG_IMAGE" bed-httpd >/dev/null

# A 100 kB name and a 100 kB meta value: refused, the log line quotes a
# bounded prefix, not the value.
huge=$(head -c 102400 /dev/zero | tr '\0' y)
nhuge=$(reg_name huge)
bed_run --name "$nhuge" -p 127.0.0.1::80 --label "SERVICE_NAME=$huge" \
    "$REG_IMAGE" bed-httpd >/dev/null

# A dotted meta key and a 10 kB tag: only those items are refused.
big=$(head -c 10240 /dev/zero | tr '\0' x)
nmeta=$(reg_name meta)
bed_run --name "$nmeta" -p 127.0.0.1::80 -e SERVICE_NAME=partial \
    -e SERVICE_DOTTED.KEY=v -e SERVICE_REGION=eu1 \
    -e "SERVICE_TAGS=good,$big" -e "SERVICE_NOTE=$huge" \
    --label exitCode=0 --label signal=0 \
    "$REG_IMAGE" bed-httpd >/dev/null

# A well-behaved neighbour.
ngood=$(reg_name good)
bed_run --name "$ngood" -p 127.0.0.1::80 -e SERVICE_NAME=neighbour \
    "$REG_IMAGE" bed-httpd >/dev/null

bed_wait_until 20 reg_has neighbour 1
bed_wait_until 20 reg_has partial 1
svc=$(reg_catalog partial)
bed_assert_jq_eq "$svc" '.[0].ServiceTags | join(",")' "good" "partial tags"
bed_assert_jq_eq "$svc" '.[0].ServiceMeta.region' "eu1" "partial meta"
bed_assert_jq "$svc" '.[0].ServiceMeta | has("dotted.key") | not' \
    "dotted meta key"

# Each refusal is logged, once, naming the container (a container is
# derived again on each of its events; the same refusal is not repeated).
for n in "$nsp" "$nsemi" "$nbrace" "$nnl" "$nquote" "$nnul" "$nhuge"; do
	bed_wait_until 10 reg_log_has "container $n: SERVICE_NAME: service name .* refused"
	bed_assert_eq 1 "$(grep -c "container $n: SERVICE_NAME" "$REG_LOG")" \
	    "log lines about $n"
done
reg_log_has "container $nmeta: SERVICE_DOTTED\\.KEY: meta refused" ||
    bed_fail "no log line about the dotted meta key"
reg_log_has "container $nmeta: SERVICE_TAGS: tag \"x+\.\.\.\" refused" ||
    bed_fail "no log line about the 10 kB tag"
reg_log_has "container $nmeta: SERVICE_NOTE: meta value \"y+\.\.\.\" refused: too long" ||
    bed_fail "no log line about the 100 kB meta value"
longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' \
    "$REG_LOG")
((longest < 4096)) || bed_fail "a log line of $longest bytes: a value was copied whole"

# Nothing with a hostile name reached Consul.
ids=$(reg_agent_ids)
for n in "$nsp" "$nsemi" "$nbrace" "$nnl" "$nquote" "$nnul" "$nhuge"; do
	bed_assert_not_contains "$ids" "$n" "agent services"
done
bed_assert_eq 2 "$(wc -l <<<"$ids")" "this run's services"

# A container whose label overwrites die's exitCode attribute: the decision
# comes from inspect, so under on-success a real exit 5 keeps it.
bed_stop "$REG_PID"
reg_start -deregister on-success
nspoof=$(reg_name spoof)
idspoof=$(bed_run --name "$nspoof" -p 127.0.0.1::80 -e SERVICE_NAME=spoofed \
    --label exitCode=0 "$REG_IMAGE" \
    sh -c 'while [ ! -e /tmp/go ]; do sleep 1; done; exit 5')
bed_wait_until 20 reg_has spoofed 1
docker exec "$idspoof" touch /tmp/go
docker wait "$idspoof" >/dev/null
bed_wait_until 10 reg_log_has "container $nspoof: stopped \\(exit 5\\), registration kept"
bed_assert_eq 1 "$(reg_count spoofed)" "kept despite the exitCode label"
bed_alive "$REG_PID" || bed_fail "registrator exited"

bed_pass
