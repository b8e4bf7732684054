#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Every watch live under the connection cap (issue 18): a Consul agent
# serving its API over HTTPS (certificates made here by openssl) speaks
# HTTP/2, and the templater then keeps one blocking query open per
# dependency, many per connection.  With N+2 dependencies and
# -max-connections 2, the test asserts what a user relies on: every
# dependency has its query in flight at once (none parked in a queue
# waiting for a turn), the process holds at most 2 TCP connections to the
# agent, and a change to the service registered last reaches the file.
# Over HTTP/1.1 (the same run against the agent's plain port) at most 2
# queries are in flight: the rotation this replaces.
. "$SOURCE_DIR/tests/regress/tpl/common.sh"

command -v openssl >/dev/null || bed_skip "openssl is not installed"
CAP=2
N=40
d=$BED_TMP/pki
mkdir -p "$d"
ossl()
{
	openssl "$@" 2>>"$BED_TMP/openssl.log" ||
	    bed_fail "openssl $1 failed (see openssl.log)"
}
bed_add_log "$BED_TMP/openssl.log"
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bed-ca \
    -keyout "$d/ca.key" -out "$d/ca.pem"
ossl req -newkey rsa:2048 -nodes -subj /CN=server.dc1.consul \
    -keyout "$d/server.key" -out "$d/server.csr"
printf 'subjectAltName=IP:127.0.0.1\n' >"$d/server.ext"
ossl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server.pem"

HTTPS_PORT=$(bed_free_port)
cat >"$BED_TMP/tls.json" <<EOF
{
  "ports": { "https": $HTTPS_PORT },
  "tls": {
    "defaults": {
      "ca_file": "$d/ca.pem",
      "cert_file": "$d/server.pem",
      "key_file": "$d/server.key",
      "verify_incoming": false
    }
  }
}
EOF
bed_consul_start -config-file "$BED_TMP/tls.json"
curl -sf --max-time 5 --cacert "$d/ca.pem" \
    "https://127.0.0.1:$HTTPS_PORT/v1/status/leader" >/dev/null ||
    bed_fail "the agent does not answer on https://127.0.0.1:$HTTPS_PORT"

for ((i = 1; i <= N; i++)); do
	tpl_register "mx$i-1" "mx$i" $((20000 + i))
done
bed_wait_until 30 bed_consul_has_service "mx$N"

cat >"$BED_TMP/mx.ctmpl" <<'EOF'
{{ range services }}{{ range service .Name }}{{ .Name }} {{ .Port }}
{{ end }}{{ end }}
EOF

# run <name> <addr> [flags]: a templater rendering mx.ctmpl to <name>.out.
run()
{
	local name=$1 addr=$2
	shift 2
	LISTEN=127.0.0.1:$(bed_free_port)
	OUT=$BED_TMP/$name.out
	TPL_LOG=$BED_TMP/$name.log
	bed_spawn "$name" "$TPL_BIN" -consul-addr "$addr" -log-level debug \
	    -listen "$LISTEN" -max-connections "$CAP" -wait 0 "$@" \
	    -template "$BED_TMP/mx.ctmpl:$OUT"
	TPL_PID=$BED_PID
	bed_wait_until 60 bed_assert_file_lines "$OUT" "$N"
}

bed_assert_file_lines()
{
	[[ -f $1 ]] && (($(grep -c '^mx' "$1") == $2))
}

# conns: established TCP connections from the templater to port $1.
conns()
{
	ss -Htnp state established "( dport = :$1 )" 2>/dev/null |
	    grep -c "pid=$TPL_PID," || true
}

# HTTPS: HTTP/2, every dependency's query open at once.
run h2 "https://127.0.0.1:$HTTPS_PORT" -consul-ca "$d/ca.pem"
# The catalog, the N services and Consul's own: N + 2 dependencies.
watches=$(tpl_metric "$LISTEN" templater_watches)
((watches == N + 2)) || bed_fail "templater_watches is $watches, want $((N + 2))"
bed_wait_until 30 tpl_metric_ge "$LISTEN" templater_consul_requests_in_flight "$watches"
open=$(tpl_metric "$LISTEN" templater_consul_open_connections)
((open <= CAP)) || bed_fail "$open connections open, cap is $CAP"
c=$(conns "$HTTPS_PORT")
((c >= 1 && c <= CAP)) || bed_fail "$c TCP connections to the agent, want 1..$CAP"
grep -q 'answers over HTTP/2' "$TPL_LOG" ||
    bed_fail "the templater did not log that Consul answers over HTTP/2"
# The service registered last moves: the file follows.
tpl_register "mx$N-1" "mx$N" 29999
bed_wait_until 30 grep -q "^mx$N 29999\$" "$OUT"
bed_log "HTTP/2: $watches queries in flight on $c connection(s); mx$N moved"
bed_stop "$TPL_PID" 10

# HTTP/1.1 for contrast: the cap holds the queries in flight to 2.
run h1 "$BED_CONSUL_HTTP"
inflight=$(tpl_metric "$LISTEN" templater_consul_requests_in_flight)
((inflight <= CAP)) ||
    bed_fail "over HTTP/1.1, $inflight queries in flight on a cap of $CAP"
bed_stop "$TPL_PID" 10
bed_pass "every dependency live over HTTP/2 within $CAP connections"
